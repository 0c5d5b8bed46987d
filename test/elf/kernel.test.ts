/**
 * Kernel-differential fixture runs: the same object's programs, loaded by
 * Linux, return the same r0 for the same input and leave the same map
 * contents.
 * - koracle (`ebpf-run`): the linked, map-patched program bytes bpfsim runs
 *   (programBytes), the collection's maps in order (`--map` specs with
 *   contents and freeze), `--dump-maps`. xdp: data = the frame; socket filter:
 *   the kernel's skb starts after the 14-byte Ethernet header, so bpfsim's
 *   packet is data[14:]; seccomp: no such kernel program type, so the
 *   program runs as a socket filter with r1 = a map value holding struct
 *   seccomp_data (`--flat map`), which is what its ctx loads see.
 * - bpftool (libbpf) for the tail-call object, whose prog array libbpf fills.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { loadCollection, mapIndexOf, programBytes, type CollectionSpec } from '../../src/elf/index.js';
import { mapFlagNames, type MapSpec } from '../../src/maps/index.js';
import { FIXTURES, FIXTURE_CPUS, fixtureSpec as fixtureSpecFor, frame, ipv4, seccompData } from './fixtures.js';

const fixtureSpec = (name: string) => fixtureSpecFor(name);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function koracleMap(m: MapSpec): Record<string, unknown> {
  const o: Record<string, unknown> = { type: m.type, key: m.keySize, value: m.valueSize, entries: m.maxEntries };
  if (m.flags) o.flags = '0x' + m.flags.toString(16);
  if (m.contents?.length) o.set = m.contents.map((c) => `${c.key}:${c.value.padEnd(m.valueSize * 2, '0')}`);
  if (m.frozen) o.freeze = true;
  return o;
}

function kcase(spec: CollectionSpec, prog: string, extra: Record<string, unknown>): Record<string, unknown> {
  const ps = spec.programs.find((p) => p.name === prog)!;
  return { prog: hex(programBytes(ps, mapIndexOf(spec))), type: ps.type, maps: spec.maps.map(koracleMap), dump_maps: true, ...extra };
}

/** Our map contents in koracle's dump format, as sorted entry lists. */
function dumps(col: ReturnType<typeof loadCollection>): string[][] {
  return col.mapList.map((m) => (m.type === 'ringbuf' ? [] : m.entries().map(([k, v]) => `${hex(k)}:${hex(v)}`).sort()));
}
const kdumps = (r: Record<string, any>, n: number): string[][] =>
  Array.from({ length: n }, (_, i) => (r[`map${i}`] ? String(r[`map${i}`]).split(',').sort() : []));

