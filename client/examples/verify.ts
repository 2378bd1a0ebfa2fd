/**
 * Runnable example: a dApp verifies what the network tells it, trusting only a validator set it pinned.
 *
 *   npm run example:verify
 *       starts a throwaway network on 127.0.0.1 (a validator, a slim worker, a gateway and a local
 *       weather source), registers a feed, waits for its first attested value and verifies it.
 *   npm run example:verify -- --url http://127.0.0.1:8080 --feed <feedId> --validators validators.json
 *       verifies the latest attested value of a feed on a running network against the pinned keys
 *       (`oracle-net validators > validators.json` once); ORACLE_API_KEY is a dapp key. --trust-node
 *       instead of --validators takes the keys from that node, which then vouches for itself.
 *
 * The verification (verifyFeed below) uses client/api to fetch and client/verify to check: that is all a
 * dApp needs. Exit status 0 when every honest answer verified and the tampered copy was refused.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { OracleClient } from '../api/index.ts';
import { validatorSet, verifyAttestation, verifyTransactionReceipt, type KnownValidator, type ValidatorSet } from '../verify/index.ts';

/** What a dApp does: fetch the attested value and its transaction, verify both, and show a forgery failing. */
export async function verifyFeed(client: OracleClient, pinned: ValidatorSet, feedId: string, log: (line: string) => void): Promise<boolean> {
  const attestation = await client.latestAttestation(feedId);
  log(`latest value of ${feedId}: ${attestation.value} ${attestation.unit} observed ${attestation.observedAt}, block ${attestation.height}`);

  const ofValue = verifyAttestation(attestation, pinned, feedId);
  log(ofValue.ok ? `  attestation verified: signed by ${ofValue.quorum.signers.length} of ${pinned.validators.size} pinned validators (${ofValue.quorum.required} needed)` : `  attestation NOT verified: ${ofValue.fault}: ${ofValue.message}`);

  const receipt = await client.transaction(attestation.txHash);
  const ofTransaction = verifyTransactionReceipt(receipt, pinned, attestation.txHash);
  log(ofTransaction.ok ? `  transaction ${receipt.hash.slice(0, 16)}… verified in block ${ofTransaction.height}` : `  transaction NOT verified: ${ofTransaction.fault}: ${ofTransaction.message}`);

  // A gateway that lied about the value would be caught: the same answer with another value fails.
  const forged = verifyAttestation({ ...attestation, value: attestation.value + 1 }, pinned, feedId);
  log(forged.ok ? '  a forged value was accepted: the verifier is broken' : `  a forged value is refused: ${forged.fault}`);
  return ofValue.ok && ofTransaction.ok && !forged.ok;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, feed: { type: 'string' }, validators: { type: 'string' }, 'trust-node': { type: 'boolean' } } });
  if (values.url === undefined) return withLocalNetwork();
  if (values.feed === undefined) throw new Error('--feed <feedId> is required with --url');
  // Keys from the node being verified let a lying node vouch for itself: only when asked in so many words.
  if (values.validators === undefined && values['trust-node'] !== true) throw new Error('--validators <file> is required with --url (or --trust-node to trust that node)');
  const client = new OracleClient({ url: values.url, ...(process.env.ORACLE_API_KEY === undefined ? {} : { apiKey: process.env.ORACLE_API_KEY }) });
  const pinned = validatorSet(values.validators === undefined ? await firstUse(client) : await readValidators(values.validators));
  return (await verifyFeed(client, pinned, values.feed, console.log)) ? 0 : 1;
}

/** Trust on first use, said aloud: a real dApp pins the keys from its configuration. */
async function firstUse(client: OracleClient): Promise<KnownValidator[]> {
  console.log(`pinning the validator keys ${client.url} reports now (a real dApp pins them in its configuration)`);
  return client.validators();
}

async function readValidators(path: string): Promise<KnownValidator[]> {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(path, 'utf8')) as KnownValidator[];
}

async function withLocalNetwork(): Promise<number> {
  // The network's own code is only used to start it; the verification above does not touch it.
  const { ADMIN_KEY, startTestNetwork } = await import('../../tests/support/network.ts');
  console.log('starting a local network on 127.0.0.1 (validator, slim worker, gateway, weather source)…');
  const net = await startTestNetwork();
  try {
    const admin = new OracleClient({ url: net.gateway.url, apiKey: ADMIN_KEY });
    const provider = new OracleClient({ url: net.gateway.url, apiKey: (await admin.issueKey({ role: 'provider', label: 'example provider' })).key });
    const dapp = new OracleClient({ url: net.gateway.url, apiKey: (await admin.issueKey({ role: 'dapp', label: 'example dApp' })).key });
    const pinned = validatorSet(await firstUse(dapp));
    const feed = await provider.registerFeed({
      name: 'Berlin temperature',
      category: 'weather',
      assetId: 'weather-berlin',
      source: { adapter: 'open-meteo', params: { latitude: 52.52, longitude: 13.405, baseUrl: net.source.url } },
      schedule: { intervalMs: 1_000 },
    });
    console.log(`registered feed ${feed.id}; waiting for its first attested value…`);
    await firstAttestation(dapp, feed.id);
    return (await verifyFeed(dapp, pinned, feed.id, console.log)) ? 0 : 1;
  } finally {
    await net.stop();
  }
}

/** Polls until the feed has an attested value: its first observation is fetched, scored and committed within seconds. */
async function firstAttestation(client: OracleClient, feedId: string, attempts = 150, pauseMs = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const found = await client.latestAttestation(feedId).then(() => true, () => false);
    if (found) return;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`no attested value for ${feedId} after ${(attempts * pauseMs) / 1_000} s`);
}

// Run when started as a script (npm run example:verify), not when a test imports verifyFeed.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
