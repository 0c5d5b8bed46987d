/**
 * The map-helper execution differential: random programs calling
 * map_lookup_elem / map_update_elem / map_delete_elem on an array map and a
 * hash map (keys in and out of range, every update flag, value reads, writes
 * and atomics through the returned pointer), run by the kernel (koracle
 * ebpf-run, socket_filter, `--dump-maps`) and by bpfsim (runProgram with
 * maps created from the same specs). r0 and the final map contents must agree
 * (hash maps compared as sets of entries).
 */
import { BpfError, type Insn, type MapSpec, Memory, Vm, bytesToHex, createMap, encodeInsns, lddwInsns } from '../../../src/index.js';
import { koracleBatch } from '../../support/koracle.js';
import { I } from './ebpf-gen.js';
import { describeProgram } from './minimize.js';
import { Rand, Tally } from './rng.js';

const u32le = (v: number): string => bytesToHex(Uint8Array.from([v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24]));

interface MapsCase { insns: Insn[]; specs: MapSpec[]; kmaps: string[] }

function genCase(r: Rand): MapsCase {
  const aEntries = r.range(1, 4);
  const arr: MapSpec = { type: 'array', keySize: 4, valueSize: 16, maxEntries: aEntries, flags: 0, contents: [] };
  for (let i = 0; i < aEntries; i++) if (r.chance(0.6)) arr.contents!.push({ key: u32le(i), value: bytesToHex(r.bytes(16)) });
  const hEntries = r.range(1, 6);
  const hash: MapSpec = { type: 'hash', keySize: 4, valueSize: 8, maxEntries: hEntries, flags: 0, contents: [] };
  const used = new Set<number>();
  for (let i = r.int(hEntries + 1); i > 0; i--) { const k = r.int(8); if (used.has(k)) continue; used.add(k); hash.contents!.push({ key: u32le(k), value: bytesToHex(r.bytes(8)) }); }
  const kspec = (s: MapSpec): string => `${s.type},key=${s.keySize},value=${s.valueSize},entries=${s.maxEntries}` + s.contents!.map((c) => `,set=${c.key}:${c.value}`).join('');
  const insns: Insn[] = [I(0xb7, 6, 0, 0, 0), I(0xb7, 7, 0, 0, 0), I(0x7a, 10, 0, -8, 0), I(0x7a, 10, 0, -16, 0), I(0x7a, 10, 0, -24, 0)];
  const n = r.range(1, 8);
  for (let i = 0; i < n; i++) {
    const m = r.int(2);
    const vs = m === 0 ? 16 : 8;
    const key = r.chance(0.8) ? r.int(m === 0 ? aEntries + 1 : 8) : r.pick([0x7fffffff, -1]);
    insns.push(I(0x62, 10, 0, -4, key), ...lddwInsns(1, BigInt(m), 1), I(0xbf, 2, 10), I(0x07, 2, 0, 0, -4));
    const op = r.int(4);
    if (op <= 1) { // lookup, null check, read / write / atomic through r0
      const body: Insn[] = [];
      const sz = r.pick([[0x18, 8], [0x00, 4], [0x08, 2], [0x10, 1]] as const);
      const off = r.int(vs - sz[1] + 1) - ((r.int(vs - sz[1] + 1)) % 1);
      const k = r.int(3);
      if (k === 0) body.push(I(0x61 | sz[0], 3, 0, off), I(0xaf, 6, 3));
      else if (k === 1) body.push(I(0x62 | sz[0], 0, 0, off, r.imm32()));
      else body.push(I(0xb7, 3, 0, 0, r.imm32()), I(0xdb, 0, 3, 8 * r.int(vs / 8), r.pick([0x00, 0x01, 0xe1, 0x40, 0xa1])), I(0xaf, 6, 3));
      body.push(I(0x07, 7, 0, 0, 1));
      insns.push(I(0x85, 0, 0, 0, 1), I(0x15, 0, 0, body.length, 0), ...body);
    } else if (op === 2) { // update with a value from the stack
      insns.push(...lddwInsns(3, r.u64()), I(0x7b, 10, 3, -24), ...lddwInsns(3, r.u64()), I(0x7b, 10, 3, -16));
      insns.push(I(0xbf, 3, 10), I(0x07, 3, 0, 0, -24), I(0xb7, 4, 0, 0, r.pick([0, 1, 2, 0, 3])), I(0x85, 0, 0, 0, 2), I(0xaf, 6, 0));
    } else { // delete
      insns.push(I(0x85, 0, 0, 0, 3), I(0xaf, 6, 0));
    }
  }
  insns.push(I(0xbf, 0, 6), I(0x67, 7, 0, 0, 32), I(0xaf, 0, 7), I(0x95));
  return { insns, specs: [arr, hash], kmaps: [kspec(arr), kspec(hash)] };
}

function entriesOf(s: string | undefined): string[] {
  return (s ?? '').split(',').filter((x) => x !== '').sort();
}

/** Runs the map-helper differential. */
export function mapsExecDifferential(seed: number, count: number): Tally {
  const t = new Tally('map helpers exec (kernel ebpf-run --dump-maps vs runProgram)');
  const r = Rand.seeded(seed);
  const cs: MapsCase[] = [];
  for (let i = 0; i < count; i++) cs.push(genCase(r));
  const ks = koracleBatch('ebpf-run', cs.map((c) => ({ prog: bytesToHex(encodeInsns(c.insns)), maps: c.kmaps, dump_maps: true, r0_64: true })));
  ks.forEach((k, i) => {
    const c = cs[i]!;
    if (k.status !== 'accepted') { t.skip(`kernel rejected: ${String(k.log ?? k.error ?? '').trim().split('\n').slice(-2, -1)[0] ?? ''}`.replace(/\d+/g, 'N')); return; }
    if (k.run_errno !== 0) { t.skip(`kernel run ${k.run_errno_name}`); return; }
    let bad = false;
    for (const engine of ['interp', 'jit']) {
      const mem = new Memory();
      let r0: string; let dumps: string[][];
      try {
        const maps = c.specs.map((s) => createMap(s, mem));
        const vm = new Vm({ memory: mem, engine });
        const res = vm.load(encodeInsns(c.insns), { progType: 'socket_filter', maps }).run({ packet: new Uint8Array(14) });
        r0 = '0x' + res.r0.toString(16).padStart(16, '0');
        dumps = maps.map((m) => m.entries().map(([kk, v]) => `${bytesToHex(kk)}:${bytesToHex(v)}`).sort());
      } catch (e) {
        t.bad(`${engine}: bpfsim throws ${e instanceof BpfError ? e.code : (e as Error).name}`, `${(e as Error).message}\n${describeProgram(c.insns)}`);
        bad = true; continue;
      }
      const kd = [entriesOf(k.map0), entriesOf(k.map1)];
      const ctx = `maps ${JSON.stringify(c.kmaps)}\n  kernel r0 ${k.r0} map0 ${k.map0} map1 ${k.map1}\n  bpfsim r0 ${r0} map0 ${dumps[0]!.join(',')} map1 ${dumps[1]!.join(',')}\n${describeProgram(c.insns)}`;
      if (r0 !== k.r0) { t.bad(`${engine}: r0 differs`, ctx); bad = true; }
      else if (JSON.stringify(kd[0]) !== JSON.stringify(dumps[0])) { t.bad(`${engine}: array map contents differ`, ctx); bad = true; }
      else if (JSON.stringify(kd[1]) !== JSON.stringify(dumps[1])) { t.bad(`${engine}: hash map contents differ`, ctx); bad = true; }
    }
    if (!bad) t.ok();
  });
  return t;
}