describe.skipIf(!koracleAvailable()).each(FIXTURE_CPUS)('fixtures in the kernel (koracle), -mcpu=%s objects', (cpu) => {
  const fixtureSpec = (name: string) => fixtureSpecFor(name, cpu);

  it('legacy_maps: struct bpf_map_def maps (programs run as socket filters; they do not read ctx)', () => {
    const spec = fixtureSpec('legacy_maps');
    spec.maps.find((m) => m.name === 'cfg')!.contents = [{ key: '00000000', value: '07000000' }];
    const pk = hex(frame(0x0800, ipv4(6)));
    const k = koracleBatch('ebpf-run', [
      { ...kcase(spec, 'tp_open', { data: pk, repeat: 3 }), type: 'socket_filter' },
      { ...kcase(spec, 'kp_open', { data: pk }), type: 'socket_filter' },
    ]);
    const col = loadCollection(spec);
    let r0 = 0n;
    for (let i = 0; i < 3; i++) r0 = col.program('tp_open').run({ ctx: new Uint8Array(64) }).r0;
    expect(k[0]!.status).toBe('accepted');
    expect(r0).toBe(BigInt(k[0]!.retval));
    expect(dumps(col)).toEqual(kdumps(k[0]!, spec.maps.length));
    expect(k[1]!.status).toBe('accepted');
    expect(col.program('kp_open').run({ ctx: new Uint8Array(64) }).r0).toBe(BigInt(k[1]!.retval));
    expect(k[1]!.retval).toBe(7);
  });

  it('xdp_count: r0 and counters per frame', () => {
    const spec = fixtureSpec('xdp_count');
    const frames = [frame(0x0800, ipv4(6)), frame(0x86dd, new Array(40).fill(0)), frame(0x0806, new Array(28).fill(1)), frame(0x0800, ipv4(17, 100))];
    const k = koracleBatch('ebpf-run', frames.map((f) => kcase(spec, 'xdp_count', { data: hex(f) })));
    frames.forEach((f, i) => {
      const col = loadCollection(spec);
      expect(k[i]!.status).toBe('accepted');
      expect(col.program('xdp_count').run({ packet: f.slice() }).r0).toBe(BigInt(k[i]!.retval));
      expect(dumps(col)).toEqual(kdumps(k[i]!, spec.maps.length));
    });
  });

  it('socket_proto: r0 (bytes to keep) and the protocol hash map', () => {
    const spec = fixtureSpec('socket_proto');
    const frames = [frame(0x0800, ipv4(6, 30)), frame(0x0800, ipv4(17)), frame(0x0800, ipv4(1, 4)), frame(0x0800, ipv4(132, 16))];
    const k = koracleBatch('ebpf-run', frames.map((f) => kcase(spec, 'socket_proto', { data: hex(f) })));
    frames.forEach((f, i) => {
      const col = loadCollection(spec);
      expect(k[i]!.status).toBe('accepted');
      expect(col.program('socket_proto').run({ packet: f.slice(14) }).r0).toBe(BigInt(k[i]!.retval));
      expect(dumps(col)).toEqual(kdumps(k[i]!, spec.maps.length));
    });
  });

  it('global_data: state across repeated runs, .rodata frozen', () => {
    const spec = fixtureSpec('global_data');
    const f = frame(0x0800, ipv4(6));
    for (const repeat of [1, 3, 4, 6]) {
      const [k] = koracleBatch('ebpf-run', [kcase(spec, 'global_data', { data: hex(f), repeat })]);
      const col = loadCollection(spec);
      let r0 = 0n;
      for (let i = 0; i < repeat; i++) r0 = col.program('global_data').run({ packet: f.slice() }).r0;
      expect(k!.status).toBe('accepted');
      expect(r0).toBe(BigInt(k!.retval));
      expect(dumps(col)).toEqual(kdumps(k!, spec.maps.length));
    }
  });

  it('subprog and ringbuf: r0', () => {
    for (const [name, inputs] of [
      ['subprog', [frame(0x0800, [9, 9]), Uint8Array.of(250, 251, 252, 253, ...new Array(12).fill(0))]],
      ['ringbuf', [frame(0x0800, ipv4(6)), Uint8Array.of(0xff, ...new Array(15).fill(3))]],
    ] as const) {
      const spec = fixtureSpec(name);
      const k = koracleBatch('ebpf-run', inputs.map((f) => kcase(spec, name, { data: hex(f) })));
      inputs.forEach((f, i) => {
        expect(k[i]!.status, `${name}: ${String(k[i]!.log ?? "").split("\n").slice(-4).join(" | ")}`).toBe('accepted');
        expect(loadCollection(spec).program(name).run({ packet: f.slice() }).r0).toBe(BigInt(k[i]!.retval));
      });
    }
  });

  it('seccomp_policy: the policy lookup (run as a socket filter over a flat seccomp_data)', () => {
    const spec = fixtureSpec('seccomp_policy');
    const policy = spec.maps.find((m) => m.name === 'policy')!;
    policy.contents = [{ key: '3b000000', value: '01000500' }, { key: '02000000', value: '00000000' }, { key: '3c000000', value: '000000c0' }];
    const inputs = [seccompData(59), seccompData(2), seccompData(60), seccompData(61), seccompData(59, 0x40000003)];
    const k = koracleBatch('ebpf-run', inputs.map((d) => ({ ...kcase(spec, 'seccomp_policy', { data: hex(d), flat: 'map' }), type: 'socket_filter' })));
    const col = loadCollection(spec);
    inputs.forEach((d, i) => {
      expect(k[i]!.status).toBe('accepted');
      expect(col.program('seccomp_policy').run({ ctx: d }).r0).toBe(BigInt(k[i]!.retval));
    });
    expect(mapFlagNames(policy.flags)).toEqual(['BPF_F_RDONLY_PROG']);
  });
});

