/**
 * Objects compiled the way libbpf users compile them (test/fixtures/{multi_prog,sections,btf_maps,strings,
 * btf_attach,no_btf_legacy}.c, plus test/fixtures/variants/: -O1/-O2/-Os, -mcpu=v1/v2/v3/v4/probe, with and
 * without -g): they load and run with the expected results, or are refused with an ElfError naming section
 * and symbol.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfError, ErrorCode } from '../../src/errors.js';
import { adjustRingbufSize, loadCollection, readCollectionSpec, readVariable, setVariable, type CollectionSpec } from '../../src/elf/index.js';
import { MapFlag } from '../../src/maps/spec.js';
import { RingbufMap } from '../../src/maps/index.js';
import { FIXTURES, FIXTURE_CPUS, fixtureSpec, fixtureBytes } from './fixtures.js';

const u32le = (b: Uint8Array, off = 0): number => new DataView(b.buffer, b.byteOffset).getUint32(off, true);
const u64le = (b: Uint8Array, off = 0): bigint => new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);
const key = (i: number): Uint8Array => Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 0, 0);
const pkt = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i + 1);

/** Expected r0 of multi_prog's programs for an n-byte packet 1, 2, 3, ... with cfg_mult = mult. */
function multiExpected(n: number, mult = 3): Record<string, bigint> {
  const sum4 = [1, 2, 3, 4].filter((i) => i <= n).reduce((a, b) => a + b, 0);
  const weigh = [10, 20, 30, 40].filter((_, i) => n > i * 4).reduce((a, b) => a + b, 0);
  const r: Record<string, bigint> = {
    xdp_a: BigInt(sum4 * mult + weigh), xdp_b: BigInt(weigh ^ 0x5a), frags: BigInt(1 + 2 + 3 + ((n << 24) >> 24)),
  };
  for (const [name, k] of [['tc_in', 100], ['tcx_in', 200], ['cls', 300], ['act', 400], ['tc_plain', 500]] as const) r[name] = BigInt(sum4 + k);
  return r;
}

function checkMulti(spec: CollectionSpec): void {
  expect(spec.programs.map((p) => [p.name, p.section, p.type])).toEqual([
    ['xdp_a', 'xdp', 'xdp'], ['xdp_b', 'xdp', 'xdp'], ['frags', 'xdp.frags', 'xdp'],
    ['tc_in', 'tc/ingress', 'sched_cls'], ['tcx_in', 'tcx/ingress', 'sched_cls'], ['cls', 'classifier', 'sched_cls'],
    ['act', 'action', 'sched_act'], ['tc_plain', 'tc', 'sched_cls'],
  ]);
  expect(spec.license).toBe('GPL');
  expect(spec.version).toBe(0x060c00);
  const names = spec.maps.map((m) => m.name);
  for (const n of ['.rodata', '.rodata.cfg', '.data.tbl', '.data', '.bss', '.bss.stats']) expect(names).toContain(n);
  for (const m of spec.maps) if (m.name!.startsWith('.rodata')) expect(m.flags & MapFlag.BPF_F_RDONLY_PROG).toBeTruthy();
  const col = loadCollection(spec);
  for (const n of [0, 1, 3, 5, 9, 13, 18, 64]) {
    const exp = multiExpected(n);
    for (const [name, r0] of Object.entries(exp)) expect([name, n, col.program(name).run({ packet: pkt(n) }).r0]).toEqual([name, n, r0]);
  }
  // xdp_b ran 8 times: atomics on .bss.stats, a plain increment of .data's gen
  expect(u64le(readVariable(spec, col.maps, 'stat_runs'))).toBe(8n);
  expect(u64le(readVariable(spec, col.maps, 'stat_bytes'))).toBe(BigInt(0 + 1 + 3 + 5 + 9 + 13 + 18 + 64));
  expect(u32le(readVariable(spec, col.maps, 'gen'))).toBe(7 + 8);
  expect(u32le(readVariable(spec, col.maps, 'last_a'))).toBe(Number(multiExpected(64).xdp_a));
  // .data.tbl is its own map: user space rewrites the table, weigh() sees it from every program
  col.map('.data.tbl').update(key(0), Uint8Array.of(1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0));
  expect(col.program('xdp_b').run({ packet: pkt(18) }).r0).toBe(BigInt(10 ^ 0x5a));
  expect(col.map('.rodata').sealed).toBe(true);
  expect(col.map('.rodata.cfg').sealed).toBe(true);
  expect(col.vm.env.traceOutput.slice(0, 2)).toEqual(['xdp_a len=0 r=0', 'xdp_a len=1 r=13']);
  col.dispose();
}

