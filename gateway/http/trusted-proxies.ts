import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Whether a peer address belongs to a configured proxy in front of the gateway. */
export type TrustedProxyCheck = (address: string | undefined) => boolean;

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
