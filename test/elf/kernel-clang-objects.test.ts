/**
 * Kernel-differential runs of the libbpf-style fixtures (multi_prog, strings, no_btf_legacy): the linked,
 * map-patched program bytes bpfsim runs are loaded by Linux through koracle `ebpf-run` with the collection's
 * maps, and r0 and the map contents must agree. xdp and sched_cls/sched_act programs see the whole frame;
 * a socket filter's skb starts after the 14-byte Ethernet header, so bpfsim's packet is data[14:].
 */
import { describe, expect, it } from 'vitest';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { loadCollection, mapIndexOf, programBytes, setVariable, type CollectionSpec } from '../../src/elf/index.js';
import type { MapSpec } from '../../src/maps/index.js';
import { FIXTURE_CPUS, fixtureSpec } from './fixtures.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const pkt = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 1) & 0xff);

function koracleMap(m: MapSpec): Record<string, unknown> {
  const o: Record<string, unknown> = { type: m.type, key: m.keySize, value: m.valueSize, entries: m.maxEntries };
  if (m.flags) o.flags = '0x' + m.flags.toString(16);
  if (m.contents?.length) o.set = m.contents.map((c) => `${c.key}:${c.value.padEnd(m.valueSize * 2, '0')}`);
  if (m.frozen) o.freeze = true;
  return o;
}
function kcase(spec: CollectionSpec, prog: string, data: Uint8Array, repeat = 1): Record<string, unknown> {
  const ps = spec.programs.find((p) => p.name === prog)!;
  return { prog: hex(programBytes(ps, mapIndexOf(spec))), type: ps.type, maps: spec.maps.map(koracleMap), dump_maps: true, data: hex(data), repeat };
}
function dumps(col: ReturnType<typeof loadCollection>): string[][] {
  return col.mapList.map((m) => (m.type === 'ringbuf' ? [] : m.entries().map(([k, v]) => `${hex(k)}:${hex(v)}`).sort()));
}
const kdumps = (r: Record<string, any>, n: number): string[][] =>
  Array.from({ length: n }, (_, i) => (r[`map${i}`] ? String(r[`map${i}`]).split(',').sort() : []));

describe.skipIf(!koracleAvailable()).each(FIXTURE_CPUS)('libbpf-style fixtures in the kernel (koracle), -mcpu=%s', (cpu) => {
  it('multi_prog: every program, several frame sizes, default and user-set const volatile config', () => {
    for (const mult of [undefined, 7]) {
      const spec = fixtureSpec('multi_prog', cpu);
      if (mult !== undefined) { setVariable(spec, 'cfg_mult', mult); setVariable(spec, 'cfg_seed', 0x99n); }
      const cases: Array<[string, Uint8Array, number]> = [];
      for (const p of spec.programs) for (const n of [14, 15, 17, 60]) cases.push([p.name, pkt(n), n === 60 ? 3 : 1]);
      const k = koracleBatch('ebpf-run', cases.map(([p, d, rep]) => kcase(spec, p, d, rep)));
      cases.forEach(([p, d, rep], i) => {
        const col = loadCollection(spec);
        let r0 = 0n;
        for (let j = 0; j < rep; j++) r0 = col.program(p).run({ packet: d.slice() }).r0;
        expect(k[i]!.status, `${p}: ${String(k[i]!.log ?? '').split('\n').slice(-3).join(' | ')}`).toBe('accepted');
        expect([p, d.length, r0]).toEqual([p, d.length, BigInt(k[i]!.retval)]);
        expect(dumps(col)).toEqual(kdumps(k[i]!, spec.maps.length));
        col.dispose();
      });
    }
  });

  it('strings, no_btf_legacy and atomics (socket filters, two runs each)', () => {
    for (const [name, prog] of [['strings', 'strs'], ['no_btf_legacy', 'count'], ['atomics', 'atom']] as const) {
      const spec = fixtureSpec(name, cpu);
      const frames = [14 + 0, 14 + 5, 14 + 11, 14 + 30].map(pkt);
      // (atomics: r0 mixes the old values fetched by add/or/and/xor/xchg/cmpxchg; .bss is compared after both runs)
      const k = koracleBatch('ebpf-run', frames.map((f) => kcase(spec, prog, f, 2)));
      frames.forEach((f, i) => {
        const col = loadCollection(spec);
        let r0 = 0n;
        for (let j = 0; j < 2; j++) r0 = col.program(prog).run({ packet: f.slice(14) }).r0;
        expect(k[i]!.status, `${name}: ${String(k[i]!.log ?? '').split('\n').slice(-3).join(' | ')}`).toBe('accepted');
        expect([name, f.length, r0]).toEqual([name, f.length, BigInt(k[i]!.retval)]);
        expect(dumps(col)).toEqual(kdumps(k[i]!, spec.maps.length));
        col.dispose();
      });
    }
  });
});
