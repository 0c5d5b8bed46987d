/**
 * Scalar ALU transfer functions, after Linux 6.18 kernel/bpf/verifier.c:
 * `adjust_scalar_min_max_vals` with `is_safe_to_compute_dst_reg_range`, the
 * `scalar{,32}_min_max_{add,sub,mul,and,or,xor,lsh,rsh,arsh}` helpers,
 * BPF_NEG, BPF_END (`scalar_byte_swap`), the zero extension of 32-bit results
 * (`zext_32_to_64`), `maybe_fork_scalars`, and the register moves and loads
 * that narrow or sign-extend (`coerce_reg_to_size`, `coerce_reg_to_size_sx`,
 * `coerce_subreg_to_size_sx`).
 *
 * Operand conventions follow the kernel: for a BPF_K instruction the source is
 * `scalarConst(BigInt(imm))` with imm sign-extended to 64 bits
 * (`__mark_reg_known(&off_reg, insn->imm)`), also for 32-bit instructions.
 * Checks that reject the instruction (division by a constant zero, constant
 * shift >= width, pointer operands) belong to the caller.
 */
import {
  type MutScalar, type Scalar, boundsSyncInPlace, freeze, markKnown, markKnown32, markUnbounded,
  markUnbounded32, markUnbounded64, markUnknown, mut, sanitizeInPlace, updateReg32BoundsOnly, updateRegBounds, zext32To64,
} from './bounds.js';
import {
  TNUM_UNKNOWN, tnumAdd, tnumAnd, tnumArshift, tnumBswap16, tnumBswap32, tnumBswap64, tnumCast, tnumConst,
  tnumIsConst, tnumLshift, tnumMul, tnumNeg, tnumOr, tnumRange, tnumRshift, tnumSub, tnumSubreg,
  tnumSubregIsConst, tnumXor,
} from './tnum.js';
import {
  S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX, max, min, s16, s32, s64, s8, u32, u64,
} from './u64.js';

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
      const old = freeze(d);
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
 * path before the operation. Returns [dst on the current path (-1),
 * dst on the pushed branch (0)], or null where no fork happens.
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

/** Byte-order operation kinds: `le`/`be` (BPF_ALU | BPF_END) and `bswap` (BPF_ALU64 | BPF_END). */
export type EndianKind = 'le' | 'be' | 'bswap';

/**
 * scalar_byte_swap on a little-endian host (x86-64): bswap and `be` swap the
 * low `bits` bits (var_off through tnum_bswap*, bounds reset), `le` only
 * truncates; 16- and 32-bit forms truncate to that size (coerce_reg_to_size).
 * No zero extension afterwards; ends with reg_bounds_sync.
 */
export function scalarEndian(kind: EndianKind, bits: 16 | 32 | 64, dst: Scalar): Scalar {
  const d = mut(dst);
  if (kind !== 'le') {
    d.var_off = bits === 16 ? tnumBswap16(d.var_off) : bits === 32 ? tnumBswap32(d.var_off) : tnumBswap64(d.var_off);
    markUnbounded(d);
  }
  if (bits !== 64) coerceInPlace(d, bits / 8);
  boundsSyncInPlace(d);
  sanitizeInPlace(d);
  return freeze(d);
}

function coerceInPlace(r: MutScalar, size: number): void {
  r.var_off = tnumCast(r.var_off, size);
  const mask = (1n << BigInt(size * 8)) - 1n;
  if ((r.umin & ~mask) === (r.umax & ~mask)) {
    r.umin &= mask;
    r.umax &= mask;
  } else {
    r.umin = 0n;
    r.umax = mask;
  }
  r.smin = r.umin;
  r.smax = r.umax;
  if (size < 4) markUnbounded32(r);
  boundsSyncInPlace(r);
}

/**
 * coerce_reg_to_size: keeps the low `size` bytes (1, 2 or 4), zero-extended,
 * as for a narrow load of a known scalar or the truncation of BPF_END.
 */
export function scalarCoerce(s: Scalar, size: 1 | 2 | 4 | 8): Scalar {
  if (size === 8) return s;
  const r = mut(s);
  coerceInPlace(r, size);
  return freeze(r);
}

function setSext64Default(r: MutScalar, size: number): void {
  const lim = size === 1 ? 0x80n : size === 2 ? 0x8000n : 0x8000_0000n;
  r.smin = -lim;
  r.s32min = -lim;
  r.smax = lim - 1n;
  r.s32max = lim - 1n;
  r.umin = 0n;
  r.u32min = 0n;
  r.umax = U64_MAX;
  r.u32max = U32_MAX;
  r.var_off = TNUM_UNKNOWN;
}

const sext = (x: bigint, size: number): bigint => (size === 1 ? s8(x) : size === 2 ? s16(x) : s32(x));

/**
 * coerce_reg_to_size_sx: sign-extends the low `size` bytes (1, 2 or 4) to 64
 * bits, as for BPF_MEMSX loads and `r = (s8|s16|s32) r` moves. No final
 * reg_bounds_sync (the kernel does none here).
 */
