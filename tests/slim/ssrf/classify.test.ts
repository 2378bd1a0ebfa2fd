import { describe, expect, it } from 'vitest';
import { classifyAddress, classifyHost, firstBlocked, type AddressClass } from '../../../slim/outbound/destination/classify.ts';

/** The class of a URL's host, as a provider would write the base URL. */
const classOfUrl = (url: string): AddressClass | 'name' => {
  const host = classifyHost(new URL(url).hostname);
  if (host.kind === 'ip') return host.class;
  return host.metadata ? 'metadata' : 'name';
};

describe('classifying a source base URL host', () => {
  it.each([
    // Loopback in every spelling the issue lists.
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://0x7f.0.0.1/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://127.255.255.254/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://[0:0:0:0:0:ffff:7f00:1]/', 'loopback'],
    ['http://[64:ff9b::127.0.0.1]/', 'loopback'],
    // Private, carrier-grade NAT included.
    ['http://10.0.0.5/', 'private'],
    ['http://012.0.0.5/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://172.31.255.255/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://100.64.0.1/', 'private'],
    ['http://100.127.255.255/', 'private'],
    ['http://[::ffff:10.0.0.5]/', 'private'],
    ['http://[::ffff:c0a8:101]/', 'private'],
    // Link-local and unique-local.
    ['http://169.254.1.1/', 'link_local'],
    ['http://[fe80::1]/', 'link_local'],
    ['http://[fc00::1]/', 'unique_local'],
    ['http://[fd12:3456::1]/', 'unique_local'],
    // Unspecified.
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    // Multicast and reserved.
    ['http://224.0.0.1/', 'multicast'],
    ['http://239.255.255.250/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://240.0.0.1/', 'reserved'],
    ['http://255.255.255.255/', 'reserved'],
    ['http://192.0.2.1/', 'reserved'],
    ['http://0.1.2.3/', 'reserved'],
    ['http://[2001:db8::1]/', 'reserved'],
    ['http://[::7f00:1]/', 'reserved'],
    // Cloud metadata, by address and by name.
    ['http://169.254.169.254/', 'metadata'],
    ['http://[::ffff:169.254.169.254]/', 'metadata'],
    ['http://0xa9fea9fe/', 'metadata'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    ['http://100.100.100.200/', 'metadata'],
    ['http://metadata.google.internal/', 'metadata'],
    ['http://METADATA.google.internal./', 'metadata'],
    // Public addresses, including neighbours of the blocked ranges.
    ['http://8.8.8.8/', 'public'],
    ['http://172.32.0.1/', 'public'],
    ['http://172.15.255.255/', 'public'],
    ['http://100.128.0.1/', 'public'],
    ['http://11.0.0.1/', 'public'],
    ['http://[2606:4700:4700::1111]/', 'public'],
    ['http://[::ffff:8.8.8.8]/', 'public'],
    ['http://[64:ff9b::8.8.8.8]/', 'public'],
    // A name is left to the lookup.
    ['http://api.open-meteo.com/', 'name'],
  ] as const)('%s is %s', (url, expected) => {
    expect(classOfUrl(url)).toBe(expected);
  });
});

describe('classifying a host given outside a URL', () => {
  it.each(['2130706433', '0177.0.0.1', '0x7f.0.0.1', '127.1', '::ffff:127.0.0.1', '[::1]'])('%s is still loopback', (host) => {
    expect(classifyHost(host)).toMatchObject({ kind: 'ip', class: 'loopback' });
  });

  it('reads an IPv6 zone as its address', () => {
    expect(classifyAddress('fe80::1%eth0')).toBe('link_local');
  });

  it('fails closed on something that is not an address', () => {
    expect(classifyAddress('localhost')).toBe('reserved');
  });
});

describe('judging every address a name resolves to', () => {
  it('finds the one non-public address among public ones', () => {
    expect(firstBlocked(['93.184.216.34', '2606:2800:220:1::1', '10.0.0.5'])).toEqual({ address: '10.0.0.5', class: 'private' });
  });

  it('passes a name whose addresses are all public', () => {
    expect(firstBlocked(['93.184.216.34', '2606:2800:220:1::1'])).toBeNull();
  });
});
