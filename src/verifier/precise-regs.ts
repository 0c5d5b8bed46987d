/**
 * Which registers' scalar values can still matter at each instruction — a
 * static, path-insensitive stand-in for the kernel's precision tracking
 * (kernel/bpf/verifier.c, Linux 6.18: mark_chain_precision / backtrack_insn,
 * and regsafe treating imprecise scalars as equal).
 *
 * A register is *needed* before an instruction when, on some path from there,
 * its value reaches a conditional jump, pointer arithmetic, a memory access
 * (as base, stored value or atomic operand), a helper argument, BPF_LD_[ABS|IND]
 * or the return value — directly or through ALU operations into such a
 * register. A scalar that is not needed cannot change any later safety check,
 * so two states that differ only in such scalars are equivalent for pruning.
 * Programs with bpf-to-bpf calls or function references get "all needed".
 */
import type { Program } from '../isa/insn.js';
import { AluOp, AtomicOp, CallSrc, Cls, PseudoSrc } from '../isa/opcodes.js';
import type { State } from './state.js';

const ALL = 0x7ff;
const bit = (r: number) => 1 << r;

/**
 * Per slot, the bit mask (bit r = register r) of registers whose value may
 * matter from that instruction on (all registers where unknown).
 */
export function neededRegs(p: Program): Uint16Array {
  const n = p.length;
  const need = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const r = p.rowAt(i);
    if ((r?.kind === 'call' && p.src[i] !== CallSrc.HELPER) || (r?.kind === 'lddw' && p.src[i] === PseudoSrc.FUNC)) {
      need.fill(ALL);
      return need;
    }
  }
  // Backward fixpoint over the control-flow graph.
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      const v = transfer(p, i, need);
      if ((v | need[i]!) !== need[i]) { need[i] = v | need[i]!; changed = true; }
    }
  }
  return need;
}

function transfer(p: Program, i: number, need: Uint16Array): number {
  const r = p.rowAt(i);
  if (r === undefined) return ALL;
  const n = p.length;
  const at = (t: number) => (t >= 0 && t < n ? need[t]! : 0);
  const dst = p.dst[i]!, src = p.src[i]!;
  if (dst > 10 || src > 10) return ALL;
  const out = r.kind === 'exit' ? 0 : r.kind === 'ja' ? at(i + 1 + (r.cls === Cls.JMP32 ? p.imm[i]! : p.off[i]!))
    : r.kind === 'jcond' ? at(i + 1) | at(i + 1 + p.off[i]!) : at(i + r.slots);
  const has = (x: number) => (out & bit(x)) !== 0;
  switch (r.kind) {
    case 'alu':
      if (r.op === AluOp.MOV) return r.source === 'X' ? (out & ~bit(dst)) | (has(dst) ? bit(src) : 0) : out & ~bit(dst);
      // Pointer arithmetic: both operands of += / -= may be a pointer and its offset.
      if (r.source === 'X' && (r.op === AluOp.ADD || r.op === AluOp.SUB)) return out | bit(src) | bit(dst);
      return r.source === 'X' && has(dst) ? out | bit(src) : out;
    case 'neg': case 'end': return out;
    case 'movsx': return (out & ~bit(dst)) | (has(dst) ? bit(src) : 0);
    case 'lddw': return out & ~bit(dst);
    case 'ldx': case 'ldxsx': return (out & ~bit(dst)) | bit(src);
    case 'st': return out | bit(dst);
    case 'stx': return out | bit(dst) | bit(src);
    case 'atomic': return out | bit(dst) | bit(src) | (p.imm[i] === AtomicOp.CMPXCHG ? bit(0) : 0);
    case 'ldabs': case 'ldind': return (out & ~0x3f) | bit(6) | (r.kind === 'ldind' ? bit(src) : 0);
    case 'ja': return out;
    case 'jcond': return out | bit(dst) | (r.source === 'X' ? bit(src) : 0);
    case 'call': return (out & ~0x3f) | 0x3e;
    case 'exit': return bit(0);
    case 'callx': return ALL;
  }
}

/**
 * `cur` with every scalar register outside `needed` replaced by the old
 * state's scalar in that register, for comparing against `old` (single frame).
 */
export function maskUnneeded(old: State, cur: State, needed: number): State {
  if (needed === ALL || cur.frames.length !== 1 || old.frames.length !== 1) return cur;
  const of = old.frames[0]!, cf = cur.frames[0]!;
  let regs: typeof cf.regs | undefined;
  for (let r = 0; r < 10; r++) {
    if (needed & bit(r)) continue;
    const o = of.regs[r]!, c = cf.regs[r]!;
    if (o.type !== 'scalar' || c.type !== 'scalar' || o.id || c.id) continue;
    regs ??= cf.regs.slice();
    regs[r] = o;
  }
  return regs ? { ...cur, frames: [{ ...cf, regs }] } : cur;
}
