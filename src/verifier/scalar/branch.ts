/**
 * Conditional jumps on two scalars, after Linux 6.18 kernel/bpf/verifier.c:
 * `is_scalar_branch_taken` (is the outcome decided?) and `reg_set_min_max` /
 * `regs_refine_cond_op` (what does each outcome teach about both operands?),
 * with `rev_opcode` / `flip_opcode`.
 *
 * For a BPF_K comparison the kernel compares against a fake register holding
 * the sign-extended immediate: pass `scalarConst(BigInt(imm))` as `b`.
 */
import {
  type MutScalar, type Scalar, boundsSyncInPlace, freeze, isRegConst, markUnbounded, mut,
  regConstValue, sanitizeInPlace, scalarIsEmpty,
} from './bounds.js';
import {
  tnumAnd, tnumConst, tnumIntersect, tnumIsConst, tnumOr, tnumOverlap, tnumSubreg, tnumWithSubreg,
} from './tnum.js';
import { isPowerOf2, max, min, s32, s64, u32, u64 } from './u64.js';

/** Conditional jump operations (BPF_JMP / BPF_JMP32 ops other than ja/call/exit). */
export type CondOp = 'jeq' | 'jne' | 'jgt' | 'jge' | 'jlt' | 'jle' | 'jsgt' | 'jsge' | 'jslt' | 'jsle' | 'jset';