describe.each(FIXTURE_CPUS)('-mcpu=%s', (cpu) => {
  it('multi_prog: two programs per section, shared .text functions, custom data sections, atomics', () => {
    const spec = fixtureSpec('multi_prog', cpu);
    expect(spec.programs.find((p) => p.name === 'xdp_a')!.subprograms.sort()).toEqual(['sum_bytes', 'weigh']);
    expect(spec.programs.find((p) => p.name === 'xdp_b')!.subprograms).toEqual(['weigh']);
    checkMulti(spec);
  });

  it('multi_prog: const volatile config set in the spec before load', () => {
    const spec = fixtureSpec('multi_prog', cpu);
    setVariable(spec, 'cfg_mult', 5);
    setVariable(spec, 'cfg_seed', 0x1234n);
    const col = loadCollection(spec);
    expect(col.program('xdp_a').run({ packet: pkt(18) }).r0).toBe(multiExpected(18, 5).xdp_a);
    expect(col.program('frags').run({ packet: pkt(18) }).r0).toBe(0xffffffffn); // (cfg_seed & 0xff) != 0x88 → -1
    expect(() => col.map('.rodata').update(key(0), new Uint8Array(col.map('.rodata').valueSize))).toThrow(/EPERM/);
    expect(() => setVariable(spec, 'nope', 1)).toThrow(/no global variable 'nope'.*cfg_mult/);
    col.dispose();
  });

  it('sections: libbpf SEC() names map to program types and attach targets', () => {
    const spec = fixtureSpec('sections', cpu);
    expect(spec.programs.map((p) => [p.name, p.type, p.attachTo])).toEqual([
      ['sock', 'socket_filter', undefined], ['parser', 'sk_skb', undefined], ['cg_in', 'cgroup_skb', undefined],
      ['tp_openat', 'tracepoint', 'syscalls/sys_enter_openat'], ['tp_switch', 'tracepoint', 'sched/sched_switch'],
      ['raw_enter', 'raw_tracepoint', 'sys_enter'], ['kp', 'kprobe', 'do_sys_openat2'], ['up', 'kprobe', '/bin/true:main'],
      ['sc', 'seccomp', undefined], ['optional', 'sched_cls', undefined],
    ]);
    expect(spec.programs.at(-1)!.section).toBe('?tc');
    const col = loadCollection(spec);
    expect(col.program('sock').run({ packet: pkt(42) }).r0).toBe(42n);
    expect(col.program('sk_skb/stream_parser').run({ packet: pkt(7) }).r0).toBe(7n);
    expect(col.program('cg_in').run({ packet: pkt(7) }).r0).toBe(1n);
    const ctx = new Uint8Array(64);
    expect(['tp_openat', 'tp_switch', 'raw_enter', 'kp', 'up'].map((n) => col.program(n).run({ ctx }).r0)).toEqual([11n, 12n, 13n, 14n, 15n]);
    expect(col.program('seccomp').run({ ctx }).r0).toBe(0x7fff0000n);
    expect(col.program('optional').run({ packet: pkt(20) }).r0).toBe(77n);
    col.dispose();
  });

  it('btf_maps: every supported map type from BTF, flags, pinning, struct types, map-in-map initialisers', () => {
    const spec = fixtureSpec('btf_maps', cpu);
    const m = (n: string) => spec.maps.find((x) => x.name === n)!;
    expect(m('arr')).toMatchObject({ type: 'array', keySize: 4, valueSize: 16, maxEntries: 4, flags: MapFlag.BPF_F_MMAPABLE });
    expect(m('flows')).toMatchObject({ type: 'hash', keySize: 16, valueSize: 16, maxEntries: 64, flags: MapFlag.BPF_F_NO_PREALLOC, pinning: 1 });
    expect(m('lru')).toMatchObject({ type: 'lru_hash', keySize: 4, valueSize: 8, maxEntries: 16 });
    expect(m('pcpu_arr')).toMatchObject({ type: 'percpu_array', valueSize: 8 });
    expect(m('pcpu_hash')).toMatchObject({ type: 'percpu_hash', valueSize: 8 });
    expect(m('lpm')).toMatchObject({ type: 'lpm_trie', keySize: 8, valueSize: 4, flags: MapFlag.BPF_F_NO_PREALLOC });
    expect(m('rb')).toMatchObject({ type: 'ringbuf', maxEntries: 16384 });
    expect(m('rb_odd')).toMatchObject({ type: 'ringbuf', maxEntries: 16384 }); // libbpf's adjust_ringbuf_sz: 3 pages + 1 → 4 pages
    expect(m('events')).toMatchObject({ type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: 0 });
    expect(m('ro_cfg').flags).toBe(MapFlag.BPF_F_RDONLY_PROG);
    expect(m('wo_log').flags).toBe(MapFlag.BPF_F_WRONLY_PROG);
    expect(m('outer_h')).toMatchObject({ type: 'hash_of_maps', inner: { type: 'array', maxEntries: 1 }, values: [{ index: 1, map: 'in1' }] });
    expect(m('outer_a').values).toEqual([{ index: 0, map: 'in0' }, { index: 1, map: 'in1' }]);
    const col = loadCollection(spec, { nrCpus: 2 });
    expect(col.map('events').maxEntries).toBe(2);
    const p = col.program('fill');
    expect(p.run({ packet: pkt(30) }).r0).toBe(9n);
    col.map('ro_cfg').update(key(0), Uint8Array.of(5, 0, 0, 0));
    col.map('lpm').update(Uint8Array.of(8, 0, 0, 0, 10, 0, 0, 0), Uint8Array.of(100, 0, 0, 0));
    expect(p.run({ packet: pkt(10) }).r0).toBe(9n + 5n + 100n); // 9 successful operations + ro_cfg value + the LPM match
    expect(u64le(col.map('arr').lookup(key(1)), 0)).toBe(2n);
    expect(u64le(col.map('arr').lookup(key(1)), 8)).toBe(40n);
    expect(u32le(col.map('in1').lookup(key(0)))).toBe(1 + 1);
    expect(u32le(col.map('in0').lookup(key(0)))).toBe(2 + 2);
    expect(u32le(col.map('wo_log').lookup(key(0)))).toBe(0xabcd);
    expect((col.map('rb_odd') as RingbufMap).consume().length).toBe(2);
    expect((col.map('rb') as RingbufMap).consume().map((r) => Number(u64le(r)))).toEqual([30, 10]);
    col.dispose();
  });

  it('strings: .rodata.str1.1 literals and .rodata.cst* constants', () => {
    const spec = fixtureSpec('strings', cpu);
    const names = spec.maps.map((m) => m.name);
    expect(names).toContain('.rodata.str1.1');
    expect(names.some((n) => /^\.rodata\.cst\d+$/.test(n!))).toBe(true);
    const col = loadCollection(spec);
    const hello = 'hello world';
    for (const n of [0, 1, 5, 10, 11, 23]) {
      expect(col.program('strs').run({ packet: pkt(n) }).r0).toBe(BigInt(hello.charCodeAt(n & 7) + [1000, 2000, 3000, 4000][n & 3]!));
    }
    expect(col.vm.env.traceOutput.slice(0, 2)).toEqual(['len 0\n', 'literal 0\n']);
    col.dispose();
  });

  it('btf_attach: fentry / lsm programs are read but refused at load, naming section and symbol', () => {
    const spec = fixtureSpec('btf_attach', cpu);
    expect(spec.programs.map((p) => [p.name, p.type, p.attachTo])).toEqual([['trace_unlink', 'tracing', 'do_unlinkat'], ['lsm_open', 'lsm', 'file_open']]);
    let err: unknown;
    try { loadCollection(spec); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ElfError);
    expect((err as ElfError).section).toBe('fentry/do_unlinkat');
    expect((err as ElfError).code).toBe(ErrorCode.Unsupported);
    expect((err as ElfError).message).toMatch(/trace_unlink.*BTF.*do_unlinkat/);
  });

  it('no_btf_legacy: no .BTF at all, legacy maps work', () => {
    const bytes = fixtureBytes('no_btf_legacy', cpu);
    const spec = readCollectionSpec(bytes);
    expect(spec.maps).toEqual([expect.objectContaining({ name: 'counts', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 })]);
    const col = loadCollection(spec);
    const p = col.program('count');
    expect([5, 9, 6, 13].map((n) => p.run({ packet: pkt(n) }).r0)).toEqual([1n, 2n, 1n, 3n]);
    col.dispose();
  });
});

