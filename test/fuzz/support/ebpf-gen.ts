/**
 * Random eBPF programs for kernel differentials, drawn from the whole opcode
 * table (src/isa/opcodes.ts) with edge-biased fields, in the shape an
 * independent checker would generate: r1 = a flat memory buffer of MEM_LEN
 * bytes, everything else initialised by the program itself.
 *
 * Register plan: r9 = the memory pointer (copied from r1 first), r0..r8
 * scalars (ld_imm64 edge values), r10 the frame pointer. The stack bytes
 * fp-64..fp-1 are zeroed at entry (the kernel lets root read uninitialised
 * stack, whose contents are not deterministic). Items: ALU (all rows, K/X),
 * loads/stores/sign-extending loads on memory and stack at every in-bounds
 * offset (unaligned too), pointer arithmetic on a copy of r9, atomics (every
 * op, 32/64, fetch, xchg, cmpxchg, load-acquire, store-release), register
 * resets (0, -1, INT_MIN...), forward JMP / JMP32 / ja / gotol, bounded loops
 * and bpf-to-bpf calls. The epilogue folds r1..r8 into r0 with xor.
 *
 * `mutate` applies one edit that is likely to change the verifier's verdict.
 */
import { OPCODES, type Insn, type OpcodeRow, lddwInsns } from '../../../src/index.js';
import type { Rand } from './rng.js';

export const MEM_LEN = 64;
export const MEM_REG = 9;
const SCALARS = [0, 1, 2, 3, 4, 5, 6, 7, 8];

export const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

const ALU_ROWS = OPCODES.filter((r) => r.kind === 'alu' || r.kind === 'neg' || r.kind === 'movsx' || r.kind === 'end');
const JMP_ROWS = OPCODES.filter((r) => r.kind === 'jcond');
const ATOMIC_RMW = OPCODES.filter((r) => r.kind === 'atomic' && r.op < 0x100);
const ACQ_REL = OPCODES.filter((r) => r.kind === 'atomic' && r.op >= 0x100);
const LDX = OPCODES.filter((r) => r.kind === 'ldx');
const LDXSX = OPCODES.filter((r) => r.kind === 'ldxsx');
const ST = OPCODES.filter((r) => r.kind === 'st');
const STX = OPCODES.filter((r) => r.kind === 'stx');

function isShift(op: number): boolean { return op === 0x60 || op === 0x70 || op === 0xc0; }

/** One generated unit: instructions that must run as a whole (jumps skip whole items). */
type Item = Insn[];

export interface GenOptions {
  /** Allowed scalar registers (default r0..r8). */
  regs?: readonly number[];
  /** Memory register, or -1 for none (subprograms). */
  memReg?: number;
  /** Bytes of the stack that are initialised (multiple of 8). */
  stackInit?: number;
}

/** Random program generator over the opcode table. */
export class EbpfGen {
  regs: readonly number[];
  memReg: number;
  stackInit: number;
  constructor(readonly r: Rand, opts: GenOptions = {}) {
    this.regs = opts.regs ?? SCALARS;
    this.memReg = opts.memReg ?? MEM_REG;
    this.stackInit = opts.stackInit ?? 64;
  }
  reg(): number { return this.r.pick(this.regs); }

  alu(): Insn {
    const row: OpcodeRow = this.r.pick(ALU_ROWS);
    const dst = this.reg();
    const src = this.reg();
    const off = row.variant?.field === 'off' ? row.variant.value : 0;
    let imm = row.variant?.field === 'imm' ? row.variant.value : 0;
    if (row.kind === 'alu' && row.source === 'K') {
      imm = this.r.imm32();
      if (isShift(row.op)) imm = this.r.int(row.is64 ? 64 : 32);
      if ((row.op === 0x30 || row.op === 0x90) && imm === 0) imm = this.r.pick([1, -1, 3]);
    }
    const usesSrc = (row.kind === 'alu' && row.source === 'X') || row.kind === 'movsx';
    return I(row.code, dst, usesSrc ? src : 0, off, imm);
  }

  /** A register reset to an edge value (mov imm, mov32 imm or ld_imm64). */
  reset(): Item {
    const d = this.reg();
    switch (this.r.int(3)) {
      case 0: return [I(0xb7, d, 0, 0, this.r.imm32())];
      case 1: return [I(0xb4, d, 0, 0, this.r.imm32())];
      default: return [...lddwInsns(d, this.r.u64())];
    }
  }

  /** An access of `size` bytes at a random in-bounds offset of [0, len) (aligned when asked). */
  private off(len: number, size: number, aligned: boolean): number {
    const n = len - size + 1;
    let o = this.r.int(n);
    if (aligned) o -= o % size;
    return o;
  }

