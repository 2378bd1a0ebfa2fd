import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { AppError } from '../../../runtime/errors.ts';
import type { SourceDispatchPolicy } from '../../../oracles/http.ts';
import { ADDRESS_CLASS_WORDS, classifyHost, firstBlocked, type BlockedClass } from './classify.ts';

export { ADDRESS_CLASS_WORDS, classifyAddress, classifyHost, firstBlocked, type AddressClass, type BlockedClass, type HostClass } from './classify.ts';

/** Every address a host name resolves to, as `dns.lookup(name, { all: true })` answers. */
export type ResolveHost = (hostname: string) => Promise<readonly LookupAddress[]>;

export const systemResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** How long registration waits for DNS before accepting the name and leaving the check to each connection. */
const REGISTRATION_LOOKUP_MS_MAX = 2_000;

/** Why a destination is refused, for a 400 at registration or a failed fetch. */
export interface DestinationRefusal {
  host: string;
  address: string | null;
  class: BlockedClass;
  /** "api.example.com resolves to 10.0.0.5, a private address" */
  reason: string;
}

export type DestinationVerdict = { allowed: true } | ({ allowed: false } & DestinationRefusal);

/**
 * The SSRF guard of pull sources. A provider's base URL may point anywhere public; a host that
 * is, or resolves to, a loopback, private, link-local, unique-local, unspecified, multicast,
 * reserved or cloud-metadata address is refused, unless the operator lists its origin in
 * SOURCE_ORIGINS_ALLOWED. Names are checked where the connection is made: the dedicated agent
 * connects with a lookup that checks every resolved address and hands exactly those to the
 * socket, so a DNS answer that changes between a check and the connection cannot slip through.
 * Redirects are never followed (undici's `request` does not), so there is no second hop to check.
 */
export class SourceDestinations implements SourceDispatchPolicy {
  private readonly originsAllowed: ReadonlySet<string>;
  private readonly resolve: ResolveHost;
  private readonly agent: Agent;

  constructor(options: { originsAllowed: readonly string[]; resolve?: ResolveHost }) {
    this.originsAllowed = new Set(options.originsAllowed.map((o) => new URL(o).origin));
    this.resolve = options.resolve ?? systemResolve;
    this.agent = new Agent({ connect: { lookup: this.lookup } });
  }

  /** Whether the operator lets this URL's origin reach non-public addresses. */
  isOriginAllowed(url: URL): boolean {
    return this.originsAllowed.has(url.origin);
  }

  /**
   * The registration check: the host as written, then every address it resolves to now. A name
   * that does not resolve now is accepted; every connection to it is checked again anyway.
   */
  async verdict(url: URL): Promise<DestinationVerdict> {
    if (this.isOriginAllowed(url)) return { allowed: true };
    const host = classifyHost(url.hostname);
    const early = refusalBeforeLookup(host);
    if (early !== null) return { allowed: false, ...early };
    if (host.kind === 'ip') return { allowed: true };
    let addresses: readonly LookupAddress[];
    try {
      addresses = await withDeadline(this.resolve(host.name), REGISTRATION_LOOKUP_MS_MAX);
    } catch {
      return { allowed: true };
    }
    const refusal = refusalOfAddresses(host.name, addresses);
    return refusal === null ? { allowed: true } : { allowed: false, ...refusal };
  }

  /**
   * The dispatcher a source request to `url` goes through: the default one for an origin the
   * operator allows, the guarded agent otherwise. A literal address or metadata name that is
   * refused fails here, before any connection.
   */
  dispatcherFor(url: URL): Dispatcher | undefined {
    if (this.isOriginAllowed(url)) return undefined;
    const early = refusalBeforeLookup(classifyHost(url.hostname));
    if (early !== null) throw refusalError(early);
    return this.agent;
  }

  /** The agent's lookup (net.connect's contract): resolve, refuse unless every address is public, connect to those. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const host = classifyHost(hostname);
    const early = refusalBeforeLookup(host);
    if (early !== null) {
      callback(refusalError(early), '', 4);
      return;
    }
    this.resolve(hostname).then(
      (all) => {
        const refusal = refusalOfAddresses(hostname, all);
        if (refusal !== null) return callback(refusalError(refusal), '', 4);
        // Every address was checked; the socket gets only those of the family it asked for.
        const usable = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        const first = usable[0];
        if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address of family ${String(options.family)}`), { code: 'ENOTFOUND' }), '', 4);
        if (options.all === true) return callback(null, [...usable]);
        return callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };

  private closing: Promise<void> | null = null;

  /** Closes the agent's connections; a second call (a worker stopped twice) waits for the first. */
  close(): Promise<void> {
    this.closing ??= this.agent.close();
    return this.closing;
  }
}

function refusalBeforeLookup(host: ReturnType<typeof classifyHost>): DestinationRefusal | null {
  if (host.kind === 'name') {
    return host.metadata ? { host: host.name, address: null, class: 'metadata', reason: `${host.name} is a cloud metadata host` } : null;
  }
  if (host.class === 'public') return null;
  return { host: host.address, address: host.address, class: host.class, reason: `${host.address} is ${ADDRESS_CLASS_WORDS[host.class]}` };
}

function refusalOfAddresses(hostname: string, addresses: readonly LookupAddress[]): DestinationRefusal | null {
  const blocked = firstBlocked(addresses.map((a) => a.address));
  if (blocked === null) return null;
  return { host: hostname, address: blocked.address, class: blocked.class, reason: `${hostname} resolves to ${blocked.address}, ${ADDRESS_CLASS_WORDS[blocked.class]}` };
}

/**
 * Whether a failure is our refusal of the destination (directly, or as the cause of the failed
 * request it ended): the operator's policy, not the source's health, so no breaker counts it.
 */
export function isDestinationRefusal(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth += 1) {
    if (e instanceof AppError && isRecord(e.details) && 'destination' in e.details) return true;
  }
  return false;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * A refused destination as a failed fetch. Not a network error, so never retried: the same
 * address would be refused again. `details.destination` says which address and class.
 */
function refusalError(refusal: DestinationRefusal): AppError {
  return new AppError('SOURCE_FAILED', `source destination refused: ${refusal.reason} (an operator may allow its origin with SOURCE_ORIGINS_ALLOWED)`, {
    details: { destination: { host: refusal.host, address: refusal.address, class: refusal.class } },
  });
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
