import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keepStringMethodsFast, stringPrototypeLookup } from '../../../slim/quality/string-prototype.ts';

const MODULE = fileURLToPath(new URL('../../../slim/quality/string-prototype.ts', import.meta.url));

/**
 * Whether String.prototype has fast properties after `script` runs, asked of V8 itself in a child
 * process (its natives syntax is off in this one), with the module loaded first as a worker loads it.
 */
function fastAfter(script: string): boolean {
  const program = `
    const { keepStringMethodsFast } = await import(${JSON.stringify(MODULE)});
    const fast = new Function('o', 'return %HasFastProperties(o)');
    ${script}
    console.log(fast(String.prototype));`;
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '--eval', program], { encoding: 'utf8', timeout: 30_000 });
  return out.trim().split('\n').at(-1) === 'true';
}

describe('string prototype', () => {
  it('is slow in a process where a class extends String, as ioredis declares one', () => {
    expect(fastAfter('class Verbatim extends String {}')).toBe(false);
  });

  it('is fast again after a handful of evaluations have looked through it, and stays fast', () => {
    const evaluations = 'for (let i = 0; i < 20; i++) keepStringMethodsFast();';
    expect(fastAfter(`class Verbatim extends String {}; ${evaluations}`)).toBe(true);
    expect(fastAfter(`class Verbatim extends String {}; ${evaluations}; class Again extends String {}`)).toBe(true);
  });

  it('changes nothing code can see: the lookup finds no property', () => {
    keepStringMethodsFast();
    expect(stringPrototypeLookup()).toBeUndefined();
  });
});