  private sizeOf(row: OpcodeRow): number { return row.width / 8; }

  /** Memory or stack access. */
  mem(): Item {
    const stack = this.memReg < 0 || this.r.chance(0.35);
    const base = stack ? 10 : this.memReg;
    const len = stack ? this.stackInit : MEM_LEN;
    const bias = stack ? -this.stackInit : 0;
    const reg = this.reg();
    const k = this.r.int(10);
    // The kernel always requires aligned stack accesses; map values may be unaligned on x86.
    const al = stack;
    if (k <= 1) { const row = this.r.pick(LDX); return [I(row.code, reg, base, bias + this.off(len, this.sizeOf(row), al))]; }
    if (k === 2) { const row = this.r.pick(LDXSX); return [I(row.code, reg, base, bias + this.off(len, this.sizeOf(row), al))]; }
    if (k === 3) { const row = this.r.pick(STX); return [I(row.code, base, reg, bias + this.off(len, this.sizeOf(row), al))]; }
    if (k === 4) { const row = this.r.pick(ST); return [I(row.code, base, 0, bias + this.off(len, this.sizeOf(row), al), this.r.imm32())]; }
    if (k <= 7) {
      const row = this.r.pick(ATOMIC_RMW);
      return [I(row.code, base, reg, bias + this.off(len, this.sizeOf(row), true), row.op)];
    }
    if (k === 8) {
      const row = this.r.pick(ACQ_REL);
      const o = bias + this.off(len, this.sizeOf(row), true);
      return row.op === 0x100 ? [I(row.code, reg, base, o, row.op)] : [I(row.code, base, reg, o, row.op)];
    }
    // Pointer arithmetic on a copy of the base, access relative to it, then make the copy a scalar again.
    const t = this.r.pick(this.regs.filter((x) => x !== 0));
    const row = this.r.pick([...LDX, ...LDXSX]);
    const sz = this.sizeOf(row);
    const d = stack ? this.r.int(len / sz + 1) * sz : this.r.int(len + 1);
    const o = this.off(len, sz, al) - d + bias;
    const fix = this.r.chance(0.5) || stack ? I(0x07, t, 0, 0, d) : I(0x17, t, 0, 0, -d);
    const dst = this.r.pick(this.regs.filter((x) => x !== t));
    return [I(0xbf, t, base), fix, I(row.code, dst, t, o), I(0xb7, t, 0, 0, this.r.imm32())];
  }

  /** Straight-line body of n items with forward jumps over whole items. */
  items(n: number, memWeight = 0.3): Item[] {
    const body: Item[] = [];
    for (let i = 0; i < n; i++) {
      const x = this.r.next() / 2 ** 32;
      if (x < memWeight) body.push(this.mem());
      else if (x < memWeight + 0.08) body.push(this.reset());
      else body.push([this.alu()]);
    }
    return body;
  }

  /** Flattens items, inserting `jumps` forward jumps (cond / ja / gotol) over whole items. */
  flatten(body: Item[], jumps: number): Insn[] {
    const starts: number[] = [];
    const jmpAt = new Map<number, { insn: Insn; skip: number }>();
    for (let k = 0; k < jumps; k++) {
      const at = this.r.int(body.length + 1);
      const x = this.r.int(10);
      let insn: Insn;
      if (x < 8) {
        const row = this.r.pick(JMP_ROWS);
        insn = I(row.code, this.reg(), row.source === 'X' ? this.reg() : 0, 0, row.source === 'K' ? this.r.imm32() : 0);
      } else if (x === 8) insn = I(0x05);
      else insn = I(0x06); // gotol: offset in imm
      // An unconditional jump over code would leave it unreachable (check_cfg rejects that).
      jmpAt.set(at, { insn, skip: x < 8 ? this.r.int(4) : 0 });
    }
    let pos = 0;
    for (let i = 0; i <= body.length; i++) {
      if (jmpAt.has(i)) pos++;
      starts.push(pos);
      if (i < body.length) pos += body[i]!.length;
    }
    const out: Insn[] = [];
    for (let i = 0; i <= body.length; i++) {
      const j = jmpAt.get(i);
      if (j !== undefined) {
        const target = starts[Math.min(body.length, i + j.skip)]!;
        const rel = target - (starts[i]! - 1) - 1;
        out.push(j.insn.code === 0x06 ? { ...j.insn, imm: rel } : { ...j.insn, off: rel });
      }
      if (i < body.length) out.push(...body[i]!);
    }
    return out;
  }

