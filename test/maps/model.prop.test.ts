/**
 * Model-based properties that run everywhere (no kernel needed): hash maps
 * against a plain Map model (flags, E2BIG, iteration visits each key once),
 * LPM tries against a naive longest-prefix scan, LRU size bound, and the
 * ring buffer's space rule and consumer order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrnoError } from '../../src/errors.js';
import { createMap, MapFlag as F, RingbufMap, type BpfMap } from '../../src/maps/index.js';
import { Memory } from '../../src/vm/memory.js';

const errno = (f: () => unknown): string => {
  try { f(); return 'OK'; } catch (e) { if (e instanceof ErrnoError) return e.errno; throw e; }
};
const k4 = (n: number): Uint8Array => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, 0, 0);
const hx = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function allKeys(m: BpfMap): string[] {
  const out: string[] = [];
  let k: Uint8Array | null = null;
  for (let i = 0; i < 10_000; i++) {
    try { k = m.nextKey(k); } catch { break; }
    out.push(hx(k));
  }
  return out;
}

describe('hash map vs a Map model', () => {
  it('update flags, E2BIG, delete, iteration', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.tuple(fc.constantFrom('u', 'd'), fc.integer({ min: 0, max: 12 }), fc.constantFrom(0, 1, 2)), { maxLength: 80 }),
      (max, ops) => {
        const m = createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: max, flags: 0 }, new Memory());
        const model = new Map<number, number>();
        ops.forEach(([op, k, fl], i) => {
          if (op === 'd') {
            expect(errno(() => m.delete(k4(k)))).toBe(model.delete(k) ? 'OK' : 'ENOENT');
            return;
          }
          const has = model.has(k);
          const want = has && fl === 1 ? 'EEXIST' : !has && fl === 2 ? 'ENOENT' : !has && model.size >= max ? 'E2BIG' : 'OK';
          expect(errno(() => m.update(k4(k), k4(i), fl))).toBe(want);
          if (want === 'OK') model.set(k, i);
        });
        const keys = allKeys(m);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys.sort()).toEqual([...model.keys()].map((k) => hx(k4(k))).sort());
        for (const [k, v] of model) expect(hx(m.lookup(k4(k)))).toBe(hx(k4(v)));
      },
    ), { numRuns: 300 });
  });

  it('LRU never exceeds max_entries and keeps the most recent insert', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }), (max, keys) => {
      const m = createMap({ type: 'lru_hash', keySize: 4, valueSize: 4, maxEntries: max, flags: 0 }, new Memory());
      for (const k of keys) {
        m.update(k4(k), k4(k));
        expect(hx(m.lookup(k4(k)))).toBe(hx(k4(k)));
        expect(allKeys(m).length).toBeLessThanOrEqual(max);
      }
    }), { numRuns: 200 });
  });
});

describe('LPM trie vs a naive longest-prefix scan', () => {
  it('lookup = longest matching stored prefix; iteration = post-order', () => {
    const prefix = fc.tuple(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(fc.property(fc.uniqueArray(prefix, { maxLength: 20, selector: ([l, d]) => `${l}/${d >> (16 - l)}` }), fc.array(prefix, { maxLength: 20 }), (stored, queries) => {
      const m = createMap({ type: 'lpm_trie', keySize: 6, valueSize: 2, maxEntries: 64, flags: F.BPF_F_NO_PREALLOC }, new Memory());
      const key = (l: number, d: number): Uint8Array => Uint8Array.of(l, 0, 0, 0, d >> 8, d & 0xff);
      const match = (pl: number, pd: number, d: number): boolean => pl === 0 || (pd >> (16 - pl)) === (d >> (16 - pl));
      stored.forEach(([l, d], i) => m.update(key(l, d), Uint8Array.of(i, 0)));
      for (const [ql, qd] of queries) {
        let best = -1;
        stored.forEach(([l, d], i) => {
          if (l <= ql && match(l, d, qd) && (best < 0 || l > stored[best]![0])) best = i;
        });
        expect(errno(() => m.lookup(key(ql, qd)))).toBe(best < 0 ? 'ENOENT' : 'OK');
        if (best >= 0) expect(m.lookup(key(ql, qd))[0]).toBe(best);
      }
      // post-order: a prefix comes after every longer prefix it contains
      const order = allKeys(m).map((h) => [parseInt(h.slice(0, 2), 16), parseInt(h.slice(8, 12), 16)] as const);
      expect(order.length).toBe(stored.length);
      order.forEach(([l, d], i) => order.slice(i + 1).forEach(([l2, d2]) => {
        expect(l2 > l && match(l, d, d2)).toBe(false);
      }));
    }), { numRuns: 300 });
  });
});

describe('ring buffer', () => {
  it('never holds more than size-1 bytes; the consumer sees committed records in order', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 600 }), fc.constantFrom('submit', 'discard', 'keep', 'consume')), { maxLength: 60 }), (ops) => {
      const rb = createMap({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 }, new Memory()) as RingbufMap;
      const expected: number[] = [];
      const busy: Array<{ rec: NonNullable<ReturnType<RingbufMap['reserve']>>; tag: number }> = [];
      let tag = 0;
      for (const [size, what] of ops) {
        if (what === 'consume') {
          while (busy.length) { const b = busy.shift()!; rb.commit(b.rec, false); expected.push(b.tag); }
          expect(rb.consume().map((d) => d[0])).toEqual(expected.splice(0));
          continue;
        }
        const rec = rb.reserve(size + 1);
        expect(rb.producerPos - rb.consumerPos).toBeLessThanOrEqual(4095);
        if (rec === undefined) continue;
        rec.data[0] = ++tag & 0xff;
        if (what === 'keep') busy.push({ rec, tag: tag & 0xff });
        else {
          while (busy.length) { const b = busy.shift()!; rb.commit(b.rec, false); expected.push(b.tag); }
          rb.commit(rec, what === 'discard');
          if (what === 'submit') expected.push(tag & 0xff);
        }
      }
    }), { numRuns: 300 });
  });
});
