/**
 * Kernel-differential harness for the scalar domain.
 *
 * Generates short straight-line programs over three unknown 64-bit scalars
 * (r6, r7, r8 from bpf_ktime_get_ns), with random ALU operations, byte swaps,
 * sign-extending moves and conditional jumps whose taken side leaves through a
 * private `r0 = 0; exit` stub. The kernel (koracle ebpf-load, log level 2)
 * prints the written registers after every instruction and the full state at
 * the start of every popped branch ("from X to Y: ..."); the harness replays
 * the same program on the scalar module and compares formatScalar with each
 * printed register.
 */
import fc from 'fast-check';
import { koracleBatch } from '../../support/koracle.js';
import {
  type AluOpName, type CondOp, type Scalar, aluFork, formatScalar, isBranchTaken, refineBranchRaw, scalarAlu,
  scalarConst, scalarEndian, scalarMovsx, scalarUnknown,
} from '../../../src/verifier/scalar/index.js';

/** One generated instruction, in a form both the encoder and the model read. */
export type GenInsn =
  | { k: 'alu'; op: AluOpName; is64: boolean; dst: number; src: number | null; imm: number }
  | { k: 'end'; kind: 'le' | 'be' | 'bswap'; bits: 16 | 32 | 64; dst: number }
  | { k: 'movsx'; is64: boolean; size: 1 | 2 | 4; dst: number; src: number }
  | { k: 'jmp'; op: CondOp; is32: boolean; dst: number; src: number | null; imm: number };

const ALU_CODE: Record<AluOpName, number> = {
  add: 0x00, sub: 0x10, mul: 0x20, div: 0x30, sdiv: 0x30, or: 0x40, and: 0x50, lsh: 0x60, rsh: 0x70, neg: 0x80,
  mod: 0x90, smod: 0x90, xor: 0xa0, mov: 0xb0, arsh: 0xc0,
};
const JMP_CODE: Record<CondOp, number> = {
  jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40, jne: 0x50, jsgt: 0x60, jsge: 0x70, jlt: 0xa0, jle: 0xb0,
  jslt: 0xc0, jsle: 0xd0,
};

function insnHex(code: number, dst: number, src: number, off: number, imm: number): string {
  const b = Buffer.alloc(8);
  b[0] = code;
  b[1] = (dst & 0xf) | ((src & 0xf) << 4);
  b.writeInt16LE(off, 2);
  b.writeInt32LE(imm | 0, 4);
  return b.toString('hex');
}

/** Fixed prologue: r6, r7, r8 = three unknown 64-bit values without scalar ids. */
const PROLOGUE: string[] = [6, 7, 8].flatMap((r) => [
  insnHex(0x85, 0, 0, 0, 5), // call bpf_ktime_get_ns
  insnHex(0xbf, r, 0, 0, 0), // rN = r0
  insnHex(0xa7, r, 0, 0, 0), // rN ^= 0 (drops the id shared with r0)
]);
/** Index of the first generated instruction. */
export const BODY_START = PROLOGUE.length;