it('btf_maps.nog.o: BTF-defined maps without BTF are refused naming the section and the maps', () => {
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'btf_maps.nog.o')));
  let err: unknown;
  try { readCollectionSpec(bytes); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(ElfError);
  expect((err as ElfError).section).toBe('.maps');
  expect((err as ElfError).message).toMatch(/'arr'.*'flows'.*without -g/);
});

it('adjustRingbufSize: power-of-2 multiples of the page size pass, others round up, 0 stays 0', () => {
  expect([0, 1, 4096, 4097, 8192, 12288, 12289, 1 << 24, (1 << 24) + 1].map(adjustRingbufSize))
    .toEqual([0, 4096, 4096, 8192, 8192, 16384, 16384, 1 << 24, 1 << 25]);
});

describe('compiler variants (-O1/-O2/-Os, -mcpu=v1..v4/probe, -g/-gdwarf-N/none)', () => {
  const dir = join(FIXTURES, 'variants');
  const files = readdirSync(dir).filter((f) => f.endsWith('.o')).sort();
  it('covers the matrix', () => expect(files.length).toBe(30));
  it.each(files)('%s', (f) => {
    const bytes = new Uint8Array(readFileSync(join(dir, f)));
    const [name, variant] = f.split('.') as [string, string];
    const withBtf = /-g/.test(variant);
    if (name === 'btf_maps' && !withBtf) {
      expect(() => readCollectionSpec(bytes)).toThrow(ElfError);
      return;
    }
    const spec = readCollectionSpec(bytes);
    if (name === 'multi_prog') return checkMulti(spec);
    const col = loadCollection(spec);
    if (name === 'btf_maps') expect(col.program('fill').run({ packet: pkt(30) }).r0).toBe(9n);
    if (name === 'strings') expect(col.program('strs').run({ packet: pkt(12) }).r0).toBe(BigInt('o'.charCodeAt(0) + 1000));
    col.dispose();
  });
});

