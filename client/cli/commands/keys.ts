import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { SignatureAlgorithm } from '../../../schemas/index.ts';
import { accountIdOf } from '../../../schemas/transaction-signing.ts';
import { readJsonFile, stringOption, UsageError, type Command, type CommandContext } from '../command.ts';

const DSA = { ml_dsa44, ml_dsa65, ml_dsa87 } as const;
const KEY_SEED_BYTES = 32;

/** An account key as `keys generate` writes it. */
export const AccountKeyFile = z.object({
  algorithm: SignatureAlgorithm,
  accountId: z.string(),
  publicKey: z.string().regex(/^[0-9a-f]+$/),
  secretKey: z.string().regex(/^[0-9a-f]+$/),
});
export type AccountKeyFile = z.infer<typeof AccountKeyFile>;

export const keyCommands: Command[] = [
  {
    name: 'keys generate',
    summary: 'make a new ML-DSA account key (the account id is the SHA-256 of its public key)',
    details: 'Writes {algorithm, accountId, publicKey, secretKey} to --out (mode 600) or prints it. The secret key signs transfers: keep it private.',
    options: {
      algorithm: { type: 'string', value: '<alg>', description: `${SignatureAlgorithm.options.join(', ')} (default ml_dsa44: smallest and fastest)` },
      out: { type: 'string', value: '<file.json>', description: 'write the key here instead of printing it' },
    },
    async run(context, options) {
      const algorithm = SignatureAlgorithm.safeParse(stringOption(options, 'algorithm') ?? 'ml_dsa44');
      if (!algorithm.success) throw new UsageError(`--algorithm must be one of ${SignatureAlgorithm.options.join(', ')}`);
      const { publicKey, secretKey } = DSA[algorithm.data].keygen(randomBytes(KEY_SEED_BYTES));
      const key: AccountKeyFile = { algorithm: algorithm.data, accountId: accountIdOf(bytesToHex(publicKey)), publicKey: bytesToHex(publicKey), secretKey: bytesToHex(secretKey) };
      const out = stringOption(options, 'out');
      if (out === undefined) return context.print(key);
      await context.writeText(out, `${JSON.stringify(key, null, 2)}\n`);
      context.print({ algorithm: key.algorithm, accountId: key.accountId, file: out });
    },
  },
];

export async function readAccountKey(context: CommandContext, path: string): Promise<AccountKeyFile> {
  const parsed = AccountKeyFile.safeParse(await readJsonFile(context, path));
  if (!parsed.success) throw new UsageError(`${path} is not an account key file (make one with \`keys generate --out ${path}\`)`);
  return parsed.data;
}