/** Encodes the program: prologue, body, `r0 = 0; exit`, then one exit stub per jump. */
export function encodeProgram(body: readonly GenInsn[]): string {
  const out = [...PROLOGUE];
  const n = body.length;
  const jumps = body.map((ins, i) => (ins.k === 'jmp' ? i : -1)).filter((i) => i >= 0);
  const stubAt = new Map<number, number>();
  jumps.forEach((i, j) => stubAt.set(i, BODY_START + n + 2 + 2 * j));
  body.forEach((ins, i) => {
    const pc = BODY_START + i;
    switch (ins.k) {
      case 'alu': {
        const cls = ins.is64 ? 0x07 : 0x04;
        const srcBit = ins.src === null ? 0 : 0x08;
        const off = ins.op === 'sdiv' || ins.op === 'smod' ? 1 : 0;
        out.push(insnHex(cls | srcBit | ALU_CODE[ins.op], ins.dst, ins.src ?? 0, off, ins.src === null ? ins.imm : 0));
        break;
      }
      case 'end': {
        const code = ins.kind === 'bswap' ? 0xd7 : ins.kind === 'le' ? 0xd4 : 0xdc;
        out.push(insnHex(code, ins.dst, 0, 0, ins.bits));
        break;
      }
      case 'movsx':
        out.push(insnHex(ins.is64 ? 0xbf : 0xbc, ins.dst, ins.src, ins.size * 8, 0));
        break;
      case 'jmp': {
        const cls = ins.is32 ? 0x06 : 0x05;
        const srcBit = ins.src === null ? 0 : 0x08;
        const off = stubAt.get(i)! - (pc + 1);
        out.push(insnHex(cls | srcBit | JMP_CODE[ins.op], ins.dst, ins.src ?? 0, off, ins.src === null ? ins.imm : 0));
        break;
      }
    }
  });
  out.push(insnHex(0xb7, 0, 0, 0, 0), insnHex(0x95, 0, 0, 0, 0));
  for (let j = 0; j < jumps.length; j++) out.push(insnHex(0xb7, 0, 0, 0, 0), insnHex(0x95, 0, 0, 0, 0));
  return out.join('');
}

/** One expected register rendering: at `pc` (after the insn) or at the start of branch `from`. */
export interface Expectation {
  where: string;
  reg: number;
  text: string;
  insn: string;
}

/** Model run: the expected renderings, and where the model stops (decided jump). */
export interface ModelRun {
  after: Map<number, Map<number, string>>;
  branch: Map<number, Map<number, string>>;
  /** Model's decision per jump pc: 1, 0 or -1. */
  decided: Map<number, number>;
  /** Last pc the model executed on the main path. */
  lastPc: number;
  /** Registers at the end of the main path. */
  regs: Scalar[];
}

/** Replays `body` on the scalar module. */
export function runModel(body: readonly GenInsn[]): ModelRun {
  const regs: Scalar[] = [];
  regs[6] = regs[7] = regs[8] = scalarUnknown();
  const after = new Map<number, Map<number, string>>();
  const branch = new Map<number, Map<number, string>>();
  const decided = new Map<number, number>();
  let lastPc = BODY_START - 1;
  for (let i = 0; i < body.length; i++) {
    const ins = body[i]!;
    const pc = BODY_START + i;
    lastPc = pc;
    const shown = new Map<number, string>();
    if (ins.k === 'alu') {
      const src = ins.src === null ? scalarConst(BigInt(ins.imm)) : regs[ins.src]!;
      regs[ins.dst] = scalarAlu(ins.op, ins.is64, regs[ins.dst]!, ins.op === 'neg' ? regs[ins.dst]! : src);
      shown.set(ins.dst, formatScalar(regs[ins.dst]!));
    } else if (ins.k === 'end') {
      regs[ins.dst] = scalarEndian(ins.kind, ins.bits, regs[ins.dst]!);
      shown.set(ins.dst, formatScalar(regs[ins.dst]!));
    } else if (ins.k === 'movsx') {
      regs[ins.dst] = scalarMovsx(ins.is64, ins.size, regs[ins.src]!);
      shown.set(ins.dst, formatScalar(regs[ins.dst]!));
    } else {
      const b = ins.src === null ? scalarConst(BigInt(ins.imm)) : regs[ins.src]!;
      const a = regs[ins.dst]!;
      const d = isBranchTaken(ins.op, ins.is32, a, b);
      decided.set(pc, d);
      if (d === 1) {
        after.set(pc, shown);
        break;
      }
      if (d === -1) {
        const same = ins.src === ins.dst;
        const [ta, tb] = refineBranchRaw(ins.op, ins.is32, a, b, true, same);
        const [fa, fb] = refineBranchRaw(ins.op, ins.is32, a, b, false, same);
        const bm = new Map<number, string>([[ins.dst, formatScalar(ta)]]);
        if (ins.src !== null) bm.set(ins.src, formatScalar(tb));
        branch.set(pc, bm);
        if (ins.src !== null) regs[ins.src] = fb;
        regs[ins.dst] = fa;
        if (ins.src !== null) shown.set(ins.src, formatScalar(fb));
        shown.set(ins.dst, formatScalar(fa));
      }
    }
    after.set(pc, shown);
  }
  return { after, branch, decided, lastPc, regs };
}

