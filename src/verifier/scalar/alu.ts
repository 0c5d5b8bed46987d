/**
 * Scalar ALU transfer functions, after Linux 6.18 kernel/bpf/verifier.c:
 * `adjust_scalar_min_max_vals` with `is_safe_to_compute_dst_reg_range`, the
 * `scalar{,32}_min_max_{add,sub,mul,and,or,xor,lsh,rsh,arsh}` helpers,
 * BPF_NEG, the zero extension of 32-bit results (`zext_32_to_64`) and
 * `maybe_fork_scalars`. Byte swaps, narrowing and sign extension: extend.ts.
 *
 * Operand conventions follow the kernel: for a BPF_K instruction the source is
 * `scalarConst(BigInt(imm))` with imm sign-extended to 64 bits
 * (`__mark_reg_known(&off_reg, insn->imm)`), also for 32-bit instructions.
 * Checks that reject the instruction (division by a constant zero, constant
 * shift >= width, pointer operands) belong to the caller.
 */
import {
  type MutScalar, type Scalar, boundsSyncInPlace, freeze, scalarConst, markKnown, markKnown32, markUnbounded32, markUnbounded64,
  markUnknown, mut, sanitizeInPlace, updateReg32BoundsOnly, updateRegBounds, zext32To64,
} from './bounds.js';
import {
  tnumAdd, tnumAnd, tnumArshift, tnumIsConst, tnumLshift, tnumMul, tnumNeg, tnumOr, tnumRshift, tnumSub, tnumSubreg,
  tnumSubregIsConst, tnumXor,
} from './tnum.js';
import { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX, max, min, s32, s64, u32, u64 } from './u64.js';

/** ALU operations on scalars (BPF_OP names; sdiv/smod are DIV/MOD with off = 1). */
export type AluOpName =
  | 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'mod' | 'smod' | 'or' | 'and' | 'lsh' | 'rsh' | 'arsh'
  | 'xor' | 'mov' | 'neg';

/** Every `AluOpName`. */
export const ALU_OPS: readonly AluOpName[] = [
  'add', 'sub', 'mul', 'div', 'sdiv', 'mod', 'smod', 'or', 'and', 'lsh', 'rsh', 'arsh', 'xor', 'mov', 'neg',
];

const inRangeS32 = (x: bigint): boolean => x >= S32_MIN && x <= S32_MAX;
const inRangeS64 = (x: bigint): boolean => x >= S64_MIN && x <= S64_MAX;

function add32(d: MutScalar, s: Scalar): void {
  const smin = d.s32min + s.s32min;
  const smax = d.s32max + s.s32max;
  if (!inRangeS32(smin) || !inRangeS32(smax)) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = smin;
    d.s32max = smax;
  }
  const umin = d.u32min + s.u32min;
  const umax = d.u32max + s.u32max;
  const minOv = umin > U32_MAX;
  const maxOv = umax > U32_MAX;
  d.u32min = u32(umin);
  d.u32max = u32(umax);
  if (!minOv && maxOv) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  }
}

function add64(d: MutScalar, s: Scalar): void {
  const smin = d.smin + s.smin;
  const smax = d.smax + s.smax;
  if (!inRangeS64(smin) || !inRangeS64(smax)) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = smin;
    d.smax = smax;
  }
  const umin = d.umin + s.umin;
  const umax = d.umax + s.umax;
  const minOv = umin > U64_MAX;
  const maxOv = umax > U64_MAX;
  d.umin = u64(umin);
  d.umax = u64(umax);
  if (!minOv && maxOv) {
    d.umin = 0n;
    d.umax = U64_MAX;
  }
}

function sub32(d: MutScalar, s: Scalar): void {
  const smin = d.s32min - s.s32max;
  const smax = d.s32max - s.s32min;
  if (!inRangeS32(smin) || !inRangeS32(smax)) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = smin;
    d.s32max = smax;
  }
  const umin = d.u32min - s.u32max;
  const umax = d.u32max - s.u32min;
  const minUf = umin < 0n;
  const maxUf = umax < 0n;
  d.u32min = u32(umin);
  d.u32max = u32(umax);
  if (minUf && !maxUf) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  }
}

function sub64(d: MutScalar, s: Scalar): void {
  const smin = d.smin - s.smax;
  const smax = d.smax - s.smin;
  if (!inRangeS64(smin) || !inRangeS64(smax)) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = smin;
    d.smax = smax;
  }
  const umin = d.umin - s.umax;
  const umax = d.umax - s.umin;
  const minUf = umin < 0n;
  const maxUf = umax < 0n;
  d.umin = u64(umin);
  d.umax = u64(umax);
  if (minUf && !maxUf) {
    d.umin = 0n;
    d.umax = U64_MAX;
  }
}