const bpftoolOk = (() => {
  if (process.getuid?.() !== 0 || process.env.BPFSIM_NO_KERNEL === '1') return false;
  return spawnSync('bpftool', ['version'], { encoding: 'utf8' }).status === 0;
})();

/** Runs a pinned program once on `data` (written to `file`) with `bpftool prog run`; the kernel's return value. */
function kernelRun(pinned: string, data: Uint8Array, file: string): bigint {
  writeFileSync(file, data);
  const out = execFileSync('bpftool', ['prog', 'run', 'pinned', pinned, 'data_in', file], { encoding: 'utf8', stdio: 'pipe' });
  const m = /Return value: (\d+)/.exec(out);
  expect(m, out).not.toBeNull();
  return BigInt(m![1]!);
}

function removeAll(...paths: string[]): void {
  for (const p of paths) rmSync(p, { recursive: true, force: true });
}

describe.skipIf(!bpftoolOk)('tail_call.o in the kernel (bpftool / libbpf)', () => {
  it('entry returns what the prog array slot decides', () => {
    const pin = `/sys/fs/bpf/bpfsim_tail_${process.pid}`;
    const tmp = mkdtempSync(join(tmpdir(), 'bpfsim-tc-'));
    try {
      execFileSync('bpftool', ['prog', 'loadall', join(FIXTURES, 'tail_call.o'), pin, 'pinmaps', `${pin}_maps`], { stdio: 'pipe' });
      const col = loadCollection(fixtureSpec('tail_call'));
      for (const first of [0, 1, 2, 3, 7]) {
        const data = Uint8Array.of(first, ...new Array(15).fill(0));
        expect(col.program('entry').run({ packet: data }).r0).toBe(kernelRun(`${pin}/entry`, data, join(tmp, `in${first}`)));
      }
    } finally {
      removeAll(pin, `${pin}_maps`, tmp);
    }
  });
});

describe.skipIf(!bpftoolOk)('map_in_map.o in the kernel (bpftool / libbpf)', () => {
  it('lookups through array/hash of maps return the same r0', () => {
    const pin = `/sys/fs/bpf/bpfsim_mim_${process.pid}`;
    const tmp = mkdtempSync(join(tmpdir(), 'bpfsim-mim-'));
    try {
      execFileSync('bpftool', ['prog', 'loadall', join(FIXTURES, 'map_in_map.o'), pin, 'pinmaps', `${pin}_maps`], { stdio: 'pipe' });
      execFileSync('bpftool', ['map', 'update', 'pinned', `${pin}_maps/inner_a`, 'key', '0', '0', '0', '0', 'value', '11', '0', '0', '0'], { stdio: 'pipe' });
      execFileSync('bpftool', ['map', 'update', 'pinned', `${pin}_maps/inner_b`, 'key', '0', '0', '0', '0', 'value', '22', '0', '0', '0'], { stdio: 'pipe' });
      const col = loadCollection(fixtureSpec('map_in_map'));
      col.map('inner_a').update(Uint8Array.of(0, 0, 0, 0), Uint8Array.of(11, 0, 0, 0));
      col.map('inner_b').update(Uint8Array.of(0, 0, 0, 0), Uint8Array.of(22, 0, 0, 0));
      for (const [a, b] of [[0, 0], [1, 0], [2, 0], [3, 1], [9, 0]]) {
        const data = Uint8Array.of(a!, b!, ...new Array(14).fill(0));
        expect(col.program('map_in_map').run({ packet: data }).r0).toBe(kernelRun(`${pin}/map_in_map`, data, join(tmp, `in${a}${b}`)));
      }
    } finally {
      removeAll(pin, `${pin}_maps`, tmp);
    }
  });
});
