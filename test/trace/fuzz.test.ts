import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { readStrace, readJsonl, resolveArg } from '../../src/trace/index.js';
import { BpfError, InputError } from '../../src/errors.js';

const real = readFileSync(new URL('../../data/traces/example.strace', import.meta.url), 'utf8').split('\n').slice(0, 300);

async function drain(it: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of it) n++;
  return n;
}

describe('trace readers never crash', () => {
  it('strace: random lines and mutated real lines (non-strict) never throw', async () => {
    const line = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.tuple(fc.constantFrom(...real), fc.nat(200), fc.string({ maxLength: 4 })).map(([l, i, s]) => l.slice(0, i) + s + l.slice(i + 1)),
      fc.constantFrom('<... x resumed>', '--- SIG', '+++', '[pid 1] ', '1 2 3', 'a(', 'a() = ', '<unfinished ...>'),
    );
    await fc.assert(fc.asyncProperty(fc.array(line, { maxLength: 30 }), async (lines) => {
      const n = await drain(readStrace(lines));
      expect(n).toBeLessThanOrEqual(lines.length);
    }), { numRuns: 300 });
  });
  it('strace strict mode throws only InputError', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.string({ maxLength: 40 }), { maxLength: 10 }), async (lines) => {
      try { await drain(readStrace(lines, { strict: true })); } catch (e) { expect(e).toBeInstanceOf(InputError); }
    }), { numRuns: 200 });
  });
  it('resolveArg returns a u64 or undefined for any text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (t) => {
      const v = resolveArg(t);
      expect(v === undefined || (typeof v === 'bigint' && v >= 0n && v < 1n << 64n)).toBe(true);
    }), { numRuns: 500 });
  });
  it('JSON lines: any JSON value gives a call or an InputError', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.jsonValue(), { maxLength: 5 }), async (vals) => {
      try { await drain(readJsonl(vals.map((v) => JSON.stringify(v)))); } catch (e) { expect(e).toBeInstanceOf(BpfError); }
    }), { numRuns: 300 });
  });
});
