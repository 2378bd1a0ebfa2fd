import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Whether a peer address belongs to a configured proxy in front of the gateway. */
export type TrustedProxyCheck = (address: string | undefined) => boolean;

/** Hops of an X-Forwarded-For chain looked at, from the right: a client can make the chain as long as it likes. */
const FORWARDED_HOPS_MAX = 32;

/**
 * The address a request came from, for per-client limits. From an untrusted peer, the peer itself
 * (whatever it claims). From a trusted proxy, the nearest X-Forwarded-For hop that is not a trusted
 * proxy, read right to left: hops further left were written by the client and could be anything.
 */
export function originatingAddress(peer: string | undefined, forwardedFor: string | undefined, isTrusted: TrustedProxyCheck): string | undefined {
  if (!isTrusted(peer) || forwardedFor === undefined) return peer;
  const hops = forwardedFor.split(',');
  let nearest = peer;
  for (let i = hops.length - 1, seen = 0; i >= 0 && seen < FORWARDED_HOPS_MAX; i--, seen++) {
    const hop = hops[i]!.trim();
    if (hop === '') continue;
    if (!isTrusted(hop)) return hop;
    nearest = hop;
  }
  return nearest;
}

/** An IPv4 peer seen on a dual-stack socket, e.g. `::ffff:10.0.0.1`. */
const IPV4_MAPPED_PREFIX = '::ffff:';

/**
 * The check for GATEWAY_TRUSTED_PROXIES (addresses or CIDRs, validated by the config schema).
 * Node's BlockList does the matching; this is the one Node-specific piece of forwarding, kept at
 * the edge so the header logic itself stays pure. No entries: nobody is trusted.
 */
export function trustedProxyCheck(entries: readonly string[]): TrustedProxyCheck {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (peer) => {
    if (peer === undefined) return false;
    const mapped = peer.toLowerCase().startsWith(IPV4_MAPPED_PREFIX) ? peer.slice(IPV4_MAPPED_PREFIX.length) : peer;
    if (isIPv4(mapped)) return list.check(mapped, 'ipv4');
    return isIPv6(peer) && list.check(peer, 'ipv6');
  };
}