/** Every `CondOp`. */
export const COND_OPS: readonly CondOp[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'];

/** Internal: 'jnset' is the kernel's BPF_JSET | BPF_X, the negation of jset. */
type RefOp = CondOp | 'jnset';

/** The op whose outcome is the negation of `op` (rev_opcode). */
export function revOpcode(op: CondOp): CondOp | 'jnset' {
  switch (op) {
    case 'jeq': return 'jne';
    case 'jne': return 'jeq';
    case 'jset': return 'jnset';
    case 'jgt': return 'jle';
    case 'jge': return 'jlt';
    case 'jlt': return 'jge';
    case 'jle': return 'jgt';
    case 'jsgt': return 'jsle';
    case 'jsge': return 'jslt';
    case 'jslt': return 'jsge';
    case 'jsle': return 'jsgt';
  }
}

/** The op with operands exchanged (flip_opcode): a < b  <=>  b > a. */
export function flipOpcode(op: CondOp): CondOp {
  switch (op) {
    case 'jgt': return 'jlt';
    case 'jlt': return 'jgt';
    case 'jge': return 'jle';
    case 'jle': return 'jge';
    case 'jsgt': return 'jslt';
    case 'jslt': return 'jsgt';
    case 'jsge': return 'jsle';
    case 'jsle': return 'jsge';
    default: return op;
  }
}

/**
 * is_scalar_branch_taken: 1 where `a op b` holds for every pair of members,
 * 0 where it holds for none, -1 where both outcomes remain possible (as far
 * as the kernel can tell). `is32` compares the low 32 bits (BPF_JMP32).
 */
export function isBranchTaken(op: CondOp, is32: boolean, a: Scalar, b: Scalar): 1 | 0 | -1 {
  let r1 = a;
  let r2 = b;
  let t1 = is32 ? tnumSubreg(a.var_off) : a.var_off;
  let t2 = is32 ? tnumSubreg(b.var_off) : b.var_off;
  const umin1 = is32 ? a.u32min : a.umin;
  const umax1 = is32 ? a.u32max : a.umax;
  const umin2 = is32 ? b.u32min : b.umin;
  const umax2 = is32 ? b.u32max : b.umax;
  const smin1 = is32 ? a.s32min : a.smin;
  const smax1 = is32 ? a.s32max : a.smax;
  const smin2 = is32 ? b.s32min : b.smin;
  const smax2 = is32 ? b.s32max : b.smax;
  switch (op) {
    case 'jeq':
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.value === t2.value ? 1 : 0;
      if (!tnumOverlap(t1, t2)) return 0;
      if (umin1 > umax2 || umax1 < umin2) return 0;
      if (smin1 > smax2 || smax1 < smin2) return 0;
      if (!is32) {
        if (a.u32min > b.u32max || a.u32max < b.u32min) return 0;
        if (a.s32min > b.s32max || a.s32max < b.s32min) return 0;
      }
      break;
    case 'jne':
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.value !== t2.value ? 1 : 0;
      if (!tnumOverlap(t1, t2)) return 1;
      if (umin1 > umax2 || umax1 < umin2) return 1;
      if (smin1 > smax2 || smax1 < smin2) return 1;
      if (!is32) {
        if (a.u32min > b.u32max || a.u32max < b.u32min) return 1;
        if (a.s32min > b.s32max || a.s32max < b.s32min) return 1;
      }
      break;
    case 'jset':
      if (!isRegConst(r2, is32)) {
        [r1, r2] = [r2, r1];
        [t1, t2] = [t2, t1];
      }
      if (!isRegConst(r2, is32)) return -1;
      if (~t1.mask & t1.value & t2.value) return 1;
      if (!((t1.mask | t1.value) & t2.value)) return 0;
      break;
    case 'jgt':
      if (umin1 > umax2) return 1;
      if (umax1 <= umin2) return 0;
      break;
    case 'jsgt':
      if (smin1 > smax2) return 1;
      if (smax1 <= smin2) return 0;
      break;
    case 'jlt':
      if (umax1 < umin2) return 1;
      if (umin1 >= umax2) return 0;
      break;
    case 'jslt':
      if (smax1 < smin2) return 1;
      if (smin1 >= smax2) return 0;
      break;
    case 'jge':
      if (umin1 >= umax2) return 1;
      if (umax1 < umin2) return 0;
      break;
    case 'jsge':
      if (smin1 >= smax2) return 1;
      if (smax1 < smin2) return 0;
      break;
    case 'jle':
      if (umax1 <= umin2) return 1;
      if (umin1 > umax2) return 0;
      break;
    case 'jsle':
      if (smax1 <= smin2) return 1;
      if (smin1 > smax2) return 0;
      break;
  }
  return -1;
}

/** regs_refine_cond_op on two working copies, in place (C wrap-around kept). */
function refineCondOp(x: MutScalar, y: MutScalar, op: RefOp, is32: boolean): void {
  let r1 = x;
  let r2 = y;
  switch (op) {
    case 'jgt': case 'jge': case 'jsgt': case 'jsge':
      refineCondOp(y, x, flipOpcode(op), is32);
      return;
    case 'jeq':
      if (is32) {
        r1.u32min = max(r1.u32min, r2.u32min);
        r1.u32max = min(r1.u32max, r2.u32max);
        r1.s32min = max(r1.s32min, r2.s32min);
        r1.s32max = min(r1.s32max, r2.s32max);
        r2.u32min = r1.u32min;
        r2.u32max = r1.u32max;
        r2.s32min = r1.s32min;
        r2.s32max = r1.s32max;
        const t = tnumIntersect(tnumSubreg(r1.var_off), tnumSubreg(r2.var_off));
        r1.var_off = tnumWithSubreg(r1.var_off, t);
        r2.var_off = tnumWithSubreg(r2.var_off, t);
      } else {
        r1.umin = max(r1.umin, r2.umin);
        r1.umax = min(r1.umax, r2.umax);
        r1.smin = max(r1.smin, r2.smin);
        r1.smax = min(r1.smax, r2.smax);
        r2.umin = r1.umin;
        r2.umax = r1.umax;
        r2.smin = r1.smin;
        r2.smax = r1.smax;
        r1.var_off = tnumIntersect(r1.var_off, r2.var_off);
        r2.var_off = r1.var_off;
      }
      return;
    case 'jne': {
      if (!isRegConst(r2, is32)) [r1, r2] = [r2, r1];
      if (!isRegConst(r2, is32)) return;
      const val = regConstValue(r2, is32);
      if (is32) {
        if (r1.u32min === u32(val)) r1.u32min = u32(r1.u32min + 1n);
        if (r1.u32max === u32(val)) r1.u32max = u32(r1.u32max - 1n);
        if (r1.s32min === s32(val)) r1.s32min = s32(r1.s32min + 1n);
        if (r1.s32max === s32(val)) r1.s32max = s32(r1.s32max - 1n);
      } else {
        if (r1.umin === u64(val)) r1.umin = u64(r1.umin + 1n);
        if (r1.umax === u64(val)) r1.umax = u64(r1.umax - 1n);
        if (r1.smin === s64(val)) r1.smin = s64(r1.smin + 1n);
        if (r1.smax === s64(val)) r1.smax = s64(r1.smax - 1n);
      }
      return;
    }
    case 'jset': {
      if (!isRegConst(r2, is32)) [r1, r2] = [r2, r1];
      if (!isRegConst(r2, is32)) return;
      const val = regConstValue(r2, is32);
      if (!isPowerOf2(val)) return;
      if (is32) {
        const t = tnumOr(tnumSubreg(r1.var_off), tnumConst(val));
        r1.var_off = tnumWithSubreg(r1.var_off, t);
      } else {
        r1.var_off = tnumOr(r1.var_off, tnumConst(val));
      }
      return;
    }
    case 'jnset': {
      if (!isRegConst(r2, is32)) [r1, r2] = [r2, r1];
      if (!isRegConst(r2, is32)) return;
      const val = regConstValue(r2, is32);
      markUnbounded(r1);
      if (is32) {
        const t = tnumAnd(tnumSubreg(r1.var_off), tnumConst(u64(~val)));
        r1.var_off = tnumWithSubreg(r1.var_off, t);
      } else {
        r1.var_off = tnumAnd(r1.var_off, tnumConst(u64(~val)));
      }
      return;
    }
    case 'jle':
      if (is32) {
        r1.u32max = min(r1.u32max, r2.u32max);
        r2.u32min = max(r1.u32min, r2.u32min);
      } else {
        r1.umax = min(r1.umax, r2.umax);
        r2.umin = max(r1.umin, r2.umin);
      }
      return;
    case 'jlt':
      if (is32) {
        r1.u32max = min(r1.u32max, u32(r2.u32max - 1n));
        r2.u32min = max(u32(r1.u32min + 1n), r2.u32min);
      } else {
        r1.umax = min(r1.umax, u64(r2.umax - 1n));
        r2.umin = max(u64(r1.umin + 1n), r2.umin);
      }
      return;
    case 'jsle':
      if (is32) {
        r1.s32max = min(r1.s32max, r2.s32max);
        r2.s32min = max(r1.s32min, r2.s32min);
      } else {
        r1.smax = min(r1.smax, r2.smax);
        r2.smin = max(r1.smin, r2.smin);
      }
      return;
    case 'jslt':
      if (is32) {
        r1.s32max = min(r1.s32max, s32(r2.s32max - 1n));
        r2.s32min = max(s32(r1.s32min + 1n), r2.s32min);
      } else {
        r1.smax = min(r1.smax, s64(r2.smax - 1n));
        r2.smin = max(s64(r1.smin + 1n), r2.smin);
      }
      return;
  }
}

function emptyRange(r: MutScalar): boolean {
  return r.umin > r.umax || r.smin > r.smax || r.u32min > r.u32max || r.s32min > r.s32max;
}

/**
 * What the kernel knows about both operands on one side of `if a op b`
 * (reg_set_min_max for that side: regs_refine_cond_op with `op` when `taken`,
 * with rev_opcode(op) otherwise, then reg_bounds_sync on both).
 *
 * `sameReg` is for `if rX op rX`: kernel 6.18 then refines one register
 * through both operand pointers (aliasing included) and synchronises it
 * twice; both returned elements are that register.
 *
 * Returns null where that side is provably infeasible: a bound range
 * becomes empty, the result fails reg_bounds_sanity_check, or the tnum has
 * no member in the range (scalarIsEmpty). Kernel 6.18 does not prune such a
 * side: it keeps exploring it with the registers of `refineBranchRaw` (after
 * an invariant violation: bounds reset to unbounded and a "REG INVARIANTS
 * VIOLATION" verifier-bug line in the log). A verifier that must reproduce
 * the kernel's verdicts and logs exactly should use refineBranchRaw.
 */
export function refineBranch(
  op: CondOp, is32: boolean, a: Scalar, b: Scalar, taken: boolean, sameReg = false,
): [Scalar, Scalar] | null {
  const x = mut(a);
  const y = sameReg ? x : mut(b);
  refineCondOp(x, y, taken ? op : revOpcode(op), is32);
  // an empty range straight after the refinement already proves the side dead
  // (reg_bounds_sync could hide it, e.g. by collapsing onto a tnum member)
  if (emptyRange(x) || emptyRange(y)) return null;
  boundsSyncInPlace(x);
  boundsSyncInPlace(y);
  if (scalarIsEmpty(x) || scalarIsEmpty(y)) return null;
  const fx = freeze(x);
  return [fx, sameReg ? fx : freeze(y)];
}

/**
 * Exactly the kernel's registers after reg_set_min_max on one side,
 * including reg_bounds_sanity_check's recovery: a register whose refined
 * state violates an invariant is reset to unbounded bounds with its var_off
 * kept (what 6.18 does after logging "REG INVARIANTS VIOLATION").
 */
export function refineBranchRaw(
  op: CondOp, is32: boolean, a: Scalar, b: Scalar, taken: boolean, sameReg = false,
): [Scalar, Scalar] {
  const x = mut(a);
  const y = sameReg ? x : mut(b);
  refineCondOp(x, y, taken ? op : revOpcode(op), is32);
  boundsSyncInPlace(x);
  boundsSyncInPlace(y);
  sanitizeInPlace(x);
  sanitizeInPlace(y);
  const fx = freeze(x);
  return [fx, sameReg ? fx : freeze(y)];
}
