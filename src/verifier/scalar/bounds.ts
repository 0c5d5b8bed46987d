/**
 * The scalar part of the verifier's register state and the bounds
 * synchronisation pipeline, after Linux 6.18 kernel/bpf/verifier.c:
 * `__update_reg_bounds`, `__reg32_deduce_bounds`, `__reg64_deduce_bounds`,
 * `__reg_deduce_mixed_bounds`, `__reg_bound_offset` and `reg_bounds_sync`,
 * plus the small state helpers they rely on (`__mark_reg_known`,
 * `__mark_reg32_known`, `__mark_reg_unbounded`, `__reg_assign_32_into_64`,
 * `zext_32_to_64`, `reg_bounds_sanity_check`).
 *
 * A `Scalar` stands for the set of 64-bit values x with x in var_off,
 * umin <= x <= umax, smin <= (s64)x <= smax, u32min <= (u32)x <= u32max and
 * s32min <= (s32)x <= s32max. Functions take and return immutable values; the
 * kernel-shaped steps work on a private mutable copy (`MutScalar`).
 */
import { BpfError, ErrorCode } from '../../errors.js';
import {
  type Tnum, TNUM_UNKNOWN, tnumClearSubreg, tnumConst, tnumConstSubreg, tnumContains, tnumIntersect,
  tnumIsConst, tnumOr, tnumRange, tnumStep, tnumSubreg, tnumSubregIsConst,
} from './tnum.js';
import { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX, max, min, s32, s64, u32, u64 } from './u64.js';

/**
 * The scalar part of `struct bpf_reg_state`. smin/smax and s32min/s32max are
 * signed BigInts, the others unsigned; var_off is the tnum.
 */
export interface Scalar {
  readonly var_off: Tnum;
  readonly smin: bigint;
  readonly smax: bigint;
  readonly umin: bigint;
  readonly umax: bigint;
  readonly s32min: bigint;
  readonly s32max: bigint;
  readonly u32min: bigint;
  readonly u32max: bigint;
}

/** Mutable working copy used by the kernel-shaped transfer functions. */
export interface MutScalar {
  var_off: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32min: bigint;
  s32max: bigint;
  u32min: bigint;
  u32max: bigint;
}

/** A mutable copy of `s`. */
export function mut(s: Scalar): MutScalar {
  return { ...s };
}

/** Hands a finished working copy out as a `Scalar` (no copy: the copy is not touched again). */
export function freeze(s: MutScalar): Scalar {
  return s;
}

/** Sets every bound of `r` to the constant `imm` (___mark_reg_known). */
export function markKnown(r: MutScalar, imm: bigint): void {
  const v = u64(imm);
  r.var_off = tnumConst(v);
  r.smin = s64(v);
  r.smax = s64(v);
  r.umin = v;
  r.umax = v;
  r.s32min = s32(v);
  r.s32max = s32(v);
  r.u32min = u32(v);
  r.u32max = u32(v);
}

/** Sets the low 32 bits and the 32-bit bounds of `r` to `imm` (__mark_reg32_known). */
export function markKnown32(r: MutScalar, imm: bigint): void {
  r.var_off = tnumConstSubreg(r.var_off, imm);
  r.s32min = s32(imm);
  r.s32max = s32(imm);
  r.u32min = u32(imm);
  r.u32max = u32(imm);
}

/** Resets the 64-bit bounds (__mark_reg64_unbounded). */
export function markUnbounded64(r: MutScalar): void {
  r.smin = S64_MIN;
  r.smax = S64_MAX;
  r.umin = 0n;
  r.umax = U64_MAX;
}

/** Resets the 32-bit bounds (__mark_reg32_unbounded). */
export function markUnbounded32(r: MutScalar): void {
  r.s32min = S32_MIN;
  r.s32max = S32_MAX;
  r.u32min = 0n;
  r.u32max = U32_MAX;
}

/** Resets all eight bounds, keeping var_off (__mark_reg_unbounded). */
export function markUnbounded(r: MutScalar): void {
  markUnbounded64(r);
  markUnbounded32(r);
}

/** Makes `r` a completely unknown scalar (__mark_reg_unknown's scalar part). */
export function markUnknown(r: MutScalar): void {
  r.var_off = TNUM_UNKNOWN;
  markUnbounded(r);
}