function mul32(d: MutScalar, s: Scalar): void {
  const umax = d.u32max * s.u32max;
  const umin = d.u32min * s.u32min;
  if (umax > U32_MAX || umin > U32_MAX) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    d.u32min = umin;
    d.u32max = umax;
  }
  const p = [d.s32min * s.s32min, d.s32min * s.s32max, d.s32max * s.s32min, d.s32max * s.s32max];
  if (p.some((x) => !inRangeS32(x))) {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  } else {
    d.s32min = p.reduce(min);
    d.s32max = p.reduce(max);
  }
}

function mul64(d: MutScalar, s: Scalar): void {
  const umax = d.umax * s.umax;
  const umin = d.umin * s.umin;
  if (umax > U64_MAX || umin > U64_MAX) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin = umin;
    d.umax = umax;
  }
  const p = [d.smin * s.smin, d.smin * s.smax, d.smax * s.smin, d.smax * s.smax];
  if (p.some((x) => !inRangeS64(x))) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = p.reduce(min);
    d.smax = p.reduce(max);
  }
}

function and32(d: MutScalar, s: Scalar): void {
  const srcKnown = tnumSubregIsConst(s.var_off);
  const dstKnown = tnumSubregIsConst(d.var_off);
  const v = tnumSubreg(d.var_off);
  if (srcKnown && dstKnown) {
    markKnown32(d, v.value);
    return;
  }
  d.u32min = v.value;
  d.u32max = min(d.u32max, s.u32max);
  signed32FromUnsigned(d);
}

function and64(d: MutScalar, s: Scalar): void {
  if (tnumIsConst(s.var_off) && tnumIsConst(d.var_off)) {
    markKnown(d, d.var_off.value);
    return;
  }
  d.umin = d.var_off.value;
  d.umax = min(d.umax, s.umax);
  signed64FromUnsigned(d);
  updateRegBounds(d);
}

function or32(d: MutScalar, s: Scalar): void {
  const srcKnown = tnumSubregIsConst(s.var_off);
  const dstKnown = tnumSubregIsConst(d.var_off);
  const v = tnumSubreg(d.var_off);
  if (srcKnown && dstKnown) {
    markKnown32(d, v.value);
    return;
  }
  d.u32min = max(d.u32min, s.u32min);
  d.u32max = v.value | v.mask;
  signed32FromUnsigned(d);
}

function or64(d: MutScalar, s: Scalar): void {
  if (tnumIsConst(s.var_off) && tnumIsConst(d.var_off)) {
    markKnown(d, d.var_off.value);
    return;
  }
  d.umin = max(d.umin, s.umin);
  d.umax = d.var_off.value | d.var_off.mask;
  signed64FromUnsigned(d);
  updateRegBounds(d);
}

function xor32(d: MutScalar, s: Scalar): void {
  const srcKnown = tnumSubregIsConst(s.var_off);
  const dstKnown = tnumSubregIsConst(d.var_off);
  const v = tnumSubreg(d.var_off);
  if (srcKnown && dstKnown) {
    markKnown32(d, v.value);
    return;
  }
  d.u32min = v.value;
  d.u32max = v.value | v.mask;
  signed32FromUnsigned(d);
}

function xor64(d: MutScalar, s: Scalar): void {
  if (tnumIsConst(s.var_off) && tnumIsConst(d.var_off)) {
    markKnown(d, d.var_off.value);
    return;
  }
  d.umin = d.var_off.value;
  d.umax = d.var_off.value | d.var_off.mask;
  signed64FromUnsigned(d);
  updateRegBounds(d);
}

function signed32FromUnsigned(d: MutScalar): void {
  if (s32(d.u32min) <= s32(d.u32max)) {
    d.s32min = s32(d.u32min);
    d.s32max = s32(d.u32max);
  } else {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  }
}

function signed64FromUnsigned(d: MutScalar): void {
  if (s64(d.umin) <= s64(d.umax)) {
    d.smin = s64(d.umin);
    d.smax = s64(d.umax);
  } else {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  }
}

function lsh32Bounds(d: MutScalar, uminVal: bigint, umaxVal: bigint): void {
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  if (umaxVal > 31n || d.u32max > 1n << (31n - umaxVal)) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    d.u32min = u32(d.u32min << uminVal);
    d.u32max = u32(d.u32max << umaxVal);
  }
}