/** Removes `id=N` / `id=N+D` (scalar ids are the verifier's, not the domain's). */
function stripId(t: string): string {
  return t.replace(/id=\d+(?:[+-]\d+)?/, '').replace('(,', '(').replace(',)', ')');
}

/** Registers printed in a kernel log state fragment (`R6=scalar(...) R7=5 ...`). */
function parseRegs(text: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const tok of text.trim().split(/\s+(?=R\d+(?:_\w+)?=)/)) {
    const r = /^R(\d+)(?:_[rwD]+)?=(.*)$/.exec(tok);
    if (r) m.set(Number(r[1]), stripId(r[2]!.replace(/^P/, '')));
  }
  return m;
}

/** What the kernel printed: per pc after the insn, per jump pc at its branch start. */
export interface KernelRun {
  after: Map<number, Map<number, string>>;
  branch: Map<number, Map<number, string>>;
  insnText: Map<number, string>;
}

/** Parses a level-2 verifier log (only the first visit of every pc counts). */
export function parseLog(log: string): KernelRun {
  const after = new Map<number, Map<number, string>>();
  const branch = new Map<number, Map<number, string>>();
  const insnText = new Map<number, string>();
  for (const line of log.split('\n')) {
    const f = /^from (\d+) to (\d+): (.*)$/.exec(line);
    if (f) {
      branch.set(Number(f[1]), parseRegs(f[3]!));
      continue;
    }
    const a = /^(\d+): \(([0-9a-f]{2})\) ([^;]*?)\s*(?:; (.*))?$/.exec(line);
    if (a) {
      const pc = Number(a[1]);
      if (!after.has(pc)) {
        after.set(pc, parseRegs(a[4] ?? ''));
        insnText.set(pc, a[3]!);
      }
    }
  }
  return { after, branch, insnText };
}

/** One disagreement between model and kernel. */
export interface Mismatch {
  pc: number;
  where: 'after' | 'branch' | 'decision';
  insn: string;
  reg: number;
  kernel: string;
  model: string;
}

/** Compares a model run with a kernel log; returns [compared register count, mismatches]. */
export function compare(body: readonly GenInsn[], model: ModelRun, kernel: KernelRun): [number, Mismatch[]] {
  const mism: Mismatch[] = [];
  let compared = 0;
  for (let i = 0; i < body.length; i++) {
    const pc = BODY_START + i;
    if (pc > model.lastPc) break;
    const insn = kernel.insnText.get(pc) ?? '?';
    const ins = body[i]!;
    if (ins.k === 'jmp') {
      const md = model.decided.get(pc)!;
      // kernel: undecided -> pushed branch; always taken -> fallthrough never visited.
      const kd = kernel.branch.has(pc) ? -1 : kernel.after.has(pc + 1) ? 0 : 1;
      if (md !== kd) {
        mism.push({ pc, where: 'decision', insn, reg: -1, kernel: String(kd), model: String(md) });
        break;
      }
      const mb = model.branch.get(pc);
      const kb = kernel.branch.get(pc);
      if (mb && kb) {
        for (const [reg, text] of mb) {
          const kt = kb.get(reg);
          if (kt === undefined) continue;
          compared++;
          if (kt !== text) mism.push({ pc, where: 'branch', insn, reg, kernel: kt, model: text });
        }
      }
    }
    const ma = model.after.get(pc);
    const ka = kernel.after.get(pc);
    if (ma && ka) {
      for (const [reg, text] of ma) {
        const kt = ka.get(reg);
        if (kt === undefined) continue;
        compared++;
        if (kt !== text) mism.push({ pc, where: 'after', insn, reg, kernel: kt, model: text });
      }
    }
  }
  return [compared, mism];
}