export function scalarCoerceSx(s: Scalar, size: 1 | 2 | 4): Scalar {
  const r = mut(s);
  if (tnumIsConst(r.var_off)) {
    const c = u64(sext(r.var_off.value, size));
    r.var_off = tnumConst(c);
    r.smin = s64(c);
    r.smax = s64(c);
    r.umin = c;
    r.umax = c;
    r.s32min = s32(c);
    r.s32max = s32(c);
    r.u32min = u32(c);
    r.u32max = u32(c);
    return freeze(r);
  }
  const nb = BigInt(size * 8);
  const topMax = (u64(r.smax) >> nb) << nb;
  const topMin = (u64(r.smin) >> nb) << nb;
  if (topMax === topMin) {
    const a = sext(r.smax, size);
    const b = sext(r.smin, size);
    const hi = max(a, b);
    const lo = min(a, b);
    if ((hi >= 0n) === (lo >= 0n)) {
      r.smin = lo;
      r.s32min = s32(lo);
      r.smax = hi;
      r.s32max = s32(hi);
      r.umin = u64(lo);
      r.u32min = u32(lo);
      r.umax = u64(hi);
      r.u32max = u32(hi);
      r.var_off = tnumRange(u64(lo), u64(hi));
      return freeze(r);
    }
  }
  setSext64Default(r, size);
  return freeze(r);
}

/**
 * coerce_subreg_to_size_sx followed by zext_32_to_64 and reg_bounds_sync:
 * the result of `w = (s8|s16) w` (32-bit sign-extending move).
 */
export function scalarCoerceSubregSx(s: Scalar, size: 1 | 2): Scalar {
  const r = mut(s);
  const nb = BigInt(size * 8);
  let done = false;
  if (tnumIsConst(r.var_off)) {
    const c = u64(sext(u32(r.var_off.value), size));
    r.var_off = tnumConst(c);
    r.s32min = s32(c);
    r.s32max = s32(c);
    r.u32min = u32(c);
    r.u32max = u32(c);
    done = true;
  } else {
    const topMax = (u32(r.s32max) >> nb) << nb;
    const topMin = (u32(r.s32min) >> nb) << nb;
    if (topMax === topMin) {
      const a = sext(r.s32max, size);
      const b = sext(r.s32min, size);
      const hi = max(a, b);
      const lo = min(a, b);
      if ((lo >= 0n) === (hi >= 0n)) {
        r.s32min = lo;
        r.s32max = hi;
        r.u32min = u32(lo);
        r.u32max = u32(hi);
        r.var_off = tnumSubreg(tnumRange(u64(lo), u64(hi)));
        done = true;
      }
    }
    if (!done) {
      r.s32min = size === 1 ? -0x80n : -0x8000n;
      r.s32max = size === 1 ? 0x7fn : 0x7fffn;
      r.u32min = 0n;
      r.u32max = U32_MAX;
      r.var_off = tnumSubreg(TNUM_UNKNOWN);
    }
  }
  zext32To64(r);
  boundsSyncInPlace(r);
  return freeze(r);
}

/**
 * The result of a sign-extending move `dst = (s8|s16|s32) src` (is64) or
 * `w_dst = (s8|s16) w_src` (!is64), scalar part only.
 */
export function scalarMovsx(is64: boolean, size: 1 | 2 | 4, src: Scalar): Scalar {
  if (!is64 && size === 4) throw new RangeError('32-bit movsx takes size 1 or 2');
  const r = mut(is64 ? scalarCoerceSx(src, size) : scalarCoerceSubregSx(src, size as 1 | 2));
  sanitizeInPlace(r);
  return freeze(r);
}

/**
 * The scalar a narrow load yields from a known scalar value `s` (the kernel
 * uses it for constant map values and spilled scalars): zero-extending
 * (`coerce_reg_to_size`) or sign-extending (`coerce_reg_to_size_sx`).
 */
export function scalarCastLoad(s: Scalar, size: 1 | 2 | 4 | 8, signExtend = false): Scalar {
  if (size === 8) return s;
  return signExtend ? scalarCoerceSx(s, size) : scalarCoerce(s, size);
}

/**
 * A fresh scalar for an unknown value loaded with `size` bytes: the
 * zero-extending load's unknown value truncated to that size, or the
 * sign-extending load's default ranges (set_sext64_default_val).
 */
export function scalarLoadUnknown(size: 1 | 2 | 4 | 8, signExtend = false): Scalar {
  const r = mut({
    var_off: TNUM_UNKNOWN, smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: U64_MAX,
    s32min: S32_MIN, s32max: S32_MAX, u32min: 0n, u32max: U32_MAX,
  });
  if (size === 8) return freeze(r);
  if (signExtend) {
    setSext64Default(r, size);
    return freeze(r);
  }
  coerceInPlace(r, size);
  return freeze(r);
}