function lsh32(d: MutScalar, s: Scalar): void {
  const sub = tnumSubreg(d.var_off);
  lsh32Bounds(d, s.u32min, s.u32max);
  d.var_off = tnumSubreg(tnumLshift(sub, Number(s.u32min)));
  markUnbounded64(d);
  updateReg32BoundsOnly(d);
}

function lsh64(d: MutScalar, s: Scalar): void {
  const uminVal = s.umin;
  const umaxVal = s.umax;
  if (uminVal === 32n && umaxVal === 32n) {
    d.smax = d.s32max << 32n;
    d.smin = d.s32min << 32n;
  } else {
    d.smax = S64_MAX;
    d.smin = S64_MIN;
  }
  if (d.umax > 1n << (63n - umaxVal)) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin = u64(d.umin << uminVal);
    d.umax = u64(d.umax << umaxVal);
  }
  lsh32Bounds(d, uminVal, umaxVal);
  d.var_off = tnumLshift(d.var_off, Number(uminVal));
  updateRegBounds(d);
}

function rsh32(d: MutScalar, s: Scalar): void {
  const sub = tnumSubreg(d.var_off);
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  d.var_off = tnumRshift(sub, Number(s.u32min));
  d.u32min >>= s.u32max;
  d.u32max >>= s.u32min;
  markUnbounded64(d);
  updateReg32BoundsOnly(d);
}

function rsh64(d: MutScalar, s: Scalar): void {
  d.smin = S64_MIN;
  d.smax = S64_MAX;
  d.var_off = tnumRshift(d.var_off, Number(s.umin));
  d.umin >>= s.umax;
  d.umax >>= s.umin;
  markUnbounded32(d);
  updateRegBounds(d);
}

function arsh32(d: MutScalar, s: Scalar): void {
  const sh = s.u32min;
  d.s32min = d.s32min >> sh;
  d.s32max = d.s32max >> sh;
  d.var_off = tnumArshift(tnumSubreg(d.var_off), Number(sh), 32);
  d.u32min = 0n;
  d.u32max = U32_MAX;
  markUnbounded64(d);
  updateReg32BoundsOnly(d);
}

function arsh64(d: MutScalar, s: Scalar): void {
  const sh = s.umin;
  d.smin >>= sh;
  d.smax >>= sh;
  d.var_off = tnumArshift(d.var_off, Number(sh), 64);
  d.umin = 0n;
  d.umax = U64_MAX;
  markUnbounded32(d);
  updateRegBounds(d);
}

/**
 * is_safe_to_compute_dst_reg_range: false where the kernel gives up and marks
 * the destination unknown (6.18: division and modulo always; shifts unless
 * the amount is a constant below the width, judged on the 64-bit umax even
 * for 32-bit shifts).
 */
export function aluRangeComputable(op: AluOpName, is64: boolean, src: Scalar): boolean {
  let srcIsConst: boolean;
  if (!is64) {
    srcIsConst = tnumSubregIsConst(src.var_off) && src.s32min === src.s32max && src.u32min === src.u32max;
  } else {
    srcIsConst = tnumIsConst(src.var_off) && src.smin === src.smax && src.umin === src.umax;
  }
  switch (op) {
    case 'add': case 'sub': case 'neg': case 'and': case 'xor': case 'or': case 'mul': case 'mov':
      return true;
    case 'lsh': case 'rsh': case 'arsh':
      return srcIsConst && src.umax < (is64 ? 64n : 32n);
    default:
      return false;
  }
}

/**
 * The scalar result of `dst = dst OP src` (64-bit when `is64`, else the 32-bit
 * ALU form with its zero extension), as adjust_scalar_min_max_vals computes
 * it, ending with reg_bounds_sync. For 'neg' the source is ignored; for 'mov'
 * the result is src (zero-extended from 32 bits when !is64).
 *
 * Division and modulo give an unknown scalar in 6.18 (no range tracking), as
 * do shifts by a non-constant or out-of-range amount. 'and'/'or' with a
 * constant src on a dst in [-1, 0] are forked by the kernel first: see
 * `aluFork`.
 */
export function scalarAlu(op: AluOpName, is64: boolean, dst: Scalar, src: Scalar): Scalar {
  // Constant operands give the constant result (the kernel's bounds and tnum
  // are exact on constants; property-tested against scalarAluKernel).
  if (op !== 'mov' && isExactConst(dst) && (op === 'neg' || isExactConst(src)) && aluRangeComputable(op, is64, src)) {
    return scalarConst(concreteAlu(op, is64, dst.var_off.value, op === 'neg' ? 0n : src.var_off.value));
  }
  return scalarAluKernel(op, is64, dst, src);
}