const REGS = [6, 7, 8];
const interestingImm = fc.oneof(
  fc.integer({ min: -4, max: 20 }),
  fc.constantFrom(0xff, 0xffff, 0x7fffffff, -0x80000000, 0x80, 0x7f, 0x1000, 0xf0, 0xff0, -256, 0x3f, 63, 32),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);
const ALU_NOSHIFT: AluOpName[] = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'and', 'and', 'add'];

const genAlu: fc.Arbitrary<GenInsn> = fc.record({
  op: fc.constantFrom<AluOpName>(...ALU_NOSHIFT, 'lsh', 'rsh', 'arsh', 'neg', 'div', 'mod', 'sdiv', 'smod', 'mov'),
  is64: fc.boolean(),
  dst: fc.constantFrom(...REGS),
  useReg: fc.integer({ min: 0, max: 3 }),
  src: fc.constantFrom(...REGS),
  imm: interestingImm,
  sh: fc.integer({ min: 0, max: 63 }),
}).map(({ op, is64, dst, useReg, src, imm, sh }): GenInsn => {
  if (op === 'neg') return { k: 'alu', op, is64, dst, src: null, imm: 0 };
  if (op === 'lsh' || op === 'rsh' || op === 'arsh') {
    if (useReg === 0) return { k: 'alu', op, is64, dst, src, imm: 0 };
    return { k: 'alu', op, is64, dst, src: null, imm: is64 ? sh : sh & 31 };
  }
  if (op === 'mov') return { k: 'alu', op, is64, dst, src: useReg === 0 ? src : null, imm };
  if (op === 'div' || op === 'mod' || op === 'sdiv' || op === 'smod') {
    if (useReg === 0 && src !== dst) return { k: 'alu', op, is64, dst, src, imm: 0 };
    return { k: 'alu', op, is64, dst, src: null, imm: imm === 0 ? 3 : imm };
  }
  if (useReg === 0) return { k: 'alu', op, is64, dst, src, imm: 0 };
  return { k: 'alu', op, is64, dst, src: null, imm };
});

const genEnd: fc.Arbitrary<GenInsn> = fc.record({
  kind: fc.constantFrom<'le' | 'be' | 'bswap'>('le', 'be', 'bswap'),
  bits: fc.constantFrom<16 | 32 | 64>(16, 32, 64),
  dst: fc.constantFrom(...REGS),
}).map(({ kind, bits, dst }) => ({ k: 'end' as const, kind, bits, dst }));

const genMovsx: fc.Arbitrary<GenInsn> = fc.record({
  is64: fc.boolean(),
  size: fc.constantFrom<1 | 2 | 4>(1, 2, 4),
  dst: fc.constantFrom(...REGS),
  src: fc.constantFrom(...REGS),
}).map(({ is64, size, dst, src }) => ({ k: 'movsx' as const, is64, size: is64 ? size : size === 4 ? 2 : size, dst, src }));

const genJmp: fc.Arbitrary<GenInsn> = fc.record({
  op: fc.constantFrom<CondOp>('jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'),
  is32: fc.boolean(),
  dst: fc.constantFrom(...REGS),
  useReg: fc.integer({ min: 0, max: 3 }),
  src: fc.constantFrom(...REGS),
  imm: interestingImm,
}).map(({ op, is32, dst, useReg, src, imm }): GenInsn =>
  ({ k: 'jmp', op, is32, dst, src: useReg === 0 ? src : null, imm }));

/** Random program bodies of 1..maxLen instructions. */
export function genBody(maxLen: number): fc.Arbitrary<GenInsn[]> {
  return fc.array(fc.oneof(
    { arbitrary: genAlu, weight: 6 },
    { arbitrary: genJmp, weight: 3 },
    { arbitrary: genEnd, weight: 1 },
    { arbitrary: genMovsx, weight: 1 },
  ), { minLength: 1, maxLength: maxLen });
}

