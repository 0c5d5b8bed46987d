/**
 * Programs for the verifier-verdict differential: mostly-valid programs with
 * one mutation each, in four setups a checker would use:
 * - `flatmap`: the execution generator's programs behind an explicit
 *   `r1 = map_value(map 0) ll; r2 = 64` prologue (socket_filter, one array map
 *   of 64-byte values) — the "raw memory" setup without koracle's wrapper;
 * - `ctx`: socket_filter programs reading and writing `__sk_buff` fields;
 * - `map`: map_lookup_elem on array / hash maps with and without null checks,
 *   key on the stack initialised or not, value accesses at the edges;
 * - `xdp`: packet pointers from `xdp_md` with bounds checks (off by one or not).
 * The mutations are the edits that decide verdicts: off-by-one offsets,
 * uninitialised registers, pointer arithmetic with forbidden operators,
 * stack accesses at the edges, constant shifts / division by zero, writes to
 * r10, random field flips.
 */
import { OPCODES, type Insn, lddwInsns } from '../../../src/index.js';
import type { MapSpec } from '../../../src/index.js';
import { I, MEM_LEN, MEM_REG, genExecProgram } from './ebpf-gen.js';
import type { Rand } from './rng.js';

/** A verdict case: program, type, maps (bpfsim specs and koracle specs). */
export interface VerdictCase {
  setup: string;
  mutation: string;
  insns: Insn[];
  progType: 'socket_filter' | 'xdp';
  maps: MapSpec[];
  kmaps: string[];
}

const ARRAY64: MapSpec = { type: 'array', keySize: 4, valueSize: MEM_LEN, maxEntries: 1, flags: 0 };
const K_ARRAY64 = `array,key=4,value=${MEM_LEN},entries=1`;

function isLddw(x: Insn | undefined): boolean { return x !== undefined && x.code === 0x18; }

/** Indices of first slots of instructions (not ld_imm64 second halves). */
function slots(insns: readonly Insn[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < insns.length; i++) { out.push(i); if (isLddw(insns[i])) i++; }
  return out;
}

function memAccesses(insns: readonly Insn[], base: number): number[] {
  return slots(insns).filter((i) => {
    const x = insns[i]!; const cls = x.code & 7; const mode = x.code & 0xe0;
    if (cls === 1 && (mode === 0x60 || mode === 0x80)) return x.src === base;
    if ((cls === 2 || cls === 3) && (mode === 0x60 || mode === 0xc0)) return x.dst === base || (mode === 0xc0 && x.imm === 0x100 && x.src === base);
    return false;
  });
}

function accessSize(code: number): number { return [4, 2, 1, 8][(code >> 3) & 3]!; }