/** The constant scalar `v` (v is wrapped to 64 bits). */
export function scalarConst(v: bigint): Scalar {
  const r = mut(SCALAR_UNKNOWN);
  markKnown(r, v);
  return freeze(r);
}

/**
 * The constant of an instruction immediate as the kernel sees it: `imm`
 * (a signed 32-bit number) sign-extended to 64 bits (`__mark_reg_known(reg,
 * insn->imm)`), or zero-extended from 32 bits when `zext32` (32-bit
 * `w = imm`, `__mark_reg_known(reg, (u32)insn->imm)`).
 * @throws BpfError (BAD_PROGRAM) if imm is not an integer in [-2^31, 2^32).
 */
export function scalarImm(imm: number, zext32 = false): Scalar {
  if (!Number.isInteger(imm) || imm < -0x8000_0000 || imm > 0xffff_ffff) {
    throw new BpfError(ErrorCode.BadProgram, `immediate ${imm} is not a 32-bit value`);
  }
  const v = BigInt(imm | 0);
  return scalarConst(zext32 ? u32(v) : v);
}

/** The completely unknown scalar. */
export const SCALAR_UNKNOWN: Scalar = Object.freeze({
  var_off: TNUM_UNKNOWN,
  smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: U64_MAX,
  s32min: S32_MIN, s32max: S32_MAX, u32min: 0n, u32max: U32_MAX,
});

/** The completely unknown scalar (a fresh reference to `SCALAR_UNKNOWN`). */
export function scalarUnknown(): Scalar {
  return SCALAR_UNKNOWN;
}

/**
 * The scalar of all x with umin <= x <= umax (unsigned 64-bit), synchronised
 * (umin > umax gives an inconsistent scalar, see scalarIsEmpty).
 */
export function scalarRange(umin: bigint, umax: bigint): Scalar {
  const r = mut(SCALAR_UNKNOWN);
  r.umin = u64(umin);
  r.umax = u64(umax);
  return boundsSync(r);
}

/** The scalar of all x with smin <= (s64)x <= smax, synchronised. */
export function scalarSRange(smin: bigint, smax: bigint): Scalar {
  const r = mut(SCALAR_UNKNOWN);
  r.smin = s64(smin);
  r.smax = s64(smax);
  return boundsSync(r);
}

/** The scalar of all members of `t`, synchronised. */
export function scalarFromTnum(t: Tnum): Scalar {
  const r = mut(SCALAR_UNKNOWN);
  r.var_off = t;
  return boundsSync(r);
}

/**
 * A scalar from explicit fields (missing ones unbounded), synchronised with
 * `boundsSync` unless `sync` is false.
 */
export function makeScalar(fields: Partial<Scalar>, sync = true): Scalar {
  const r: MutScalar = { ...SCALAR_UNKNOWN, ...fields };
  return sync ? boundsSync(r) : freeze(r);
}

function updateReg32Bounds(r: MutScalar): void {
  const v = tnumSubreg(r.var_off);
  r.s32min = max(r.s32min, s32(v.value | (v.mask & 0x8000_0000n)));
  r.s32max = min(r.s32max, s32(v.value | (v.mask & 0x7fff_ffffn)));
  r.u32min = max(r.u32min, v.value);
  r.u32max = min(r.u32max, v.value | v.mask);
}

function updateReg64Bounds(r: MutScalar): void {
  const v = r.var_off;
  r.smin = max(r.smin, s64(v.value | (v.mask & (1n << 63n))));
  r.smax = min(r.smax, s64(v.value | (v.mask & S64_MAX)));
  r.umin = max(r.umin, v.value);
  r.umax = min(r.umax, v.value | v.mask);
  // The u64 range and the tnum may share a single value: make it the constant.
  const next = tnumStep(v, r.umin);
  const uminInTnum = (r.umin & ~v.mask & U64_MAX) === v.value;
  const tmax = v.value | v.mask;
  if (uminInTnum && next > r.umax) {
    markKnown(r, r.umin);
  } else if (!uminInTnum && next === tmax) {
    markKnown(r, tmax);
  } else if (!uminInTnum && next <= r.umax && tnumStep(v, next) > r.umax) {
    markKnown(r, next);
  }
}

/** Tightens all eight bounds from var_off (__update_reg_bounds). */
export function updateRegBounds(r: MutScalar): void {
  updateReg32Bounds(r);
  updateReg64Bounds(r);
}

