import { hexToBytes } from '@noble/hashes/utils.js';
import { Hash32, Identifier, Units, type TransactionReceipt, type TransferTx } from '../../../schemas/index.ts';
import { signTransaction } from '../../../schemas/transaction-signing.ts';
import { numberOption, requiredOption, stringOption, UsageError, type Command, type CommandContext } from '../command.ts';
import { readAccountKey } from './keys.ts';

/** How long `--wait` follows a submitted transfer: commits take well under a second on a healthy network. */
const WAIT_POLLS_MAX = 120;
const WAIT_POLL_MS = 500;

export const transferCommand: Command = {
  name: 'transfer',
  summary: 'sign a transfer of fractional units with your account key and submit it',
  details: [
    'Signs {type: transfer, chainId, nonce, from, assetId, to, units} with the ML-DSA key of --key (from `keys generate`)',
    "and submits it (POST /transaction). The chain id is the network's (GET /consensus/status) and the nonce",
    "your account's next one (GET /state/accounts/<your id>) unless given. --wait follows it until committed",
    'or rejected. Role: dapp.',
  ].join('\n'),
  options: {
    key: { type: 'string', value: '<file.json>', description: 'your account key (`keys generate --out`)' },
    asset: { type: 'string', value: '<assetId>', description: 'the asset whose units move' },
    to: { type: 'string', value: '<accountId>', description: "the receiver's account id (64 hex characters)" },
    units: { type: 'string', value: '<n>', description: 'how many fractional units (an integer)' },
    nonce: { type: 'string', value: '<n>', description: "your account's next nonce (default: asked of the network)" },
    'chain-id': { type: 'string', value: '<id>', description: "the network's chain id (default: asked of the network)" },
    wait: { type: 'boolean', description: 'wait until the transfer is committed or rejected' },
  },
  async run(context, options) {
    const key = await readAccountKey(context, requiredOption(options, 'key'));
    const assetId = checkedOption(Identifier, requiredOption(options, 'asset'), 'asset');
    const to = checkedOption(Hash32, requiredOption(options, 'to'), 'to');
    const units = checkedOption(Units, requiredOption(options, 'units'), 'units');
    const nonce = numberOption(options, 'nonce') ?? (await context.client.account(key.accountId)).nonce;
    if (!Number.isSafeInteger(nonce) || nonce < 0) throw new UsageError('--nonce must be a non-negative integer');
    const chainId = stringOption(options, 'chain-id') ?? (await context.client.status()).chainId;
    const unsigned: Omit<TransferTx, 'signature'> = { type: 'transfer', chainId, nonce, from: key.publicKey, assetId, to, units };
    const tx = signTransaction(unsigned, hexToBytes(key.secretKey));
    const submitted = await context.client.submitTransaction(tx);
    // --wait prints the receipt (block, proof, signatures) once the transfer is no longer pending.
    context.print(options.wait === true ? await waitForOutcome(context, submitted.hash) : submitted);
  },
};

function checkedOption(schema: { safeParse(v: unknown): { success: boolean } }, value: string, name: string): string {
  if (!schema.safeParse(value).success) throw new UsageError(`--${name} '${value}' is not valid (see \`transfer --help\`)`);
  return value;
}

async function waitForOutcome(context: CommandContext, hash: string): Promise<TransactionReceipt> {
  for (let i = 0; i < WAIT_POLLS_MAX && !context.signal.aborted; i++) {
    const receipt = await context.client.transaction(hash);
    if (receipt.status !== 'pending') return receipt;
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
  throw new UsageError(`transaction ${hash} is still pending after ${(WAIT_POLLS_MAX * WAIT_POLL_MS) / 1_000} s; follow it with \`verify ${hash}\``);
}
