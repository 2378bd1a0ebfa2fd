import { BlockList, isIP } from 'node:net';

/**
 * Which kind of address a source destination is, for the SSRF guard: only `public` may be
 * fetched unless the operator allows the origin (SOURCE_ORIGINS_ALLOWED). Pure: no lookups here.
 */
export type AddressClass = 'public' | 'metadata' | 'unspecified' | 'loopback' | 'private' | 'link_local' | 'unique_local' | 'multicast' | 'reserved';
export type BlockedClass = Exclude<AddressClass, 'public'>;

/** How a reason names each class ("resolves to 10.0.0.5, a private address"). */
export const ADDRESS_CLASS_WORDS: Readonly<Record<BlockedClass, string>> = {
  metadata: 'a cloud metadata address',
  unspecified: 'the unspecified address',
  loopback: 'a loopback address',
  private: 'a private address',
  link_local: 'a link-local address',
  unique_local: 'a unique-local address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

type Rule = readonly [address: string, prefix: number];

/** IPv4 ranges by class; checked in this order, so the narrower class (metadata) wins. */
const IPV4_RULES: ReadonlyArray<readonly [BlockedClass, readonly Rule[]]> = [
  // AWS, GCP, Azure and OCI answer on 169.254.169.254; Alibaba on 100.100.100.200; Oracle Classic on 192.0.0.192.
  ['metadata', [['169.254.169.254', 32], ['100.100.100.200', 32], ['192.0.0.192', 32]]],
  ['unspecified', [['0.0.0.0', 32]]],
  ['loopback', [['127.0.0.0', 8]]],
  // RFC 1918 and the carrier-grade NAT range (RFC 6598), which is just as internal.
  ['private', [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10]]],
  ['link_local', [['169.254.0.0', 16]]],
  ['multicast', [['224.0.0.0', 4]]],
  // "This network", IETF assignments, documentation, 6to4 relays, benchmarking, class E and broadcast.
  ['reserved', [['0.0.0.0', 8], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['240.0.0.0', 4]]],
];

const IPV6_RULES: ReadonlyArray<readonly [BlockedClass, readonly Rule[]]> = [
  ['metadata', [['fd00:ec2::254', 128]]],
  ['unspecified', [['::', 128]]],
  ['loopback', [['::1', 128]]],
  ['link_local', [['fe80::', 10]]],
  ['unique_local', [['fc00::', 7]]],
  ['multicast', [['ff00::', 8]]],
  // IETF protocol assignments (Teredo among them), documentation, deprecated 6to4 and site-local.
  ['reserved', [['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['fec0::', 10]]],
];

/** NAT64 (RFC 6052) reaches the IPv4 address in its last 32 bits: each IPv4 rule is mirrored there. */
const NAT64_PREFIX = '64:ff9b::';
const NAT64_PREFIX_BITS = 96;

/** IPv6 space holding an IPv4 address that the IPv4 rules have judged: IPv4-mapped and NAT64. */
const EMBEDDED_IPV4 = new BlockList();
EMBEDDED_IPV4.addSubnet('::ffff:0:0', 96, 'ipv6');
EMBEDDED_IPV4.addSubnet(NAT64_PREFIX, NAT64_PREFIX_BITS, 'ipv6');

/** Global unicast (2000::/3): every other IPv6 address is not a public destination. */
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');

function listsOf(): ReadonlyArray<readonly [BlockedClass, BlockList]> {
  const byClass = new Map<BlockedClass, BlockList>();
  const listOf = (c: BlockedClass): BlockList => {
    const existing = byClass.get(c);
    if (existing !== undefined) return existing;
    const created = new BlockList();
    byClass.set(c, created);
    return created;
  };
  // An IPv4 rule also matches IPv4-mapped IPv6 (BlockList does that itself) and, mirrored, NAT64.
  for (const [c, rules] of IPV4_RULES) {
    for (const [address, prefix] of rules) {
      listOf(c).addSubnet(address, prefix, 'ipv4');
      listOf(c).addSubnet(`${NAT64_PREFIX}${address}`, NAT64_PREFIX_BITS + prefix, 'ipv6');
    }
  }
  for (const [c, rules] of IPV6_RULES) for (const [address, prefix] of rules) listOf(c).addSubnet(address, prefix, 'ipv6');
  // Map iteration keeps insertion order: metadata first, reserved last.
  return [...byClass.entries()];
}

const CLASS_LISTS = listsOf();

/**
 * The class of an IP address given as text (IPv4 dotted quad, or IPv6 with or without brackets
 * and zone). Anything that is not an IP literal is `reserved`: a caller that classifies a host
 * name by mistake fails closed.
 */
export function classifyAddress(text: string): AddressClass {
  const address = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 0) return 'reserved';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [c, list] of CLASS_LISTS) if (list.check(address, type)) return c;
  if (family === 6 && !EMBEDDED_IPV4.check(address, 'ipv6') && !GLOBAL_UNICAST.check(address, 'ipv6')) return 'reserved';
  return 'public';
}

/** Host names that reach a cloud's instance metadata service whatever the resolver says. */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);

/** What a URL's host is before any lookup: an IP literal of some class, or a name to resolve (or a metadata name). */
export type HostClass = { kind: 'ip'; address: string; class: AddressClass } | { kind: 'name'; name: string; metadata: boolean };

/**
 * Classifies a URL hostname. The WHATWG URL parser has already turned the odd IPv4 spellings
 * (2130706433, 0177.0.0.1, 0x7f.0.0.1, 127.1) into dotted quads; a hostname given any other
 * way is normalized the same way first, so no spelling escapes the address rules.
 */
export function classifyHost(hostname: string): HostClass {
  const normalized = normalizeHostname(hostname);
  const bare = normalized.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) !== 0) return { kind: 'ip', address: bare, class: classifyAddress(bare) };
  // A trailing dot names the same host (an absolute DNS name).
  const name = normalized.replace(/\.$/, '');
  return { kind: 'name', name, metadata: METADATA_NAMES.has(name) };
}

function normalizeHostname(hostname: string): string {
  try {
    return new URL(`http://${hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname}/`).hostname;
  } catch {
    return hostname.toLowerCase();
  }
}

/** The first address of a lookup's answer that is not public, with its class; null when all are public. */
export function firstBlocked(addresses: readonly string[]): { address: string; class: BlockedClass } | null {
  for (const address of addresses) {
    const c = classifyAddress(address);
    if (c !== 'public') return { address, class: c };
  }
  return null;
}
