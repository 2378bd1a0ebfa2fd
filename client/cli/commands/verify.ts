import { z } from 'zod';
import { ValidatorIdentity } from '../../../schemas/index.ts';
import { validatorSet, verifyAttestation, verifyTransactionReceipt, type KnownValidator, type ValidatorSet, type Verification } from '../../verify/index.ts';
import { positional, readJsonFile, stringOption, UsageError, type Command, type CommandContext, type OptionValues } from '../command.ts';

/** Set when a verification fails, so scripts can rely on the status alone. */
export class VerificationFailed extends Error {
  override readonly name = 'VerificationFailed';
}

const validatorsOption = {
  validators: {
    type: 'string',
    value: '<file.json>',
    description: 'the pinned validator set (a JSON array of {nodeId, algorithm, publicKey}, as `validators` prints it)',
  },
  'trust-node': {
    type: 'boolean',
    description: 'take the validator keys from the node being verified instead of --validators: a lying node then supplies its own keys, so this proves nothing against that node',
  },
  'chain-id': { type: 'string', value: '<id>', description: 'refuse blocks of any other chain (validator keys may serve several networks)' },
} as const;

/**
 * A verification command: fetch the answer named by the one argument, verify it against the pinned
 * set, print the result; exit status 1 when it does not verify.
 */
function verifying(spec: Pick<Command, 'name' | 'summary' | 'args' | 'details'> & { argument: string }, check: (context: CommandContext, id: string, set: ValidatorSet) => Promise<Verification>): Command {
  return {
    ...spec,
    options: validatorsOption,
    async run(context, options, positionals) {
      const id = positional(positionals, 0, spec.argument);
      const chainId = stringOption(options, 'chain-id');
      const set = validatorSet(await pinnedValidators(context, options), chainId === undefined ? {} : { chainId });
      const verification = await check(context, id, set);
      context.print(verification);
      if (!verification.ok) throw new VerificationFailed(`${verification.fault}: ${verification.message}`);
    },
  };
}

export const verifyCommands: Command[] = [
  verifying(
    {
      name: 'verify',
      summary: "verify a transaction's Merkle proof and its block's signatures against a pinned validator set",
      args: '<txHash>',
      argument: 'the transaction hash',
      details: [
        'Checks that the transaction hashes to <txHash>, that its Merkle proof leads to the transaction root of',
        "its block, that the block hash is its header's, and that a majority of the pinned validators signed it.",
        'Needs --validators <file> (pin it once with `validators`), or --trust-node to take the keys from the',
        'node being verified, which then vouches for itself. Exit status 1 when verification fails; 2 without',
        'either option. Role: dapp.',
      ].join('\n'),
    },
    async (context, hash, set) => verifyTransactionReceipt(await context.client.transaction(hash), set, hash),
  ),
  verifying(
    {
      name: 'verify attestation',
      summary: "verify a feed's latest attested value: event, Merkle proof and block signatures",
      args: '<feedId>',
      argument: 'the feed id',
      details: [
        'As `verify`, for the value GET /query/attestations/<feedId>/latest answers, which must be of <feedId>.',
        'Needs --validators <file> or --trust-node, as `verify`. Exit status 1 when it fails. Role: dapp.',
      ].join('\n'),
    },
    async (context, feedId, set) => verifyAttestation(await context.client.latestAttestation(feedId), set, feedId),
  ),
  {
    name: 'validators',
    summary: 'print the voters and their keys as a node reports them, to pin with --validators',
    options: {},
    async run(context) {
      const validators = await context.client.validators();
      if (validators.length === 0) throw new VerificationFailed('the node knows no voter keys yet (a voter is known once it has signed a block)');
      context.print(validators);
    },
  },
];

async function pinnedValidators(context: CommandContext, options: OptionValues): Promise<KnownValidator[]> {
  const file = stringOption(options, 'validators');
  const trustNode = options['trust-node'] === true;
  if (file !== undefined && trustNode) throw new UsageError('give either --validators <file> or --trust-node, not both');
  if (file === undefined) {
    // Keys from the node under verification let a lying node vouch for itself: only when asked in so many words.
    if (!trustNode) throw new UsageError('--validators <file> is required (pin the keys once: `oracle-net validators > validators.json`); --trust-node takes them from the node being verified instead, trusting it');
    context.note(`note: --trust-node: trusting the validator keys that ${context.client.url} reports; this does not protect against that node`);
    return context.client.validators();
  }
  const parsed = z.array(ValidatorIdentity).min(1).safeParse(await readJsonFile(context, file));
  if (!parsed.success) throw new UsageError(`${file} is not a JSON array of validators {nodeId, algorithm, publicKey}`);
  return parsed.data;
}
