import { describe, expect, it } from 'vitest';
import { RuntimeFault } from '../../src/errors.js';
import { Memory, Perm } from '../../src/vm/memory.js';
import {
  createMap, MapFlag as F, mapHelpers, PerfEventArrayMap, RingbufMap, type BpfMap, type MapSpec,
} from '../../src/maps/index.js';
import type { HelperDef } from '../../src/vm/types.js';
import { call, hex, put, u32, u64 } from './support.js';

const H = new Map<string, HelperDef>(mapHelpers().map((h) => [h.name, h]));
const run = (mem: Memory, name: string, ...args: bigint[]): bigint => {
  const a = [...args, 0n, 0n, 0n, 0n, 0n];
  return H.get(name)!.fn(call(mem), a[0]!, a[1]!, a[2]!, a[3]!, a[4]!);
};
const neg = (n: number): bigint => BigInt.asUintN(64, BigInt(-n));
const mk = (mem: Memory, s: Partial<MapSpec> & Pick<MapSpec, 'type'>): BpfMap =>
  createMap({ keySize: 4, valueSize: 8, maxEntries: 4, flags: 0, ...s }, mem);

describe('map helpers', () => {
  it('have the kernel ids', () => {
    expect(Object.fromEntries(mapHelpers().map((h) => [h.name, h.id]))).toEqual({
      map_lookup_elem: 1, map_update_elem: 2, map_delete_elem: 3, perf_event_output: 25,
      ringbuf_output: 130, ringbuf_reserve: 131, ringbuf_submit: 132, ringbuf_discard: 133, ringbuf_query: 134,
      map_lookup_percpu_elem: 195,
    });
  });

  it('lookup/update/delete on a hash map return pointers and -errno', () => {
    const mem = new Memory();
    const m = mk(mem, { type: 'hash', maxEntries: 1 });
    const k1 = put(mem, u32(1)), k2 = put(mem, u32(2)), v = put(mem, u64(99n));
    expect(run(mem, 'map_lookup_elem', m.address, k1)).toBe(0n);
    expect(run(mem, 'map_update_elem', m.address, k1, v, 0n)).toBe(0n);
    expect(run(mem, 'map_update_elem', m.address, k1, v, 1n)).toBe(neg(17));
    expect(run(mem, 'map_update_elem', m.address, k2, v, 0n)).toBe(neg(7));
    expect(run(mem, 'map_update_elem', m.address, k2, v, 2n)).toBe(neg(2));
    expect(run(mem, 'map_update_elem', m.address, k1, v, 4n)).toBe(neg(22));
    const p = run(mem, 'map_lookup_elem', m.address, k1);
    const r = mem.resolve(p, 8, Perm.RW)!;
    expect(r.region.view.getBigUint64(r.offset, true)).toBe(99n);
    r.region.view.setBigUint64(r.offset, 5n, true);
    expect(hex(m.lookup(u32(1)))).toBe(hex(u64(5n)));
    expect(run(mem, 'map_delete_elem', m.address, k2)).toBe(neg(2));
    expect(run(mem, 'map_delete_elem', m.address, k1)).toBe(0n);
  });

  it('faults on bad pointers and forbidden maps', () => {
    const mem = new Memory();
    const m = mk(mem, { type: 'array', flags: F.BPF_F_RDONLY_PROG });
    const k = put(mem, [1, 0, 0]);
    expect(() => run(mem, 'map_lookup_elem', m.address, k)).toThrow(RuntimeFault);
    expect(() => run(mem, 'map_lookup_elem', 0x1234n, put(mem, u32(0)))).toThrow(/not a map pointer/);
    expect(() => run(mem, 'map_update_elem', m.address, put(mem, u32(0)), put(mem, u64(1n)), 0n)).toThrow(/write into map forbidden/);
    const pa = mk(mem, { type: 'prog_array', valueSize: 4 });
    expect(() => run(mem, 'map_lookup_elem', pa.address, put(mem, u32(0)))).toThrow(/cannot pass map_type 3/);
  });

  it('percpu lookup by cpu', () => {
    const mem = new Memory();
    const m = createMap({ type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 }, mem, { nrCpus: 2 });
    m.update(u32(0), Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]));
    const p = run(mem, 'map_lookup_percpu_elem', m.address, put(mem, u32(0)), 1n);
    expect(mem.resolve(p, 4, Perm.READ)!.region.bytes[0]).toBe(2);
    expect(run(mem, 'map_lookup_percpu_elem', m.address, put(mem, u32(0)), 2n)).toBe(0n);
  });

  it('perf_event_output captures samples', () => {
    const mem = new Memory();
    const m = mk(mem, { type: 'perf_event_array', valueSize: 4, maxEntries: 2 }) as PerfEventArrayMap;
    const d = put(mem, [1, 2, 3]);
    expect(run(mem, 'perf_event_output', 0n, m.address, 0xffffffffn, d, 3n)).toBe(0n);
    expect(run(mem, 'perf_event_output', 0n, m.address, 5n, d, 3n)).toBe(neg(7));
    expect(run(mem, 'perf_event_output', 0n, m.address, 1n << 60n, d, 3n)).toBe(neg(22));
    expect(() => run(mem, 'perf_event_output', 0n, m.address, 0n, d, 4n)).toThrow(RuntimeFault);
    expect(m.drain()).toEqual([{ index: 0, data: Uint8Array.of(1, 2, 3) }]);
  });

  it('ring buffer reserve/submit/discard/output/query', () => {
    const mem = new Memory();
    const rb = mk(mem, { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 }) as RingbufMap;
    const s = run(mem, 'ringbuf_reserve', rb.address, 16n, 0n);
    expect(s).not.toBe(0n);
    expect(run(mem, 'ringbuf_reserve', rb.address, 16n, 1n)).toBe(0n);
    expect(run(mem, 'ringbuf_reserve', rb.address, 5000n, 0n)).toBe(0n);
    const r = mem.resolve(s, 16, Perm.RW)!;
    r.region.bytes[0] = 0xab;
    expect(run(mem, 'ringbuf_query', rb.address, 0n)).toBe(24n);
    expect(run(mem, 'ringbuf_submit', s, 0n)).toBe(0n);
    expect(mem.resolve(s, 1, Perm.READ)).toBeUndefined();
    expect(() => run(mem, 'ringbuf_submit', s, 0n)).toThrow(/not a reserved ring buffer sample/);
    const t = run(mem, 'ringbuf_reserve', rb.address, 8n, 0n);
    run(mem, 'ringbuf_discard', t, 0n);
    expect(run(mem, 'ringbuf_output', rb.address, put(mem, [7, 7]), 2n, 0n)).toBe(0n);
    expect(run(mem, 'ringbuf_output', rb.address, put(mem, [7, 7]), 2n, 4n)).toBe(neg(22));
    expect(run(mem, 'ringbuf_output', rb.address, put(mem, new Array(4040).fill(1)), 4040n, 0n)).toBe(neg(11));
    expect(run(mem, 'ringbuf_query', rb.address, 1n)).toBe(4096n);
    expect(run(mem, 'ringbuf_query', rb.address, 3n)).toBe(24n + 16n + 16n);
    expect(rb.consume().map((d) => Array.from(d.subarray(0, 2)))).toEqual([[0xab, 0], [7, 7]]);
    expect(run(mem, 'ringbuf_query', rb.address, 2n)).toBe(56n);
  });
});