/**
 * For about a quarter of the K-form jumps (chosen by the immediate's low bits)
 * the immediate becomes an edge of the current model state of dst (a bound,
 * or a bound +- 1, where it fits in s32): the boundary cases of the
 * refinements (e.g. `!=` on umin) are otherwise rare.
 */
function edgeImm(ins: GenInsn, before: GenInsn[]): GenInsn {
  if (ins.k !== 'jmp' || ins.src !== null || (ins.imm & 3) !== 0) return ins;
  const r = runModel(before).regs[ins.dst]!;
  const pick = (ins.imm >>> 2) % 12;
  const base = [r.umin, r.umax, r.smin, r.smax, r.u32min, r.u32max, r.s32min, r.s32max][pick % 8]!;
  const v = BigInt.asIntN(64, base + (pick >= 8 ? (pick % 2 ? 1n : -1n) : 0n));
  const imm = v >= -(1n << 31n) && v < 1n << 31n ? Number(v) : Number(BigInt.asIntN(32, v));
  return { ...ins, imm };
}

/**
 * Cuts the body before what the harness cannot follow: 'and'/'or' with a
 * constant on a value in [-1, 0] (the kernel forks the path there, see
 * aluFork; checked by a dedicated test) and anything after a jump the model
 * decides as always taken. A sign-extending move between two registers (which
 * may link them by id) is followed by `dst ^= 0`, which drops the link.
 */
export function sanitize(body: readonly GenInsn[]): GenInsn[] {
  const out: GenInsn[] = [];
  for (const ins of body) {
    if (ins.k === 'alu' && ins.op === 'mov' && ins.src !== null && ins.src !== ins.dst) {
      out.push(ins, { k: 'alu', op: 'xor', is64: true, dst: ins.dst, src: null, imm: 0 });
      continue;
    }
    if (ins.k === 'movsx' && ins.src !== ins.dst) {
      // the move may link dst to src by id; `dst ^= 0` right after unlinks them
      out.push(ins, { k: 'alu', op: 'xor', is64: true, dst: ins.dst, src: null, imm: 0 });
      continue;
    }
    if (ins.k === 'alu' && (ins.op === 'and' || ins.op === 'or')) {
      const regs = runModel(out).regs;
      const src = ins.src === null ? scalarConst(BigInt(ins.imm)) : regs[ins.src]!;
      if (aluFork(ins.op, regs[ins.dst]!, src) !== null) break;
    }
    out.push(edgeImm(ins, out));
    if (ins.k === 'jmp' && runModel(out).decided.get(BODY_START + out.length - 1) === 1) break;
  }
  return out;
}

/** Generates `n` programs (seed), runs them through the kernel and the model, compares. */
export function runKernelDiff(n: number, seed: number, maxLen: number): { compared: number; mismatches: (Mismatch & { prog: string })[]; cases: number } {
  const bodies = fc.sample(genBody(maxLen), { numRuns: n, seed }).map(sanitize).filter((b) => b.length > 0);
  const progs = bodies.map(encodeProgram);
  const res = koracleBatch('ebpf-load', progs.map((prog) => ({ prog, log_level: 2 })));
  let compared = 0;
  const mismatches: (Mismatch & { prog: string })[] = [];
  bodies.forEach((body, i) => {
    const r = res[i]!;
    if (r.status !== 'accepted') {
      mismatches.push({ pc: -1, where: 'decision', insn: `kernel ${r.status}: ${String(r.log ?? r.error).slice(-300)}`, reg: -1, kernel: '', model: '', prog: progs[i]! });
      return;
    }
    const [c, m] = compare(body, runModel(body), parseLog(String(r.log)));
    compared += c;
    for (const x of m) mismatches.push({ ...x, prog: progs[i]! });
  });
  return { compared, mismatches, cases: bodies.length };
}