/** Tightens only the 32-bit bounds from var_off (__update_reg32_bounds). */
export function updateReg32BoundsOnly(r: MutScalar): void {
  updateReg32Bounds(r);
}

function reg32DeduceBounds(r: MutScalar): void {
  // Same upper 32 bits across the u64 range: the low halves form a range.
  if (r.umin >> 32n === r.umax >> 32n) {
    r.u32min = max(r.u32min, u32(r.umin));
    r.u32max = min(r.u32max, u32(r.umax));
    if (s32(r.umin) <= s32(r.umax)) {
      r.s32min = max(r.s32min, s32(r.umin));
      r.s32max = min(r.s32max, s32(r.umax));
    }
  }
  // Same upper 32 bits across the s64 range (arithmetic shift).
  if (r.smin >> 32n === r.smax >> 32n) {
    if (u32(r.smin) <= u32(r.smax)) {
      r.u32min = max(r.u32min, u32(r.smin));
      r.u32max = min(r.u32max, u32(r.smax));
    }
    if (s32(r.smin) <= s32(r.smax)) {
      r.s32min = max(r.s32min, s32(r.smin));
      r.s32max = min(r.s32max, s32(r.smax));
    }
  }
  // Upper halves are two consecutive numbers and the low halves go from
  // negative to non-negative: still one s32 range.
  if (u32((r.umin >> 32n) + 1n) === u32(r.umax >> 32n) && s32(r.umin) < 0n && s32(r.umax) >= 0n) {
    r.s32min = max(r.s32min, s32(r.umin));
    r.s32max = min(r.s32max, s32(r.umax));
  }
  if (u32((r.smin >> 32n) + 1n) === u32(r.smax >> 32n) && s32(r.smin) < 0n && s32(r.smax) >= 0n) {
    r.s32min = max(r.s32min, s32(r.smin));
    r.s32max = min(r.s32max, s32(r.smax));
  }
  // u32 range that does not cross the s32 sign boundary.
  if (s32(r.u32min) <= s32(r.u32max)) {
    r.s32min = max(r.s32min, s32(r.u32min));
    r.s32max = min(r.s32max, s32(r.u32max));
  }
  // s32 range that does not cross the u32 wrap point.
  if (u32(r.s32min) <= u32(r.s32max)) {
    r.u32min = max(u32(r.s32min), r.u32min);
    r.u32max = min(u32(r.s32max), r.u32max);
  } else {
    // The s32 range wraps around the u32 domain's end: if the u32 range meets
    // only one of its two pieces, both ranges shrink to that piece.
    if (r.u32max < u32(r.s32min)) {
      r.s32min = s32(r.u32min);
      r.u32max = min(r.u32max, u32(r.s32max));
    } else if (u32(r.s32max) < r.u32min) {
      r.s32max = s32(r.u32max);
      r.u32min = max(r.u32min, u32(r.s32min));
    }
  }
}

function reg64DeduceBounds(r: MutScalar): void {
  if (s64(r.umin) <= s64(r.umax)) {
    r.smin = max(r.smin, s64(r.umin));
    r.smax = min(r.smax, s64(r.umax));
  }
  if (u64(r.smin) <= u64(r.smax)) {
    r.umin = max(u64(r.smin), r.umin);
    r.umax = min(u64(r.smax), r.umax);
  } else {
    // The s64 range wraps around the u64 domain's end: if the u64 range meets
    // only one of its two pieces, both ranges shrink to that piece.
    if (r.umax < u64(r.smin)) {
      r.smin = s64(r.umin);
      r.umax = min(r.umax, u64(r.smax));
    } else if (u64(r.smax) < r.umin) {
      r.smax = s64(r.umax);
      r.umin = max(r.umin, u64(r.smin));
    }
  }
}

