import { describe, expect, it } from 'vitest';
import { originatingAddress, trustedProxyCheck } from '../../../gateway/http/trusted-proxies.ts';
import { loadConfig } from '../../../runtime/config.ts';

const base = { ROLE: 'gateway', CLUSTER_SECRET: 'test-cluster-secret-0123456789' };

describe('trusted proxies', () => {
  it('trusts nobody when none are configured', () => {
    const trusted = trustedProxyCheck([]);
    expect(trusted('127.0.0.1')).toBe(false);
    expect(trusted(undefined)).toBe(false);
  });

  it('trusts addresses inside a configured IPv4 CIDR and no others', () => {
    const trusted = trustedProxyCheck(['10.0.0.0/8']);
    expect(trusted('10.200.3.4')).toBe(true);
    expect(trusted('11.0.0.1')).toBe(false);
  });

  it('trusts an IPv4 proxy seen on a dual-stack socket as an IPv4-mapped address', () => {
    expect(trustedProxyCheck(['192.0.2.10'])('::ffff:192.0.2.10')).toBe(true);
  });

  it('trusts addresses inside a configured IPv6 CIDR', () => {
    const trusted = trustedProxyCheck(['fd00::/8']);
    expect(trusted('fd12:3456::1')).toBe(true);
    expect(trusted('2001:db8::1')).toBe(false);
  });

  it('stops the start on a GATEWAY_TRUSTED_PROXIES entry that is not an address or CIDR', () => {
    expect(() => loadConfig({ ...base, GATEWAY_TRUSTED_PROXIES: '10.0.0.0/8, proxy.internal' })).toThrow(/GATEWAY_TRUSTED_PROXIES/);
  });

  it('reads GATEWAY_TRUSTED_PROXIES as a list, empty by default', () => {
    expect(loadConfig(base).GATEWAY_TRUSTED_PROXIES).toEqual([]);
    expect(loadConfig({ ...base, GATEWAY_TRUSTED_PROXIES: '10.0.0.0/8, ::1' }).GATEWAY_TRUSTED_PROXIES).toEqual(['10.0.0.0/8', '::1']);
  });
});

describe('originating address', () => {
  const trusted = trustedProxyCheck(['10.0.0.0/8']);

  it("is the peer when the peer is not a trusted proxy, whatever X-Forwarded-For claims", () => {
    expect(originatingAddress('198.51.100.7', '203.0.113.9', trusted)).toBe('198.51.100.7');
  });

  it('is the nearest hop that is not a trusted proxy, read from the right', () => {
    expect(originatingAddress('10.0.0.1', '1.2.3.4, 203.0.113.9, 10.0.0.2', trusted)).toBe('203.0.113.9');
  });

  it('is the farthest trusted hop when every hop is a trusted proxy', () => {
    expect(originatingAddress('10.0.0.1', '10.0.0.3, 10.0.0.2', trusted)).toBe('10.0.0.3');
  });

  it('is the trusted peer itself when it sent no chain', () => {
    expect(originatingAddress('10.0.0.1', undefined, trusted)).toBe('10.0.0.1');
    expect(originatingAddress('10.0.0.1', ' , ', trusted)).toBe('10.0.0.1');
  });
});