/** Applies one random mutation in place; returns its name. */
export function mutate(r: Rand, insns: Insn[], opts: { memReg: number; memLen: number; firstBody: number }): string {
  const all = slots(insns).filter((i) => i >= opts.firstBody);
  const k = r.int(16);
  switch (k) {
    case 0: case 1: { // off-by-one on a memory access
      const acc = memAccesses(insns, opts.memReg);
      if (acc.length === 0) break;
      const i = r.pick(acc); const x = insns[i]!; const sz = accessSize(x.code);
      insns[i] = { ...x, off: r.pick([opts.memLen - sz + 1, opts.memLen, -1, opts.memLen - sz + r.int(8), -sz, 0x7fff, -0x8000]) };
      return 'mem off-by-one';
    }
    case 2: { // stack edge
      const acc = memAccesses(insns, 10);
      if (acc.length === 0) break;
      const i = r.pick(acc); const x = insns[i]!; const sz = accessSize(x.code);
      insns[i] = { ...x, off: r.pick([-512, -512 - sz, -513, -sz + 1, 0, -1, -520, -64 - sz, -504 - r.int(8)]) };
      return 'stack edge';
    }
    case 3: { // drop a register initialisation (uninitialised read)
      const inits = slots(insns).filter((i) => i < opts.firstBody && (isLddw(insns[i]) || insns[i]!.code === 0xb7 || insns[i]!.code === 0x7a));
      if (inits.length === 0) break;
      const i = r.pick(inits);
      const wasLddw = isLddw(insns[i]);
      insns[i] = I(0x05);
      if (wasLddw) insns[i + 1] = I(0x05);
      return 'dropped init';
    }
    case 4: { // pointer arithmetic with any operator on the memory register or r10
      const ops = [0x0f, 0x1f, 0x2f, 0x3f, 0x4f, 0x5f, 0x6f, 0x7f, 0x87, 0x9f, 0xaf, 0xcf, 0x07, 0x17, 0x27, 0x47, 0x57, 0x67, 0x0c, 0x04, 0xbc, 0xd7, 0xdc];
      const code = r.pick(ops);
      const dst = r.chance(0.7) ? opts.memReg : r.pick([0, 2, 3]);
      const src = r.chance(0.5) ? opts.memReg : r.pick([10, 2, 3]);
      const imm = code === 0xd7 || code === 0xdc ? r.pick([16, 32, 64]) : r.imm32();
      insns.splice(r.pick(all), 0, I(code, dst, (code & 8) !== 0 ? src : 0, 0, imm));
      return 'pointer alu';
    }
    case 5: { // constant shift out of range / division by constant zero
      const code = r.pick([0x67, 0x77, 0xc7, 0x64, 0x74, 0xc4, 0x37, 0x97, 0x34, 0x94]);
      const shift = (code & 0xf0) === 0x60 || (code & 0xf0) === 0x70 || (code & 0xf0) === 0xc0;
      const imm = shift ? r.pick([32, 63, 64, 65, -1, 0x7fffffff, 31]) : 0;
      insns.splice(r.pick(all), 0, I(code, r.pick([0, 2, 3]), 0, r.chance(0.2) ? 1 : 0, imm));
      return 'const shift/div';
    }
    case 6: { // write r10, or use r10 / r11 as a register
      const i = r.pick(all); const x = insns[i]!;
      if (isLddw(x)) break;
      insns[i] = r.chance(0.5) ? { ...x, dst: r.pick([10, 11, 15]) } : { ...x, src: r.pick([10, 11, 12]) };
      return 'bad register';
    }
    case 7: { // random byte flip
      const i = r.pick(all); const x = insns[i]!;
      const f = r.int(5);
      insns[i] = f === 0 ? { ...x, code: r.int(256) } : f === 1 ? { ...x, dst: r.int(16) } : f === 2 ? { ...x, src: r.int(16) } : f === 3 ? { ...x, off: r.pick([1, -1, 8, 0x7fff, -0x8000, x.off + 1, x.off - 1]) } : { ...x, imm: r.imm32() };
      return 'field flip';
    }
    case 8: { // delete an instruction (no offset repair)
      const i = r.pick(all);
      insns.splice(i, isLddw(insns[i]) ? 2 : 1);
      return 'deleted insn';
    }
    case 9: { // store a pointer somewhere
      const i = r.pick(all);
      const x = r.pick([I(0x7b, opts.memReg, 10, 0), I(0x7b, 10, opts.memReg, -8), I(0x7b, opts.memReg, opts.memReg, 8), I(0x63, 10, opts.memReg, -4), I(0xdb, opts.memReg, 10, 0, 0), I(0xdb, 10, opts.memReg, -8, 0xe1)]);
      insns.splice(i, 0, x);
      return 'pointer store';
    }
    case 10: { // helper call with a random id
      insns.splice(r.pick(all), 0, I(0x85, 0, 0, 0, r.pick([1, 2, 3, 4, 5, 6, 7, 8, 12, 14, 16, 25, 35, 0, 212, 1000, -1])));
      return 'helper call';
    }
    case 11: { // misaligned atomic / load-acquire on map value
      const code = r.pick([0xdb, 0xc3]);
      insns.splice(r.pick(all), 0, I(code, opts.memReg, r.pick([0, 2, 3]), r.pick([1, 2, 3, 5, 6, 7, opts.memLen - 4, opts.memLen - 8]), r.pick([0, 1, 0x40, 0xe1, 0xf1, 0x51, 0xa1])));
      return 'atomic edge';
    }
    case 12: { // jump out of range / into ld_imm64 / backwards
      const i = r.pick(all); const x = insns[i]!;
      if (isLddw(x)) break;
      insns.splice(i, 0, I(r.pick([0x05, 0x15, 0x1d, 0x16, 0x06]), 0, 0, r.pick([insns.length, -i - 2, 1, -1, 0x7fff, -2]), 0));
      return 'bad jump';
    }
    case 13: { // exit early (r0 state), or an exit in the middle
      insns.splice(r.pick(all), 0, I(0x95));
      return 'early exit';
    }
    case 14: { // reserved fields non-zero
      const i = r.pick(all); const x = insns[i]!;
      if (isLddw(x)) { insns[i + 1] = { ...insns[i + 1]!, off: 1 }; return 'reserved field'; }
      insns[i] = (x.code & 7) >= 4 ? { ...x, off: x.off === 0 ? r.pick([1, 2, 8]) : x.off } : { ...x, imm: x.imm === 0 ? 1 : x.imm };
      return 'reserved field';
    }
    default: break; // unmutated
  }
  return 'none';
}