/** True where `s` is exactly scalarConst(c): constant tnum and all bounds equal to it. */
function isExactConst(s: Scalar): boolean {
  if (s.var_off.mask !== 0n) return false;
  const c = s.var_off.value;
  return s.umin === c && s.umax === c && s.smin === s64(c) && s.smax === s64(c) &&
    s.u32min === u32(c) && s.u32max === u32(c) && s.s32min === s32(c) && s.s32max === s32(c);
}

/** Concrete result of the tracked ALU ops (shift amounts already below the width). */
function concreteAlu(op: AluOpName, is64: boolean, x: bigint, y: bigint): bigint {
  const U = is64 ? u64 : u32;
  const S = is64 ? s64 : s32;
  const a = U(x);
  const b = U(y);
  switch (op) {
    case 'add': return U(a + b);
    case 'sub': return U(a - b);
    case 'mul': return U(a * b);
    case 'and': return a & b;
    case 'or': return a | b;
    case 'xor': return a ^ b;
    case 'lsh': return U(a << b);
    case 'rsh': return a >> b;
    case 'arsh': return U(S(a) >> b);
    case 'neg': return U(-a);
    default: throw new Error(`no concrete form for ${op}`);
  }
}

/**
 * scalarAlu step by step as adjust_scalar_min_max_vals does it, without the
 * constant shortcut (same results; exported for tests).
 */
export function scalarAluKernel(op: AluOpName, is64: boolean, dst: Scalar, src: Scalar): Scalar {
  if (op === 'mov') {
    const r = mut(src);
    if (!is64) {
      zext32To64(r);
      boundsSyncInPlace(r);
    }
    sanitizeInPlace(r);
    return freeze(r);
  }
  const d = mut(dst);
  if (!aluRangeComputable(op, is64, src)) {
    markUnknown(d);
    return freeze(d);
  }
  switch (op) {
    case 'add':
      add32(d, src);
      add64(d, src);
      d.var_off = tnumAdd(d.var_off, src.var_off);
      break;
    case 'sub':
      sub32(d, src);
      sub64(d, src);
      d.var_off = tnumSub(d.var_off, src.var_off);
      break;
    case 'neg': {
      const old: Scalar = { ...d };
      markKnown(d, 0n);
      sub32(d, old);
      sub64(d, old);
      d.var_off = tnumNeg(old.var_off);
      break;
    }
    case 'mul':
      d.var_off = tnumMul(d.var_off, src.var_off);
      mul32(d, src);
      mul64(d, src);
      break;
    case 'and':
      d.var_off = tnumAnd(d.var_off, src.var_off);
      and32(d, src);
      and64(d, src);
      break;
    case 'or':
      d.var_off = tnumOr(d.var_off, src.var_off);
      or32(d, src);
      or64(d, src);
      break;
    case 'xor':
      d.var_off = tnumXor(d.var_off, src.var_off);
      xor32(d, src);
      xor64(d, src);
      break;
    case 'lsh':
      if (!is64) lsh32(d, src);
      else lsh64(d, src);
      break;
    case 'rsh':
      if (!is64) rsh32(d, src);
      else rsh64(d, src);
      break;
    case 'arsh':
      if (!is64) arsh32(d, src);
      else arsh64(d, src);
      break;
    default:
      break;
  }
  if (!is64) zext32To64(d);
  boundsSyncInPlace(d);
  sanitizeInPlace(d);
  return freeze(d);
}

/**
 * maybe_fork_scalars: for 'and'/'or' with a constant src (64-bit tnum) on a
 * dst whose s64 (else s32) range is exactly [-1, 0], the kernel splits the
 * path before the operation. Returns [dst on the current path (-1; the
 * operation then proceeds on it), dst on the pushed branch (0)], or null
 * where no fork happens. The kernel pushes that branch at the same
 * instruction (log: "from N to N: ... R6=0"), so the operation is executed
 * again there, on 0. The 32-bit form (s32 range [-1, 0]) changes only the
 * low half (__mark_reg32_known).
 */
export function aluFork(op: AluOpName, dst: Scalar, src: Scalar): [Scalar, Scalar] | null {
  if ((op !== 'and' && op !== 'or') || !tnumIsConst(src.var_off)) return null;
  let alu32: boolean;
  if (dst.smin === -1n && dst.smax === 0n) alu32 = false;
  else if (dst.s32min === -1n && dst.s32max === 0n) alu32 = true;
  else return null;
  const cur = mut(dst);
  const other = mut(dst);
  if (alu32) {
    markKnown32(other, 0n);
    markKnown32(cur, U64_MAX);
  } else {
    markKnown(other, 0n);
    markKnown(cur, U64_MAX);
  }
  return [freeze(cur), freeze(other)];
}
