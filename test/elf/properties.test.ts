/** Properties of the libbpf-compatibility pieces: ring buffer size fix-up and global-variable round trips. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adjustRingbufSize, loadCollection, readVariable, setVariable } from '../../src/elf/index.js';
import { fixtureSpec } from './fixtures.js';

describe('adjustRingbufSize', () => {
  it('is the smallest power-of-2 page multiple >= sz (0 stays 0)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (sz) => {
      const r = adjustRingbufSize(sz);
      if (sz === 0) return r === 0;
      const pages = r / 4096;
      expect(Number.isInteger(pages) && (pages & (pages - 1)) === 0).toBe(true);
      expect(r).toBeGreaterThanOrEqual(sz);
      expect(r === 4096 || r / 2 < sz).toBe(true);
      return true;
    }), { numRuns: 300 });
  });
});

describe('setVariable / readVariable', () => {
  it('round-trip through load for every multi_prog global, other variables untouched', () => {
    const base = fixtureSpec('multi_prog');
    const vars = base.variables!.filter((v) => !v.map.startsWith('.rodata.str'));
    fc.assert(fc.property(fc.constantFrom(...vars), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v, x) => {
      const spec = fixtureSpec('multi_prog');
      const col0 = loadCollection(spec);
      const before = Object.fromEntries(vars.map((w) => [w.name, Array.from(readVariable(spec, col0.maps, w.name))]));
      col0.dispose();
      setVariable(spec, v.name, x);
      const col = loadCollection(spec);
      const want = new Uint8Array(v.size);
      let y = BigInt.asUintN(v.size * 8, x);
      for (let i = 0; i < v.size; i++, y >>= 8n) want[i] = Number(y & 0xffn);
      expect(readVariable(spec, col.maps, v.name)).toEqual(want);
      for (const w of vars) if (w.name !== v.name) expect([w.name, Array.from(readVariable(spec, col.maps, w.name))]).toEqual([w.name, before[w.name]]);
      col.dispose();
    }), { numRuns: 40 });
  });
});
