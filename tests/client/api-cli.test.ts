import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, OracleClient } from '../../client/api/index.ts';
import { main } from '../../client/cli/main.ts';
import { validatorSet, verifyTransactionReceipt, type ValidatorSet } from '../../client/verify/index.ts';
import { CommittedEvent, type Attestation, type Feed } from '../../schemas/index.ts';
import { ADMIN_KEY, eventually, startTestNetwork, type TestNetwork } from '../support/network.ts';
import { outsider } from './verify-fixtures.ts';
import { signedTx, testAccount } from '../consensus/ledger/fixtures.ts';
import { bytesToHex } from '@noble/hashes/utils.js';
import { CLUSTER_TOKEN_HEADER } from '../../runtime/cluster-auth.ts';

const run = promisify(execFile);
/** A child Node process starts tsx and the client: seconds on a loaded machine. */
const CHILD_TIMEOUT_MS = 120_000;

describe('client and CLI against a network on 127.0.0.1', () => {
  let net: TestNetwork;
  let provider: OracleClient;
  let dapp: OracleClient;
  const keys = { provider: '', dapp: '' };
  let feed: Feed;
  let attestation: Attestation;
  let pinned: ValidatorSet;
  const dir = mkdtempSync(join(tmpdir(), 'client-cli-'));

  /** A pinned validators file, as `validators` prints it. */
  const pinnedFile = (): string => {
    const file = join(dir, 'pinned.json');
    writeFileSync(file, JSON.stringify([...pinned.validators.values()]));
    return file;
  };

  /** Runs a command line in this process, as the bin does, and keeps what it printed. */
  async function cli(argv: string[], apiKey = keys.dapp, url = net.gateway.url): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main([...argv, '--url', url], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      env: { ORACLE_API_KEY: apiKey },
    });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    net = await startTestNetwork();
    const admin = new OracleClient({ url: net.gateway.url, apiKey: ADMIN_KEY });
    keys.provider = (await admin.issueKey({ role: 'provider', label: 'client test provider' })).key;
    keys.dapp = (await admin.issueKey({ role: 'dapp', label: 'client test dApp' })).key;
    provider = new OracleClient({ url: net.gateway.url, apiKey: keys.provider });
    dapp = new OracleClient({ url: `${net.gateway.url}/api/v11/`, apiKey: keys.dapp });
    feed = await provider.registerFeed({
      name: 'Berlin temperature',
      category: 'weather',
      assetId: 'weather-berlin',
      source: { adapter: 'open-meteo', params: { latitude: 52.52, longitude: 13.405, baseUrl: net.source.url } },
      schedule: { intervalMs: 1_000 },
    });
    attestation = await eventually(() => dapp.latestAttestation(feed.id).catch(() => undefined), 300);
    pinned = validatorSet(await dapp.validators());
  }, 180_000);

  afterAll(async () => {
    await net?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('API client', () => {
    it('lists the feed a provider registered', async () => {
      expect((await provider.listFeeds()).map((f) => f.id)).toContain(feed.id);
    });

    it("names the server's error code, message and status when a feed does not exist", async () => {
      const error = await provider.feed('no-such-feed').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ code: 'FEED_NOT_FOUND', status: 404 });
    });

    it('hears UNAUTHENTICATED from the gateway when it holds no key', async () => {
      const anonymous = new OracleClient({ url: net.gateway.url });
      await expect(anonymous.listFeeds()).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    });

    it('refuses an invalid registration before sending it, naming the field', async () => {
      const error = await provider.registerFeed({ name: 'x', category: 'weather', assetId: 'bad id!', source: { adapter: 'carbon-intensity-uk', params: {} } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_INPUT', status: 0 });
      expect((error as ApiError).message).toMatch(/assetId/);
    });

    it('reports a gateway that does not answer as UNREACHABLE', async () => {
      const nowhere = new OracleClient({ url: 'http://127.0.0.1:1', apiKey: keys.dapp });
      await expect(nowhere.status()).rejects.toMatchObject({ code: 'UNREACHABLE', status: 0 });
    });

    it("tails a channel's committed events, among them the attested one", async () => {
      let found: CommittedEvent | undefined;
      for await (const committed of dapp.tail('weather')) {
        if (committed.txHash === attestation.txHash) {
          found = committed;
          break;
        }
      }
      expect(found).toMatchObject({ height: attestation.height, event: { id: attestation.event.id } });
    });

    it('resumes a tail after a given sequence, never repeating it', async () => {
      // The feed publishes again within seconds; wait for a second committed event to resume onto.
      await eventually(async () => ((await dapp.channels()).find((c) => c.name === 'weather')?.events ?? 0) >= 2 || undefined, 300);
      const fromStart = dapp.tail('weather');
      const first = await fromStart.next();
      await fromStart.return(undefined);
      const sequence = (first.value as CommittedEvent).sequence;
      const resumed = dapp.tail('weather', { after: sequence });
      const next = await resumed.next();
      await resumed.return(undefined);
      expect((next.value as CommittedEvent).sequence).toBeGreaterThan(sequence);
    }, 90_000);

    it("ends a tail of an unknown channel with the server's error at once", async () => {
      await expect(dapp.tail('nope' as 'weather').next()).rejects.toMatchObject({ code: 'CHANNEL_NOT_FOUND', status: 404 });
    });

    it('fetches a committed transaction with a proof and signatures the verifier accepts', async () => {
      const receipt = await dapp.transaction(attestation.txHash);
      expect(verifyTransactionReceipt(receipt, pinned, attestation.txHash)).toMatchObject({ ok: true, height: attestation.height });
    });
  });

  describe('CLI', () => {
    it('verifies a transaction by hash against a pinned validators file and exits 0', async () => {
      const result = await cli(['verify', attestation.txHash, '--validators', pinnedFile()]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, txHash: attestation.txHash });
    });

    it('refuses to verify with exit 2 when neither --validators nor --trust-node is given', async () => {
      const result = await cli(['verify', attestation.txHash]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--validators <file> is required/);
      expect(result.stdout).toBe('');
    });

    it('takes the keys from the node being verified with --trust-node, and says it trusts that node', async () => {
      const result = await cli(['verify', attestation.txHash, '--trust-node']);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/--trust-node: trusting the validator keys/);
    });

    describe('against a node that answers with genuine data about something else', () => {
      let liar: Server;
      let liarUrl: string;

      beforeAll(async () => {
        // Every transaction asked for gets the attested transaction's receipt; every feed, this feed's attestation.
        liar = createServer((req, res) => {
          const path = (req.url ?? '/')
            .replace(/\/transaction\/[0-9a-fA-F]+$/, `/transaction/${attestation.txHash}`)
            .replace(/\/query\/attestations\/[^/]+\/latest$/, `/query/attestations/${encodeURIComponent(feed.id)}/latest`);
          const headers = Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host'));
          fetch(`${net.gateway.url}${path}`, { headers }).then(
            async (answer) => {
              res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
              res.end(Buffer.from(await answer.arrayBuffer()));
            },
            () => res.writeHead(502).end(),
          );
        });
        await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
        liarUrl = `http://127.0.0.1:${(liar.address() as AddressInfo).port}`;
      });

      afterAll(() => new Promise<void>((resolve) => liar.close(() => resolve())));

      it('fails `verify <txHash>` with TX_HASH_MISMATCH and exit 1', async () => {
        const result = await cli(['verify', 'ab'.repeat(32), '--validators', pinnedFile()], keys.dapp, liarUrl);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/^verification failed: TX_HASH_MISMATCH/);
      });

      it('fails `verify attestation <feedId>` with FEED_MISMATCH and exit 1', async () => {
        const result = await cli(['verify', 'attestation', 'feed-asked-for', '--validators', pinnedFile()], keys.dapp, liarUrl);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/^verification failed: FEED_MISMATCH/);
      });
    });

    it('verifies an attested value against a pinned validators file', async () => {
      const result = await cli(['verify', 'attestation', feed.id, '--validators', pinnedFile(), '--chain-id', (await dapp.status()).chainId]);
      expect(result.code).toBe(0);
      // The feed goes on attesting: the latest value may be in a later block than the first one.
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, quorum: { final: true } });
    });

    it("fails verification with exit 1 against another network's validators", async () => {
      const file = join(dir, 'others.json');
      writeFileSync(file, JSON.stringify([outsider.identity]));
      const result = await cli(['verify', attestation.txHash, '--validators', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^verification failed: QUORUM_NOT_REACHED/);
    });

    it('tails a channel as JSON lines and stops after --count', async () => {
      const result = await cli(['tail', 'weather', '--count', '1']);
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(CommittedEvent.parse(JSON.parse(lines[0]!)).event.channel).toBe('weather');
    });

    it('signs pushed readings with the device key that `devices register` printed', async () => {
      const registered = await cli(['devices', 'register', '--id', 'sensor-7', '--name', 'Sensor 7', '--asset', 'cold-store-7'], keys.provider);
      expect(registered.code).toBe(0);
      const deviceFile = join(dir, 'device.json');
      writeFileSync(deviceFile, registered.stdout);
      const pushFeed = await provider.registerFeed({
        name: 'Cold store 7',
        category: 'iot',
        assetId: 'cold-store-7',
        source: { adapter: 'push', params: { deviceId: 'sensor-7', metric: 'temperature', unit: '°C' } },
      });
      const sourceScore = async (extra: string[]) => {
        const pushed = await cli(['push', pushFeed.id, '--value', '4.5', '--observed-at', new Date().toISOString(), ...extra], keys.provider);
        expect(pushed.code).toBe(0);
        const [result] = JSON.parse(pushed.stdout) as { quality: { checks: { check: string; score: number }[] } }[];
        return result!.quality.checks.find((c) => c.check === 'source_verification')!.score;
      };
      expect(await sourceScore(['--device-key', deviceFile])).toBeGreaterThan(await sourceScore([]));
    });

    it("prints the server's code and message for an unknown feed, without a stack, and exits 1", async () => {
      const result = await cli(['feeds', 'get', 'no-such-feed'], keys.provider);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: .*no-such-feed.* \(FEED_NOT_FOUND, HTTP 404\)/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });

    it('lists what the server found wrong with a registration', async () => {
      const file = join(dir, 'bad-feed.json');
      writeFileSync(file, JSON.stringify({ name: 'Bad', category: 'weather', assetId: 'a', source: { adapter: 'open-meteo', params: { latitude: 123, longitude: 0 } } }));
      const result = await cli(['feeds', 'register', file], keys.provider);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/INVALID_INPUT/);
      expect(result.stderr).toMatch(/latitude/);
    });

    it('sends the headers given with --header, as a proxy in front of a node may ask', async () => {
      const output: string[] = [];
      const io = { stdout: (t: string) => output.push(t), stderr: (t: string) => output.push(t), env: {} };
      // A node answers its cluster only: the header is what lets this call through.
      expect(await main(['status', '--url', net.validator.url], io)).toBe(1);
      expect(await main(['status', '--url', net.validator.url, '-H', `${CLUSTER_TOKEN_HEADER}: test-cluster-secret-0123456789`], io)).toBe(0);
    });

    it('answers an unknown option with the usage and exit 2', async () => {
      const result = await cli(['feeds', 'list', '--colour']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--colour/);
      expect(result.stderr).toMatch(/usage: oracle-net feeds list/);
    });
  });

  describe('CLI: signed transfers', () => {
    const issuer = testAccount(40);
    const alice = testAccount(41);
    const keyFile = join(dir, 'alice.json');

    beforeAll(async () => {
      const chainId = (await dapp.status()).chainId;
      await dapp.submitTransaction(signedTx(issuer, 0, { type: 'register_asset', assetId: 'bond-cli', category: 'market', totalUnits: '1000', feeds: [], metadata: {} }, chainId));
      await dapp.submitTransaction(signedTx(issuer, 1, { type: 'mint', assetId: 'bond-cli', to: alice.id, units: '100' }, chainId));
      // What `keys generate --out` writes.
      writeFileSync(keyFile, JSON.stringify({ algorithm: 'ml_dsa44', accountId: alice.id, publicKey: alice.publicKey, secretKey: bytesToHex(alice.secretKey) }));
    }, 60_000);

    it("signs a transfer with a key file, finds the account's nonce, and waits for the commit", async () => {
      const generated = await cli(['keys', 'generate', '--out', join(dir, 'bob.json')]);
      expect(generated.code).toBe(0);
      const bob = JSON.parse(generated.stdout) as { accountId: string };

      const sent = await cli(['transfer', '--key', keyFile, '--asset', 'bond-cli', '--to', bob.accountId, '--units', '30', '--wait']);
      expect(sent.stderr).toBe('');
      const receipt = JSON.parse(sent.stdout) as { status: string; hash: string };
      expect(receipt.status).toBe('committed');
      expect((await dapp.account(bob.accountId)).balances).toEqual({ 'bond-cli': '30' });

      const verified = await cli(['verify', receipt.hash, '--trust-node']);
      expect(verified.code).toBe(0);
    });

    it("refuses a transfer beyond the balance with the ledger's code", async () => {
      const sent = await cli(['transfer', '--key', keyFile, '--asset', 'bond-cli', '--to', issuer.id, '--units', '1000000']);
      expect(sent.code).toBe(1);
      expect(sent.stderr).toMatch(/^error: .*\(INSUFFICIENT_BALANCE, HTTP 422\)/);
    });
  });

  describe('bin and example, as child processes', () => {
    it('`oracle-net --help` explains every command', async () => {
      const { stdout } = await run(process.execPath, ['bin/oracle-net.mjs', '--help'], { timeout: CHILD_TIMEOUT_MS });
      for (const command of ['feeds register', 'feeds list', 'push', 'tail', 'transfer', 'verify', 'keys generate']) expect(stdout).toContain(`  ${command} `);
    }, CHILD_TIMEOUT_MS);

    it('the bin prints a readable error and exits 1 for a refused call', async () => {
      const error = await run(process.execPath, ['bin/oracle-net.mjs', 'feeds', 'list', '--url', net.gateway.url], { timeout: CHILD_TIMEOUT_MS, env: { ...process.env, ORACLE_API_KEY: '' } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 1 });
      const stderr = (error as { stderr: string }).stderr;
      expect(stderr).toMatch(/UNAUTHENTICATED, HTTP 401/);
      expect(stderr).not.toMatch(/\n\s+at /);
    }, CHILD_TIMEOUT_MS);

    it('the verification example verifies the latest value of a feed on a running network', async () => {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'client/examples/verify.ts', '--url', net.gateway.url, '--feed', feed.id, '--validators', pinnedFile()], {
        timeout: CHILD_TIMEOUT_MS,
        env: { ...process.env, ORACLE_API_KEY: keys.dapp },
      });
      expect(stdout).toMatch(/attestation verified/);
      expect(stdout).toMatch(/transaction .* verified/);
      expect(stdout).toMatch(/a forged value is refused: VALUE_MISMATCH/);
    }, CHILD_TIMEOUT_MS);
  });
});
