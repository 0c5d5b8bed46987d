/** Every fixture object loads and its programs run with the expected results. */
import { describe, expect, it } from 'vitest';
import { loadCollection } from '../../src/elf/index.js';
import { RingbufMap } from '../../src/maps/index.js';
import { FIXTURE_CPUS, FIXTURE_NAMES, fixtureSpec, frame, ipv4, seccompData } from './fixtures.js';

const u64le = (b: Uint8Array, off = 0): bigint => new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);
const u32le = (b: Uint8Array, off = 0): number => new DataView(b.buffer, b.byteOffset).getUint32(off, true);
const key = (i: number): Uint8Array => Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 0, 0);

describe.each(FIXTURE_CPUS)('-mcpu=%s objects', (cpu) => {
  const specOf = (name: string) => fixtureSpec(name, cpu);

  describe('fixtures load', () => {
    it.each(FIXTURE_NAMES)('%s', (name) => {
      const spec = fixtureSpec(name, cpu);
      expect(spec.programs.length).toBeGreaterThan(0);
      expect(spec.license).toMatch(/GPL/);
      const col = loadCollection(spec);
      expect(col.programs.size).toBe(spec.programs.length);
      col.dispose();
    });
  });

  describe('fixtures run', () => {
    it('xdp_count: classifies frames and counts them', () => {
      const col = loadCollection(specOf('xdp_count'));
      const p = col.program('xdp');
      expect(p.run({ packet: frame(0x0800, ipv4(6)) }).r0).toBe(2n);
      expect(p.run({ packet: frame(0x0800, ipv4(17)) }).r0).toBe(2n);
      expect(p.run({ packet: frame(0x86dd, [0, 0, 0, 0]) }).r0).toBe(1n);
      expect(p.run({ packet: frame(0x0806) }).r0).toBe(2n);
      expect(p.run({ packet: Uint8Array.of(1, 2, 3) }).r0).toBe(0n);
      const c = col.map('counters');
      expect([0, 1, 2].map((i) => u64le(c.lookup(key(i))))).toEqual([2n, 1n, 1n]);
    });

    it('socket_proto: keeps TCP/UDP, counts protocols in a hash map', () => {
      const col = loadCollection(specOf('socket_proto'));
      const p = col.program('socket_proto');
      const tcp = Uint8Array.from(ipv4(6, 12));
      expect(p.run({ packet: tcp }).r0).toBe(BigInt(tcp.length));
      expect(p.run({ packet: Uint8Array.from(ipv4(17)) }).r0).toBe(28n);
      expect(p.run({ packet: Uint8Array.from(ipv4(1)) }).r0).toBe(0n);
      expect(p.run({ packet: Uint8Array.from(ipv4(6)) }).r0).toBe(28n);
      expect(p.run({ packet: Uint8Array.of(0x60, ...new Array(39).fill(0)) }).r0).toBe(0n);
      const m = col.map('protos');
      expect(m.entries().map(([k, v]) => [u32le(k), u64le(v)]).sort()).toEqual([[1, 1n], [17, 1n], [6, 2n]].sort());
    });

    it('global_data: .data/.bss/.rodata as array maps; .rodata sealed', () => {
      const col = loadCollection(specOf('global_data'));
      const p = col.program('global_data');
      const r = [1, 2, 3, 4].map(() => p.run({ packet: frame(0x0800, ipv4(6)) }).r0);
      expect(r).toEqual([2n, 2n, 2n, 1n]);
      const bss = col.map('.bss').lookup(key(0));
      expect(u32le(bss, 0)).toBe(4); // runs
      expect(u64le(bss, 8)).toBe(20n); // total = 4 * step
      expect(u32le(bss, 16)).toBe(42); // last_len
      const ro = col.map('.rodata');
      expect(ro.sealed).toBe(true);
      expect(() => ro.update(key(0), new Uint8Array(12))).toThrow(/EPERM/);
      col.map('.data').update(key(0), Uint8Array.of(100, 0, 0, 0));
      p.run({ packet: frame(0x0800) });
      expect(u64le(col.map('.bss').lookup(key(0)), 8)).toBe(120n);
    });

    it('subprog: bpf-to-bpf calls into .text', () => {
      const spec = specOf('subprog');
      expect(spec.programs[0]!.subprograms).toEqual(['sum4', 'weigh']);
      const p = loadCollection(spec).program('subprog');
      expect(p.run({ packet: Uint8Array.of(1, 2, 3, 4, 5) }).r0).toBe(2n + 7n + 16n + 29n);
      expect(p.run({ packet: Uint8Array.of(1, 2, 3) }).r0).toBe(0n);
    });

    it('tail_call: the statically initialised prog array', () => {
      const col = loadCollection(specOf('tail_call'));
      const p = col.program('entry');
      expect(p.run({ packet: Uint8Array.of(0, 9) }).r0).toBe(2n);
      expect(p.run({ packet: Uint8Array.of(1, 9) }).r0).toBe(1n);
      expect(p.run({ packet: Uint8Array.of(2, 9) }).r0).toBe(42n);
      expect(p.run({ packet: Uint8Array.of(200) }).r0).toBe(42n);
      expect(p.run({ packet: new Uint8Array(0) }).r0).toBe(0n);
      const jt = col.map('jmp_table');
      jt.delete(key(0));
      expect(p.run({ packet: Uint8Array.of(0) }).r0).toBe(42n);
      jt.update(key(2), Uint8Array.of(2, 0, 0, 0)); // program id 2 = drop_prog
      expect(p.run({ packet: Uint8Array.of(2) }).r0).toBe(1n);
    });

    it('ringbuf: reserve/submit/discard/output records reach the consumer', () => {
      const col = loadCollection(specOf('ringbuf'));
      const p = col.program('ringbuf');
      expect(p.run({ packet: Uint8Array.of(7, 8, 9, 10, 11) }).r0).toBe(2n);
      expect(p.run({ packet: Uint8Array.of(0xff, 1, 2, 3) }).r0).toBe(2n);
      expect(p.run({ packet: Uint8Array.of(1, 2) }).r0).toBe(0n);
      const rb = col.map('events') as RingbufMap;
      const recs = rb.consume().map((r) => Array.from(r));
      expect(recs).toEqual([[5, 0, 0, 0, 7, 0, 0, 0], [7, 8, 9, 10], [0xff, 1, 2, 3]]);
      // fill the 4 KiB ring: each run takes 16 + 16 bytes
      const rs: bigint[] = [];
      for (let i = 0; i < 130; i++) rs.push(p.run({ packet: Uint8Array.of(1, 2, 3, 4) }).r0);
      expect(rs.slice(0, 127).every((r) => r === 2n)).toBe(true);
      expect(rs[129]).toBe(1n);
    });

    it('seccomp_policy: syscall number looked up in a BPF_F_RDONLY_PROG array', () => {
      const col = loadCollection(specOf('seccomp_policy'));
      const p = col.program('seccomp');
      expect(p.run({ ctx: seccompData(59) }).r0).toBe(0x7fff0000n);
      col.map('policy').update(key(59), Uint8Array.of(1, 0, 5, 0));
      expect(p.run({ ctx: seccompData(59) }).r0).toBe(0x00050001n);
      expect(p.run({ ctx: seccompData(60) }).r0).toBe(0x7fff0000n);
      expect(p.run({ ctx: seccompData(59, 0x40000003) }).r0).toBe(0x80000000n);
      expect(col.map('.rodata').sealed).toBe(true);
    });

    it('legacy_maps: struct bpf_map_def maps, tracepoint/kprobe/tc sections, version', () => {
      const spec = specOf('legacy_maps');
      expect(spec.version).toBe(0x060c00);
      expect(spec.programs.map((p) => [p.name, p.type, p.attachTo])).toEqual([
        ['tp_open', 'tracepoint', 'syscalls/sys_enter_openat'], ['kp_open', 'kprobe', 'do_sys_openat2'], ['tc_pass', 'sched_cls', undefined],
      ]);
      const col = loadCollection(spec);
      const ctx = new Uint8Array(64);
      expect(col.program('tp_open').run({ ctx }).r0).toBe(0n);
      expect(col.program('tp_open').run({ ctx }).r0).toBe(0n);
      expect(u64le(col.map('hits').lookup(key(0)))).toBe(2n);
      col.map('cfg').update(key(0), Uint8Array.of(9, 0, 0, 0));
      expect(col.program('kp_open').run({ ctx }).r0).toBe(9n);
      expect(col.program('tc').run({ packet: frame(0x800) }).r0).toBe(0n);
    });
  });

  describe('maps of maps', () => {
    it('map_in_map: statically initialised array/hash of maps, program lookups through inner maps', () => {
      const spec = specOf('map_in_map');
      expect(spec.maps.find((m) => m.name === 'outer_arr')).toMatchObject({
        type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 4,
        inner: { type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 },
        values: [{ index: 0, map: 'inner_a' }, { index: 1, map: 'inner_b' }],
      });
      expect(spec.maps.find((m) => m.name === 'outer_hash')!.values).toEqual([{ index: 7, map: 'inner_b' }]);
      const col = loadCollection(spec);
      const p = col.program('map_in_map');
      col.map('inner_a').update(key(0), Uint8Array.of(11, 0, 0, 0));
      col.map('inner_b').update(key(0), Uint8Array.of(22, 0, 0, 0));
      expect(p.run({ packet: Uint8Array.of(0, 0) }).r0).toBe(11n);
      expect(p.run({ packet: Uint8Array.of(1, 0) }).r0).toBe(22n);
      expect(p.run({ packet: Uint8Array.of(2, 0) }).r0).toBe(99n);
      expect(p.run({ packet: Uint8Array.of(0, 1) }).r0).toBe(22n);
      // user space: lookup gives the inner map id; update by id; template mismatch is EINVAL
      const outer = col.map('outer_arr');
      expect(Array.from(outer.lookup(key(1)))).toEqual([col.map('inner_b').id, 0, 0, 0]);
      outer.update(key(2), Uint8Array.of(col.map('inner_a').id, 0, 0, 0));
      expect(p.run({ packet: Uint8Array.of(2, 0) }).r0).toBe(11n);
      expect(() => outer.update(key(3), Uint8Array.of(col.map('outer_hash').id, 0, 0, 0))).toThrow(/EINVAL/);
      expect(() => outer.update(key(3), Uint8Array.of(200, 0, 0, 0))).toThrow(/EBADF/);
      col.map('outer_hash').delete(key(7));
      expect(p.run({ packet: Uint8Array.of(0, 1) }).r0).toBe(99n);
    });
  });

  describe('printk', () => {
    it('format strings in .rodata via section symbol + offset; trace output captured', () => {
      const spec = specOf('printk');
      expect(spec.programs[0]!.references.map((r) => [r.map, r.kind, r.offset])).toEqual([['.rodata', 'value', 0], ['.rodata', 'value', 7]]);
      const col = loadCollection(spec);
      expect(col.program('printk').run({ packet: new Uint8Array(20) }).r0).toBe(2n);
      expect(col.vm.env.traceOutput).toEqual(['len 20', 'bye -1']);
    });
  });
});