function regDeduceMixedBounds(r: MutScalar): void {
  const HI = ~0xffff_ffffn;
  const newUmin = (r.umin & HI) | r.u32min;
  const newUmax = (r.umax & HI) | r.u32max;
  r.umin = max(r.umin, u64(newUmin));
  r.umax = min(r.umax, u64(newUmax));
  const newSmin = s64((u64(r.smin) & HI) | r.u32min);
  const newSmax = s64((u64(r.smax) & HI) | r.u32max);
  r.smin = max(r.smin, newSmin);
  r.smax = min(r.smax, newSmax);
  // After a sign-extending load: the value is within [S32_MIN, S32_MAX] as s64
  // and its low half is non-negative as s32, so the upper half is all zeros.
  if (r.s32min >= 0n && r.smin >= S32_MIN && r.smax <= S32_MAX) {
    r.smin = r.s32min;
    r.smax = r.s32max;
    r.umin = r.s32min;
    r.umax = r.s32max;
    r.var_off = tnumIntersect(r.var_off, tnumRange(r.smin, r.smax));
  }
}

/** One pass of 32<->64 and signed<->unsigned deductions (__reg_deduce_bounds). */
export function regDeduceBounds(r: MutScalar): void {
  reg32DeduceBounds(r);
  reg64DeduceBounds(r);
  regDeduceMixedBounds(r);
}

/** Tightens var_off from the unsigned 64- and 32-bit bounds (__reg_bound_offset). */
export function regBoundOffset(r: MutScalar): void {
  const var64 = tnumIntersect(r.var_off, tnumRange(r.umin, r.umax));
  const var32 = tnumIntersect(tnumSubreg(var64), tnumRange(r.u32min, r.u32max));
  r.var_off = tnumOr(tnumClearSubreg(var64), var32);
}

/** Number of `__reg_deduce_bounds` passes in `reg_bounds_sync` (3 in the running 6.18 kernel, checked differentially). */
export const DEDUCE_PASSES = 3;

/**
 * reg_bounds_sync on a working copy, in place. Two shortcuts give the same
 * result as the full pipeline (property-tested against
 * `boundsSyncKernelInPlace`): a constant var_off inside all eight bounds
 * becomes that constant, and the completely unknown scalar stays as it is.
 */
export function boundsSyncInPlace(r: MutScalar): void {
  const t = r.var_off;
  if (t.mask === 0n) {
    const c = t.value;
    const lo = c & U32_MAX;
    if (c >= r.umin && c <= r.umax && s64(c) >= r.smin && s64(c) <= r.smax &&
        lo >= r.u32min && lo <= r.u32max && s32(lo) >= r.s32min && s32(lo) <= r.s32max) {
      markKnown(r, c);
      return;
    }
  } else if (t.mask === U64_MAX && r.umin === 0n && r.umax === U64_MAX && r.smin === S64_MIN && r.smax === S64_MAX &&
      r.u32min === 0n && r.u32max === U32_MAX && r.s32min === S32_MIN && r.s32max === S32_MAX) {
    return;
  }
  boundsSyncKernelInPlace(r);
}

/** reg_bounds_sync step by step, without shortcuts, in place. */
export function boundsSyncKernelInPlace(r: MutScalar): void {
  updateRegBounds(r);
  for (let i = 0; i < DEDUCE_PASSES; i++) regDeduceBounds(r);
  regBoundOffset(r);
  updateRegBounds(r);
}

/**
 * The kernel's fixed synchronisation pipeline (reg_bounds_sync):
 * bounds from var_off, the signed/unsigned and 32/64-bit deductions, var_off
 * from the bounds, bounds from var_off again. Never removes a member.
 */
export function boundsSync(s: Scalar | MutScalar): Scalar {
  const r = mut(s);
  boundsSyncInPlace(r);
  return freeze(r);
}

/** boundsSync without the shortcuts (same results; exported for tests). */
export function boundsSyncKernel(s: Scalar | MutScalar): Scalar {
  const r = mut(s);
  boundsSyncKernelInPlace(r);
  return freeze(r);
}

/** Zero-extends the low 32 bits into the 64-bit state (zext_32_to_64 / __reg_assign_32_into_64). */
export function zext32To64(r: MutScalar): void {
  r.var_off = tnumSubreg(r.var_off);
  r.umin = r.u32min;
  r.umax = r.u32max;
  if (r.s32min >= 0n && r.s32max >= 0n) {
    r.smin = r.s32min;
    r.smax = r.s32max;
  } else {
    r.smin = 0n;
    r.smax = U32_MAX;
  }
}

/**
 * reg_bounds_sanity_check's recovery: where an invariant is violated the
 * kernel (without BPF_F_TEST_REG_INVARIANTS) logs a verifier bug and resets
 * the eight bounds to unbounded, keeping var_off. In place.
 */