  /** A bounded loop: counter register `ctr` from `iters` down to 0, body not touching it. */
  loop(ctr: number, iters: number, n: number): Insn[] {
    const saved = this.regs;
    this.regs = this.regs.filter((x) => x !== ctr);
    const body = this.flatten(this.items(n), this.r.int(2));
    this.regs = saved;
    const dec = this.r.chance(0.5) ? I(0x07, ctr, 0, 0, -1) : I(0x04, ctr, 0, 0, -1);
    const back = this.r.chance(0.5) ? I(0x55, ctr, 0, -(body.length + 2), 0) : I(0x56, ctr, 0, -(body.length + 2), 0);
    return [I(0xb7, ctr, 0, 0, iters), ...body, dec, back];
  }
}

/** A whole main program plus optional subprograms, as instruction slots. */
export interface GenProgram {
  insns: Insn[];
  /** Number of slots of the main subprogram (subprograms follow). */
  mainLen: number;
}

/** The kinds of program {@link genExecProgram} makes. */
export type ExecShape = 'straight' | 'loop' | 'call';

/**
 * A program the kernel should accept with `--flat map` (r1 = MEM_LEN bytes of map value).
 */
export function genExecProgram(r: Rand, shape: ExecShape): GenProgram {
  const g = new EbpfGen(r);
  const pre: Insn[] = [I(0xbf, MEM_REG, 1)];
  for (let o = -64; o < 0; o += 8) pre.push(I(0x7a, 10, 0, o, 0));
  for (const x of SCALARS) pre.push(...lddwInsns(x, r.u64()));
  const epi: Insn[] = [...[1, 2, 3, 4, 5, 6, 7, 8].map((x) => I(0xaf, 0, x)), I(0x95)];
  if (shape === 'straight') {
    const body = g.flatten(g.items(6 + r.int(30)), r.int(8));
    const insns = [...pre, ...body, ...epi];
    return { insns, mainLen: insns.length };
  }
  if (shape === 'loop') {
    const parts: Insn[] = [...g.flatten(g.items(r.int(6)), r.int(2))];
    parts.push(...g.loop(8, 1 + r.int(40), 2 + r.int(8)));
    if (r.chance(0.3)) parts.push(...g.loop(7, 1 + r.int(10), 2 + r.int(5)));
    parts.push(...g.flatten(g.items(r.int(6)), r.int(2)));
    const insns = [...pre, ...parts, ...epi];
    return { insns, mainLen: insns.length };
  }
  // Calls: main calls 1..2 subprograms; each takes r1..r5, uses its own stack and scalars r0..r5.
  const nsub = 1 + r.int(2);
  const subs: Insn[][] = [];
  for (let s = 0; s < nsub; s++) {
    const sg = new EbpfGen(r, { regs: [0, 1, 2, 3, 4, 5], memReg: -1, stackInit: 8 * (1 + r.int(4)) });
    const spre: Insn[] = [];
    for (let o = -sg.stackInit; o < 0; o += 8) spre.push(I(0x7b, 10, 1 + r.int(5), o));
    spre.push(I(0xb7, 0, 0, 0, r.imm32()));
    const sb = sg.flatten(sg.items(3 + r.int(10), 0.25), r.int(3));
    subs.push([...spre, ...sb, ...[1, 2, 3, 4, 5].map((x) => I(0xaf, 0, x)), I(0x95)]);
  }
  const main: Insn[][] = [];
  const ncall = nsub + r.int(2);
  const callSites: Array<{ at: number; sub: number }> = [];
  for (let c = 0; c < ncall; c++) {
    main.push(g.flatten(g.items(r.int(6)), r.int(2)));
    const acc = r.pick([6, 7, 8]);
    // call, keep r0 in a callee-saved register, re-initialise the clobbered r1..r5.
    const seg: Insn[] = [I(0x85, 0, 1, 0, 0), I(0xaf, acc, 0)];
    for (let x = 1; x <= 5; x++) seg.push(I(0xb7, x, 0, 0, r.imm32()));
    callSites.push({ at: main.flat().length, sub: c < nsub ? c : r.int(nsub) });
    main.push(seg);
  }
  main.push(g.flatten(g.items(r.int(6)), r.int(2)));
  const body = main.flat();
  const insnsMain = [...pre, ...body, ...epi];
  const subStart: number[] = [];
  let pos = insnsMain.length;
  for (const s of subs) { subStart.push(pos); pos += s.length; }
  for (const cs of callSites) {
    const pc = pre.length + cs.at;
    insnsMain[pc] = { ...insnsMain[pc]!, imm: subStart[cs.sub]! - pc - 1 };
  }
  return { insns: [...insnsMain, ...subs.flat()], mainLen: insnsMain.length };
}
