/**
 * The register-half fast path of bpf_map_lookup_elem (arrayLookupFast,
 * src/maps/helpers.ts) against the generic BigInt helper: random maps (array,
 * per-CPU array, hash; BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG), keys in and
 * out of range, key pointers in and out of bounds or unreadable, bad map
 * pointers. Whenever the fast path answers, it must give the generic r0;
 * for a readable key and an array map it must answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMap } from '../../src/maps/create.js';
import { arrayLookupFast, mapHelpers } from '../../src/maps/helpers.js';
import { MapFlag, type MapTypeName } from '../../src/maps/spec.js';
import { createEnv } from '../../src/vm/env.js';
import { Memory, Perm } from '../../src/vm/memory.js';
import type { HelperCall } from '../../src/vm/types.js';
import { toBigU64 } from '../../src/vm/u64.js';

const generic = mapHelpers().find((h) => h.name === 'map_lookup_elem')!;

const caseArb = fc.record({
  type: fc.constantFrom<MapTypeName>('array', 'array', 'array', 'percpu_array', 'hash'),
  flags: fc.constantFrom(0, MapFlag.BPF_F_RDONLY_PROG, MapFlag.BPF_F_WRONLY_PROG),
  maxEntries: fc.integer({ min: 1, max: 16 }),
  valueSize: fc.integer({ min: 1, max: 24 }),
  // the index is maxEntries + rel when it is >= 0 (in range, at and past the end), else arbitrary
  rel: fc.integer({ min: -4, max: 2 }),
  anyIndex: fc.oneof(fc.nat({ max: 20 }), fc.nat({ max: 0xffffffff })),
  useAny: fc.boolean(),
  keyLen: fc.oneof(fc.constant(4), fc.integer({ min: 0, max: 8 })),
  keyPerm: fc.constantFrom(Perm.RW, Perm.RW, Perm.READ, Perm.WRITE, Perm.NONE),
  keyOff: fc.oneof(fc.constant(0), fc.integer({ min: -2, max: 8 })),
  mapPtr: fc.constantFrom('map', 'map', 'map', 'map+1', 'key', 'null'),
  fastFirst: fc.boolean(),
  lookups: fc.integer({ min: 1, max: 3 }),
});

describe('map_lookup_elem fast path (array maps) vs the generic helper', () => {
  it('gives the same r0 whenever it answers, and answers for every readable key of an array map', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const mem = new Memory();
      const map = createMap({ type: c.type, keySize: 4, valueSize: c.valueSize, maxEntries: c.maxEntries, flags: c.flags }, mem);
      const index = !c.useAny && c.maxEntries + c.rel >= 0 ? c.maxEntries + c.rel : c.anyIndex;
      const keyBytes = new Uint8Array(c.keyLen);
      const at = Math.max(0, c.keyOff);
      for (let i = 0; i < 4 && at + i < c.keyLen; i++) keyBytes[at + i] = (index >>> (8 * i)) & 0xff;
      const kr = mem.add(keyBytes, c.keyPerm, 'stack', 'key');
      const call: HelperCall = { mem, pc: 7, env: createEnv() };
      const mapHi = c.mapPtr === 'key' ? kr.id : c.mapPtr === 'null' ? 0 : map.region.id;
      const mapLo = c.mapPtr === 'map+1' ? 1 : 0;
      const regs = new Int32Array(22);
      regs[2] = mapLo; regs[3] = mapHi; regs[4] = c.keyOff; regs[5] = kr.id;
      const r1 = toBigU64(mapHi, mapLo), r2 = toBigU64(kr.id, c.keyOff);
      const gen = (): { r0?: bigint; err?: string } => {
        try { return { r0: generic.fn(call, r1, r2, 0n, 0n, 0n) }; } catch (e) { return { err: (e as Error).message }; }
      };
      for (let n = 0; n < c.lookups; n++) {
        let g: { r0?: bigint; err?: string } | undefined;
        if (!c.fastFirst) g = gen();
        regs[0] = 0x55; regs[1] = 0x66;
        const answered = arrayLookupFast(call, regs);
        g ??= gen();
        const readable = c.keyOff >= 0 && c.keyOff + 4 <= c.keyLen && (c.keyPerm & Perm.READ) !== 0;
        const arrayMapPtr = c.type === 'array' && (c.mapPtr === 'map');
        if (answered) {
          expect(g.err).toBeUndefined();
          expect(toBigU64(regs[1]!, regs[0]!)).toBe(g.r0);
          if (g.r0 !== 0n) {
            const vr = mem.regions[regs[1]!]!;
            expect(vr.kind).toBe('map_value');
            expect(vr.perm).toBe(c.flags === MapFlag.BPF_F_RDONLY_PROG ? Perm.READ : c.flags === MapFlag.BPF_F_WRONLY_PROG ? Perm.WRITE : Perm.RW);
            expect(vr.bytes.length).toBe(c.valueSize);
          }
          expect(index < c.maxEntries).toBe(g.r0 !== 0n);
        } else {
          expect([regs[0], regs[1]]).toEqual([0x55, 0x66]);
        }
        expect(answered).toBe(arrayMapPtr && readable);
      }
    }), { numRuns: 500 });
  });
});
