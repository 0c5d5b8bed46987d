/**
 * Random valid eBPF programs for the JIT/interpreter differential tests:
 * straight-line ALU 32/64 (every operation, signed div/mod, movsx, byte
 * swaps, neg, ld_imm64), loads/stores/atomics on the stack, the memory
 * buffer and arbitrary registers (some fault), LD_ABS/LD_IND, forward
 * conditional jumps (JMP and JMP32) and `ja`, bounded loops on r9, helper
 * calls and bpf-to-bpf calls (acyclic, plus self-recursion that hits the
 * frame limit or the budget).
 *
 * Items are laid out after generation, so jump offsets always land on an
 * instruction boundary of the same function.
 */
import fc from 'fast-check';
import { AluOp, AtomicOp, CallSrc, Cls, JmpOp, Mode, Size, Src } from '../../../src/isa/opcodes.js';
import { encodeInsns, lddwInsns, type Insn } from '../../../src/isa/insn.js';

/** Id of the test helper registered by the differential tests. */
export const TEST_HELPER_ID = 200;

/** Registers the generated code writes (never r6 = memory base, r9 = loop counter, r10). */
const DREGS = [0, 1, 2, 3, 4, 5, 7, 8] as const;
/** Registers it reads. */
const SREGS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;

type Item =
  | { t: 'insn'; insns: Insn[] }
  | { t: 'jcond'; code: number; dst: number; src: number; imm: number; skip: number }
  | { t: 'ja'; skip: number; long: boolean }
  | { t: 'loop'; count: number; body: Item[] }
  | { t: 'call'; sub: number };

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

const int32 = fc.oneof(
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  fc.constantFrom(0, 1, -1, 2, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 0xffff, 0x10000),
  fc.integer({ min: -16, max: 16 }),
);
const dreg = fc.constantFrom(...DREGS);
const sreg = fc.constantFrom(...SREGS);

const ALU_OPS = [AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.DIV, AluOp.OR, AluOp.AND, AluOp.LSH, AluOp.RSH, AluOp.MOD, AluOp.XOR, AluOp.MOV, AluOp.ARSH];
const JMP_OPS = [JmpOp.JEQ, JmpOp.JGT, JmpOp.JGE, JmpOp.JSET, JmpOp.JNE, JmpOp.JSGT, JmpOp.JSGE, JmpOp.JLT, JmpOp.JLE, JmpOp.JSLT, JmpOp.JSLE];
const SIZES = [Size.B, Size.H, Size.W, Size.DW];

const alu: fc.Arbitrary<Item> = fc.record({
  is64: fc.boolean(), op: fc.constantFrom(...ALU_OPS), x: fc.boolean(), dst: dreg, src: sreg, imm: int32, signed: fc.boolean(),
}).map(({ is64, op, x, dst, src, imm, signed }) => {
  const off = (op === AluOp.DIV || op === AluOp.MOD) && signed ? 1 : 0;
  return { t: 'insn', insns: [I(op | (x ? Src.X : Src.K) | (is64 ? Cls.ALU64 : Cls.ALU), dst, x ? src : 0, off, x ? 0 : imm)] };
});

const misc: fc.Arbitrary<Item> = fc.oneof(
  fc.record({ is64: fc.boolean(), dst: dreg }).map(({ is64, dst }): Item => ({ t: 'insn', insns: [I(AluOp.NEG | (is64 ? Cls.ALU64 : Cls.ALU), dst)] })),
  fc.record({ is64: fc.boolean(), w: fc.constantFrom(8, 16, 32), dst: dreg, src: sreg }).map(({ is64, w, dst, src }): Item => ({
    t: 'insn', insns: [I(AluOp.MOV | Src.X | (is64 ? Cls.ALU64 : Cls.ALU), dst, src, is64 ? w : w === 32 ? 16 : w)],
  })),
  fc.record({ kind: fc.constantFrom(0, 1, 2), w: fc.constantFrom(16, 32, 64), dst: dreg }).map(({ kind, w, dst }): Item => ({
    t: 'insn', insns: [I(AluOp.END | (kind === 1 ? Src.X : Src.K) | (kind === 2 ? Cls.ALU64 : Cls.ALU), dst, 0, 0, w)],
  })),
  fc.record({ dst: dreg, v: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }).map(({ dst, v }): Item => ({ t: 'insn', insns: [...lddwInsns(dst, v)] })),
);

