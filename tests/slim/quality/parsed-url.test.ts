import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsedUrl } from '../../../slim/quality/parsed-url.ts';

function builtIn(url: string) {
  try {
    const u = new URL(url);
    return { protocol: u.protocol, host: u.host, origin: u.origin, pathname: u.pathname };
  } catch {
    return null;
  }
}

describe('parsed URL', () => {
  it('answers the parts new URL gives, or null where it throws, asked once or again', () => {
    const url = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.tuple(fc.constantFrom('https://', 'http://', 'mqtt://', 'mqtts://', 'ftp://', '', 'https:'), fc.string({ maxLength: 20 })).map(([a, b]) => a + b),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(url, (u) => {
        expect(parsedUrl(u)).toEqual(builtIn(u));
        expect(parsedUrl(u)).toEqual(builtIn(u));
      }),
      { numRuns: 300, seed: 20_260_306 },
    );
  });

  it('keeps answering right after more distinct URLs than it remembers', () => {
    for (let i = 0; i < 3_000; i++) expect(parsedUrl(`https://h${i}.example/p`)?.host).toBe(`h${i}.example`);
    expect(parsedUrl('https://h0.example/p')?.host).toBe('h0.example');
  });
});