/** Flat-map setup: the exec generator's program behind an explicit map-value prologue. */
export function genFlatMapCase(r: Rand): VerdictCase {
  const shape = r.pick(['straight', 'loop', 'call'] as const);
  const g = genExecProgram(r, shape);
  const pre = [...lddwInsns(1, 0n, 2), I(0xb7, 2, 0, 0, MEM_LEN)];
  const insns = [...pre, ...g.insns];
  // firstBody: after the generator's own prologue (mov, 8 stack stores, 9 ld_imm64).
  const mutation = r.chance(0.8) ? mutate(r, insns, { memReg: MEM_REG, memLen: MEM_LEN, firstBody: pre.length + 1 + 8 + 18 }) : 'none';
  return { setup: `flatmap-${shape}`, mutation, insns, progType: 'socket_filter', maps: [ARRAY64], kmaps: [K_ARRAY64] };
}

/** `__sk_buff` field offsets (uapi/linux/bpf.h). */
const SKB_FIELDS = [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68, 72, 76, 80, 84, 88, 92, 96, 100,
  104, 108, 112, 116, 120, 124, 128, 132, 136, 140, 144, 148, 152, 156, 160, 164, 168, 172, 176, 180, 184, 188, 192];

/** socket_filter ctx accesses: loads of every size at field offsets, some stores, ctx pointer arithmetic. */
export function genCtxCase(r: Rand): VerdictCase {
  const insns: Insn[] = [I(0xbf, 6, 1), I(0xb7, 0, 0, 0, 0)];
  const n = 1 + r.int(5);
  for (let i = 0; i < n; i++) {
    const sz = r.pick([0x00, 0x08, 0x10, 0x18]);
    const bytes = accessSize(sz);
    let off = r.pick(SKB_FIELDS) + (r.chance(0.3) ? r.int(4) : 0);
    if (r.chance(0.1)) off = r.pick([-4, 196, 200, 1000]);
    const k = r.int(10);
    if (k < 7) insns.push(I(0x61 | sz, r.pick([0, 2, 3]), 6, off));
    else if (k < 8) insns.push(I(0x63 | sz, 6, r.pick([0, 7]), off));
    else if (k < 9) insns.push(I(0x62 | sz, 6, 0, off, r.imm32()));
    else insns.push(I(0xbf, 7, 6), I(0x07, 7, 0, 0, r.pick([4, 8, -4, 48])), I(0x61 | sz, 0, 7, off & ~(bytes - 1)));
    if (k >= 7 && !insns.some((x) => x.dst === 7 && x.code === 0xb7)) insns.splice(2, 0, I(0xb7, 7, 0, 0, 0));
  }
  insns.push(I(0x95));
  const mutation = r.chance(0.3) ? mutate(r, insns, { memReg: 6, memLen: 192, firstBody: 2 }) : 'none';
  return { setup: 'ctx', mutation, insns, progType: 'socket_filter', maps: [], kmaps: [] };
}

