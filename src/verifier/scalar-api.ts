/**
 * The one place the verifier takes its scalar domain from: the scalar module
 * (src/verifier/scalar: tnum, 64/32-bit bounds, reg_bounds_sync, ALU transfer
 * functions, branch decisions and refinement, log text), with the few
 * adapters the verifier's call sites use.
 */
import {
  type AluOpName, scalarConst as moduleScalarConst, type CondOp, type Scalar, formatScalar, formatScalarRanges, isConst, rangeWithin, scalarAlu,
  scalarCoerce, scalarCoerceSx, scalarsEqual,
} from './scalar/index.js';

export {
  type Tnum, scalarUnknown, scalarAlu, isBranchTaken, refineBranch, formatScalar,
  formatScalarRanges, tnumIsConst, tnumStr, tnumConst, tnumAdd, scalarEndian, scalarMovsx, aluFork,
} from './scalar/index.js';

/**
 * The constant scalar `v` (wrapped to 64 bits): the same value as the scalar
 * module's scalarConst, built without Object.freeze (hot path of constant
 * folding; scalars are never mutated).
 */
export function scalarConst(v: bigint): Scalar {
  const u = BigInt.asUintN(64, v);
  const s = BigInt.asIntN(64, u);
  const l = u & 0xffffffffn;
  const l32 = BigInt.asIntN(32, l);
  return { var_off: { value: u, mask: 0n }, smin: s, smax: s, umin: u, umax: u, s32min: l32, s32max: l32, u32min: l, u32max: l };
}

/** ALU operation names. */
export type AluName = AluOpName;
/** Conditional jump names. */
export type JmpName = CondOp;

/** Scalars are immutable: a copy is the value itself. */
export function scalarClone(s: Scalar): Scalar { return s; }
/** regsafe for scalars: every value of `cur` is allowed by `old`. */
export function scalarIn(old: Scalar, cur: Scalar): boolean { return rangeWithin(old, cur); }
/** Exact equality (loop detection). */
export function scalarEq(a: Scalar, b: Scalar): boolean { return scalarsEqual(a, b); }
/** True for a single known value. */
export function scalarIsConst(s: Scalar): boolean { return isConst(s); }
/** The low 32 bits, zero-extended (a 32-bit move). */
export function zext32(s: Scalar): Scalar { return scalarAlu('mov', false, s, s); }
/** coerce_reg_to_size: keep the low `bytes` bytes, zero-extended. */
export function truncate(s: Scalar, bytes: number): Scalar { return bytes >= 8 ? s : scalarCoerce(s, bytes as 1 | 2 | 4); }
/** coerce_reg_to_size_sx: sign-extend from `bytes` bytes to 64 bits. */
export function signExtend(s: Scalar, bytes: number): Scalar { return bytes >= 8 ? s : scalarCoerceSx(s, bytes as 1 | 2 | 4); }
/** The ranges part of a scalar's log text (no `scalar(` wrapper). */
export function formatRanges(s: Scalar): string { return formatScalarRanges(s); }
export { formatScalar as formatScalarFull, moduleScalarConst };
export type { Scalar };