export function sanitizeInPlace(r: MutScalar): void {
  if (boundsViolation(r) !== null) markUnbounded(r);
}

/**
 * reg_bounds_sanity_check: the message of the first violated invariant
 * ("range bounds violation", "const tnum out of sync with range bounds",
 * "const subreg tnum out of sync with range bounds"), or null. A violated
 * invariant means the scalar stands for no value at all.
 */
export function boundsViolation(s: Scalar): string | null {
  if (s.umin > s.umax || s.smin > s.smax || s.u32min > s.u32max || s.s32min > s.s32max) {
    return 'range bounds violation';
  }
  if (tnumIsConst(s.var_off)) {
    const uv = s.var_off.value;
    if (s.umin !== uv || s.umax !== uv || s.smin !== s64(uv) || s.smax !== s64(uv)) {
      return 'const tnum out of sync with range bounds';
    }
  }
  if (tnumSubregIsConst(s.var_off)) {
    const uv = u32(s.var_off.value);
    if (s.u32min !== uv || s.u32max !== uv || s.s32min !== s32(uv) || s.s32max !== s32(uv)) {
      return 'const subreg tnum out of sync with range bounds';
    }
  }
  return null;
}

/**
 * True where `s` provably stands for no value: a violated invariant
 * (boundsViolation), an empty range, or no member of var_off inside
 * [umin, umax] (resp. of its low half inside [u32min, u32max]). Sound for
 * synchronised scalars (boundsSync output; the invariant check assumes it),
 * not complete: false does not promise a member exists.
 */
export function scalarIsEmpty(s: Scalar): boolean {
  if (boundsViolation(s) !== null) return true;
  const t = s.var_off;
  const first64 = tnumContains(t, s.umin) ? s.umin : tnumStep(t, s.umin);
  if (first64 < s.umin || first64 > s.umax || !tnumContains(t, first64)) return true;
  const t32 = tnumSubreg(t);
  const first32 = tnumContains(t32, s.u32min) ? s.u32min : tnumStep(t32, s.u32min);
  return first32 < s.u32min || first32 > s.u32max || !tnumContains(t32, first32);
}

/** True where the 64-bit value x satisfies all nine facts of `s`. */
export function scalarContains(s: Scalar, x: bigint): boolean {
  const v = u64(x);
  const lo = u32(v);
  return tnumContains(s.var_off, v) && v >= s.umin && v <= s.umax && s64(v) >= s.smin && s64(v) <= s.smax &&
    lo >= s.u32min && lo <= s.u32max && s32(lo) >= s.s32min && s32(lo) <= s.s32max;
}

/** True where var_off is a constant (tnum_is_const). */
export function isConst(s: Scalar): boolean {
  return tnumIsConst(s.var_off);
}

/** The constant value (u64) where var_off is constant, else undefined. */
export function constValue(s: Scalar): bigint | undefined {
  return tnumIsConst(s.var_off) ? s.var_off.value : undefined;
}

/** is_reg_const: the low 32 bits (subreg32) or the whole value is a known constant. */
export function isRegConst(s: Scalar, subreg32: boolean): boolean {
  return subreg32 ? tnumSubregIsConst(s.var_off) : tnumIsConst(s.var_off);
}

/** reg_const_value: the constant of `isRegConst` (low 32 bits when subreg32). */
export function regConstValue(s: Scalar, subreg32: boolean): bigint {
  return subreg32 ? u32(s.var_off.value) : s.var_off.value;
}

/** Exact equality of all nine fields. */
export function scalarsEqual(a: Scalar, b: Scalar): boolean {
  return a.var_off.value === b.var_off.value && a.var_off.mask === b.var_off.mask &&
    a.smin === b.smin && a.smax === b.smax && a.umin === b.umin && a.umax === b.umax &&
    a.s32min === b.s32min && a.s32max === b.s32max && a.u32min === b.u32min && a.u32max === b.u32max;
}

/** regsafe's range_within(old, cur): every bound of `cur` lies within `old`'s. */
export function rangeWithinBounds(old: Scalar, cur: Scalar): boolean {
  return old.umin <= cur.umin && old.umax >= cur.umax && old.smin <= cur.smin && old.smax >= cur.smax &&
    old.u32min <= cur.u32min && old.u32max >= cur.u32max && old.s32min <= cur.s32min && old.s32max >= cur.s32max;
}