/** map_lookup_elem with variations: null check or not, key initialised or not, value access offsets. */
export function genMapCase(r: Rand): VerdictCase {
  const hash = r.chance(0.5);
  const vs = r.pick([4, 8, 16, 48]);
  const ks = hash ? r.pick([4, 8]) : 4;
  const spec: MapSpec = { type: hash ? 'hash' : 'array', keySize: ks, valueSize: vs, maxEntries: r.pick([1, 4]), flags: 0 };
  const kspec = `${spec.type},key=${ks},value=${vs},entries=${spec.maxEntries}`;
  const insns: Insn[] = [];
  if (!r.chance(0.1)) insns.push(I(0x7a, 10, 0, -8, r.int(3))); // key on the stack
  if (ks === 8 && r.chance(0.1)) insns.splice(0, insns.length, I(0x62, 10, 0, -8, 0)); // only half the key
  insns.push(...lddwInsns(1, 0n, 1), I(0xbf, 2, 10), I(0x07, 2, 0, 0, r.chance(0.9) ? -8 : r.pick([-4, -12, 0, -512])), I(0x85, 0, 0, 0, 1));
  const check = r.int(10);
  let skipAt = -1;
  if (check < 7) { skipAt = insns.length; insns.push(I(0x15, 0, 0, 0, 0)); }
  else if (check === 7) insns.push(I(0x55, 0, 0, 1, 0), I(0x95)); // r0 != 0 → skip exit: but exit with r0 = map_value_or_null...
  else if (check === 8) { skipAt = insns.length; insns.push(I(0x15, 0, 0, 0, 1)); } // compared to 1, not null
  const body0 = insns.length;
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) {
    const sz = r.pick([0x00, 0x08, 0x10, 0x18]); const b = accessSize(sz);
    let off = r.int(Math.max(1, vs - b + 1));
    if (r.chance(0.2)) off = r.pick([vs - b + 1, vs, -1, vs - b]);
    const k = r.int(6);
    if (k < 3) insns.push(I(0x61 | sz, 3, 0, off));
    else if (k < 5) insns.push(I(0x62 | sz, 0, 0, off, r.imm32()));
    else if (b >= 4) insns.push(I(0xc3 | sz, 0, 4, off - (off % b), r.pick([0, 1, 0xe1])), I(0xb7, 4, 0, 0, 0));
    else insns.push(I(0x63 | sz, 0, 4, off));
    if (!insns.slice(0, body0).some((x) => x.dst === 4 && x.code === 0xb7)) insns.splice(0, 0, I(0xb7, 4, 0, 0, r.imm32()));
  }
  insns.push(I(0xb7, 0, 0, 0, 0), I(0x95));
  // Fix the null-check jump to land on the final `r0 = 0`.
  const fin = insns.length - 2;
  const sk = insns.findIndex((x) => x.code === 0x15 && x.dst === 0 && x.off === 0 && (x.imm === 0 || x.imm === 1));
  if (sk >= 0 && skipAt >= 0) insns[sk] = { ...insns[sk]!, off: fin - sk - 1 };
  const mutation = r.chance(0.3) ? mutate(r, insns, { memReg: 0, memLen: vs, firstBody: 0 }) : 'none';
  return { setup: `map-${spec.type}`, mutation, insns, progType: 'socket_filter', maps: [spec], kmaps: [kspec] };
}