describe.each(FIXTURE_CPUS)('atomics (-mcpu=%s)', (cpu) => {
  it('fetch-and-op, xchg and cmpxchg on .bss globals', () => {
    const spec = fixtureSpec('atomics', cpu);
    const col = loadCollection(spec);
    const p = col.program('atom');
    // model of the C code
    let a64 = 0n, a32 = 0n, x64 = 0n, c32 = 0n;
    for (const n of [5, 9, 2]) {
      const len = BigInt(n);
      let r = 0n;
      r += a64; a64 += len;
      r += a32; a32 = (a32 + 3n) & 0xffffffffn;
      r ^= x64; x64 |= len << 8n;
      r ^= x64; x64 &= ~1n & 0xffffffffffffffffn;
      r ^= x64; x64 ^= 0x55n;
      r += a32; a32 = len;
      r += c32; if (c32 === 0n) c32 = 7n;
      r += c32; if (c32 === 7n) c32 = len;
      expect(p.run({ packet: pkt(n) }).r0).toBe(r & 0x7fffffffn);
    }
    expect(u64le(readVariable(spec, col.maps, 'a64'))).toBe(a64);
    expect(u32le(readVariable(spec, col.maps, 'a32'))).toBe(Number(a32));
    expect(u64le(readVariable(spec, col.maps, 'x64'))).toBe(x64);
    expect(u32le(readVariable(spec, col.maps, 'c32'))).toBe(Number(c32));
  });
});

describe('DWARF without BTF (.BTF/.BTF.ext stripped, debug_* kept)', () => {
  const read = (name: string) => readCollectionSpec(new Uint8Array(readFileSync(join(FIXTURES, `${name}.dwarf-only.o`))));
  it('multi_prog: no BTF maps, so it loads and runs exactly as with BTF', () => checkMulti(read('multi_prog')));
  it('btf_maps: BTF-defined maps without .BTF are refused naming .maps and the maps', () => {
    let err: unknown;
    try { read('btf_maps'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ElfError);
    expect((err as ElfError).section).toBe('.maps');
    expect((err as ElfError).message).toMatch(/'arr'.*'outer_a'.*need a \.BTF section/);
  });
});