/** Base register of a memory access: the memory buffer (r6), the stack (r10) or any data register. */
const access = fc.oneof(
  { weight: 4, arbitrary: fc.record({ base: fc.constant(6), off: fc.integer({ min: -8, max: 72 }) }) },
  { weight: 4, arbitrary: fc.record({ base: fc.constant(10), off: fc.integer({ min: -520, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ base: dreg, off: fc.integer({ min: -16, max: 16 }) }) },
);

const mem: fc.Arbitrary<Item> = fc.oneof(
  fc.record({ a: access, size: fc.constantFrom(...SIZES), sx: fc.boolean(), dst: dreg }).map(({ a, size, sx, dst }): Item => ({
    t: 'insn', insns: [I((sx && size !== Size.DW ? Mode.MEMSX : Mode.MEM) | size | Cls.LDX, dst, a.base, a.off)],
  })),
  fc.record({ a: access, size: fc.constantFrom(...SIZES), src: sreg }).map(({ a, size, src }): Item => ({
    t: 'insn', insns: [I(Mode.MEM | size | Cls.STX, a.base, src, a.off)],
  })),
  fc.record({ a: access, size: fc.constantFrom(...SIZES), imm: int32 }).map(({ a, size, imm }): Item => ({
    t: 'insn', insns: [I(Mode.MEM | size | Cls.ST, a.base, 0, a.off, imm)],
  })),
  fc.record({
    a: access, size: fc.constantFrom(Size.W, Size.DW), src: dreg,
    op: fc.constantFrom(AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR, AtomicOp.ADD | AtomicOp.FETCH, AtomicOp.OR | AtomicOp.FETCH,
      AtomicOp.AND | AtomicOp.FETCH, AtomicOp.XOR | AtomicOp.FETCH, AtomicOp.XCHG, AtomicOp.CMPXCHG),
  }).map(({ a, size, src, op }): Item => ({ t: 'insn', insns: [I(Mode.ATOMIC | size | Cls.STX, a.base, src, a.off, op)] })),
  fc.record({ ind: fc.boolean(), size: fc.constantFrom(Size.B, Size.H, Size.W), src: sreg, imm: fc.integer({ min: -4, max: 70 }) }).map(({ ind, size, src, imm }): Item => ({
    t: 'insn', insns: [I((ind ? Mode.IND : Mode.ABS) | size | Cls.LD, 0, ind ? src : 0, 0, imm)],
  })),
);

const helper: fc.Arbitrary<Item> = fc.constant({ t: 'insn', insns: [I(JmpOp.CALL | Cls.JMP, 0, CallSrc.HELPER, 0, TEST_HELPER_ID)] });

/** Straight-line items (no control flow but calls). */
function straight(subs: number): fc.Arbitrary<Item> {
  const arbs: fc.WeightedArbitrary<Item>[] = [
    { weight: 8, arbitrary: alu }, { weight: 3, arbitrary: misc }, { weight: 5, arbitrary: mem }, { weight: 1, arbitrary: helper },
  ];
  if (subs > 0) arbs.push({ weight: 1, arbitrary: fc.integer({ min: 0, max: subs - 1 }).map((sub): Item => ({ t: 'call', sub })) });
  return fc.oneof(...arbs);
}

function body(subs: number): fc.Arbitrary<Item[]> {
  const jcond = fc.record({
    op: fc.constantFrom(...JMP_OPS), j32: fc.boolean(), x: fc.boolean(), dst: sreg, src: sreg, imm: int32, skip: fc.integer({ min: 0, max: 6 }),
  }).map(({ op, j32, x, dst, src, imm, skip }): Item => ({
    t: 'jcond', code: op | (x ? Src.X : Src.K) | (j32 ? Cls.JMP32 : Cls.JMP), dst, src: x ? src : 0, imm: x ? 0 : imm, skip,
  }));
  const ja = fc.record({ skip: fc.integer({ min: 0, max: 4 }), long: fc.boolean() }).map(({ skip, long }): Item => ({ t: 'ja', skip, long }));
  const loop = fc.record({ count: fc.integer({ min: 1, max: 12 }), body: fc.array(straight(subs), { minLength: 1, maxLength: 6 }) })
    .map(({ count, body: b }): Item => ({ t: 'loop', count, body: b }));
  return fc.array(fc.oneof(
    { weight: 10, arbitrary: straight(subs) }, { weight: 3, arbitrary: jcond }, { weight: 1, arbitrary: ja }, { weight: 2, arbitrary: loop },
  ), { maxLength: 24 });
}

/** A generated program: main, then subprograms; subprogram i calls only subprograms > i, or itself when `recursive`. */
export interface GenProgram {
  readonly main: Item[];
  readonly subs: Item[][];
}

/** Arbitrary programs with up to three subprograms. */
export const genProgram: fc.Arbitrary<GenProgram> = fc.integer({ min: 0, max: 3 }).chain((nsubs) =>
  fc.record({
    main: body(nsubs),
    subs: fc.tuple(...Array.from({ length: nsubs }, (_, i) => body(nsubs).map((items) => items.map((it) => fixCall(it, i, nsubs))))),
  }).map(({ main, subs }) => ({ main, subs: subs as Item[][] })));

/** Calls from subprogram `i` go to a later one (or to itself, rarely: recursion). */
function fixCall(it: Item, i: number, n: number): Item {
  if (it.t === 'call') {
    if (it.sub === i && (i * 7 + n) % 3 === 0) return it; // some self-recursion
    return it.sub > i ? it : { t: 'insn', insns: [I(AluOp.MOV | Cls.ALU64, 0, 0, 0, i)] };
  }
  if (it.t === 'loop') return { ...it, body: it.body.map((b) => fixCall(b, i, n)) };
  return it;
}

interface Pending { slot: number; targetItem: number }

/** Lays a generated program out as instruction bytes. */
export function layout(g: GenProgram): Uint8Array {
  const out: Insn[] = [I(AluOp.MOV | Src.X | Cls.ALU64, 6, 1)];
  const subStart: number[] = [];
  const calls: { slot: number; sub: number }[] = [];
  const fns = [g.main, ...g.subs];
  fns.forEach((items, f) => {
    if (f > 0) subStart[f - 1] = out.length;
    const itemSlot: number[] = [];
    const pend: Pending[] = [];
    items.forEach((it, k) => {
      itemSlot[k] = out.length;
      emitItem(it, out, calls, (slot) => pend.push({ slot, targetItem: Math.min(items.length, k + 1 + skipOf(it)) }));
    });
    itemSlot[items.length] = out.length;
    out.push(I(JmpOp.EXIT | Cls.JMP));
    for (const p of pend) {
      const off = itemSlot[p.targetItem]! - p.slot - 1;
      const insn = out[p.slot]!;
      if (insn.code === (JmpOp.JA | Cls.JMP32)) out[p.slot] = { ...insn, imm: off };
      else out[p.slot] = { ...insn, off };
    }
  });
  for (const c of calls) out[c.slot] = { ...out[c.slot]!, imm: subStart[c.sub]! - c.slot - 1 };
  return encodeInsns(out);
}

function skipOf(it: Item): number {
  return it.t === 'jcond' || it.t === 'ja' ? it.skip : 0;
}

function emitItem(it: Item, out: Insn[], calls: { slot: number; sub: number }[], jump: (slot: number) => void): void {
  switch (it.t) {
    case 'insn': out.push(...it.insns); break;
    case 'call': calls.push({ slot: out.length, sub: it.sub }); out.push(I(JmpOp.CALL | Cls.JMP, 0, CallSrc.PSEUDO_CALL)); break;
    case 'jcond': jump(out.length); out.push(I(it.code, it.dst, it.src, 0, it.imm)); break;
    case 'ja': jump(out.length); out.push(I(it.long ? JmpOp.JA | Cls.JMP32 : JmpOp.JA | Cls.JMP)); break;
    case 'loop': {
      out.push(I(AluOp.MOV | Cls.ALU64, 9, 0, 0, it.count));
      const start = out.length;
      for (const b of it.body) emitItem(b, out, calls, jump);
      out.push(I(AluOp.ADD | Cls.ALU64, 9, 0, 0, -1));
      out.push(I(JmpOp.JNE | Cls.JMP, 9, 0, start - out.length - 1, 0));
      break;
    }
  }
}