/** XDP: data/data_end, a bounds check (sometimes off by one), packet accesses. */
export function genXdpCase(r: Rand): VerdictCase {
  const insns: Insn[] = [I(0x61, 2, 1, 0), I(0x61, 3, 1, 4), I(0xb7, 0, 0, 0, 2)];
  const need = r.pick([1, 2, 4, 8, 14, 20, 34, 64]);
  const chk = r.int(6);
  insns.push(I(0xbf, 4, 2), I(0x07, 4, 0, 0, need));
  const jmpAt = insns.length;
  // if r4 > r3 goto exit (correct); variants: >=, swapped operands, 32-bit compare, none.
  const jcode = chk === 0 ? 0x3d : chk === 1 ? 0xad : chk === 2 ? 0x2e : 0x2d;
  if (chk !== 5) insns.push(chk === 1 ? I(jcode, 3, 4, 0) : I(jcode, 4, 3, 0));
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) {
    const sz = r.pick([0x00, 0x08, 0x10, 0x18]); const b = accessSize(sz);
    let off = r.int(Math.max(1, need - b + 1));
    if (r.chance(0.25)) off = r.pick([need - b + 1, need, -1]);
    const k = r.int(4);
    if (k < 2) insns.push(I(0x61 | sz, 5, 2, off));
    else if (k < 3) insns.push(I(0x62 | sz, 2, 0, off, r.imm32()));
    else insns.push(I(0xbf, 5, 2), I(0x07, 5, 0, 0, r.int(need + 1)), I(0x71, 6, 5, 0));
  }
  insns.push(I(0x95));
  if (chk !== 5) {
    const x = insns[jmpAt]!;
    const fin = insns.length - 1;
    insns[jmpAt] = { ...x, off: chk === 1 ? fin - jmpAt - 1 : fin - jmpAt - 1 };
  }
  const mutation = r.chance(0.3) ? mutate(r, insns, { memReg: 2, memLen: need, firstBody: 3 }) : 'none';
  return { setup: 'xdp', mutation, insns, progType: 'xdp', maps: [], kmaps: [] };
}

/**
 * Raw random programs: 1..10 rows drawn uniformly from the opcode table with
 * random registers (r0..r10, rarely r11+), edge offsets and immediates, then
 * `exit` (sometimes preceded by `r0 = 0`). What a naive independent checker
 * generates; most are rejected, so the error line is what gets compared.
 */
export function genRawCase(r: Rand): VerdictCase {
  const insns: Insn[] = [];
  if (r.chance(0.5)) insns.push(I(0xb7, 0, 0, 0, 0));
  const n = r.range(1, 10);
  for (let i = 0; i < n; i++) {
    const row = r.pick(OPCODES);
    const reg = (): number => (r.chance(0.03) ? r.range(11, 15) : r.int(11));
    let off = r.chance(0.5) ? 0 : r.pick([1, -1, 2, -8, -16, -512, 4, 8, r.int(n + 1) - 1, 0x7fff]);
    let imm = r.imm32();
    if (row.variant?.field === 'off') off = row.variant.value;
    if (row.variant?.field === 'imm') imm = row.variant.value;
    if (row.kind === 'call') imm = r.chance(0.7) ? r.pick([1, 2, 3, 5, 6, 7, 8, 14, 35]) : imm;
    if (row.kind === 'lddw') { insns.push(...lddwInsns(reg(), r.u64(), r.chance(0.9) ? 0 : r.pick([1, 2, 3, 4]))); continue; }
    insns.push(I(row.code, reg(), reg(), off, imm));
  }
  if (r.chance(0.7)) insns.push(I(0xb7, 0, 0, 0, r.int(3)));
  insns.push(I(0x95));
  return { setup: 'raw-random', mutation: 'none', insns, progType: 'socket_filter', maps: [], kmaps: [] };
}

/** One case from a random setup. */
export function genVerdictCase(r: Rand): VerdictCase {
  const k = r.int(12);
  if (k >= 10) return genRawCase(r);
  if (k < 4) return genFlatMapCase(r);
  if (k < 6) return genCtxCase(r);
  if (k < 8) return genMapCase(r);
  return genXdpCase(r);
}
