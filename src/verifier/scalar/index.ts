/**
 * The verifier's scalar abstract domain (Linux 6.18 kernel/bpf/tnum.c and the
 * scalar parts of kernel/bpf/verifier.c and kernel/bpf/log.c): tnums, the
 * nine-field `Scalar`, the `reg_bounds_sync` pipeline, ALU transfer
 * functions, conditional-jump decisions and refinements, the log format, and
 * the pruning comparison. See docs/verifier-scalar.md.
 */
export {
  type Tnum, tnum, TNUM_UNKNOWN, tnumConst, tnumRange, tnumLshift, tnumRshift, tnumArshift, tnumAdd, tnumSub,
  tnumNeg, tnumMul, tnumAnd, tnumOr, tnumXor, tnumUnion, tnumIntersect, tnumOverlap, tnumStep, tnumCast, tnumIsAligned,
  tnumIn, tnumContains, tnumIsConst, tnumEqualsConst, tnumIsUnknown, tnumSubreg, tnumClearSubreg,
  tnumWithSubreg, tnumConstSubreg, tnumSubregIsConst, tnumBswap16, tnumBswap32, tnumBswap64, tnumStr,
  tnumSbin,
} from './tnum.js';
export {
  type Scalar, SCALAR_UNKNOWN, scalarConst, scalarImm, scalarUnknown, scalarRange, scalarSRange, scalarFromTnum,
  makeScalar, boundsSync, boundsSyncKernel, boundsViolation, scalarIsEmpty, scalarContains, isConst, constValue, isRegConst, regConstValue,
  DEDUCE_PASSES,
} from './bounds.js';
export { type AluOpName, ALU_OPS, aluRangeComputable, scalarAlu, scalarAluKernel, aluFork } from './alu.js';
export {
  type EndianKind, scalarEndian, scalarCoerce, scalarCoerceSx, scalarCoerceSubregSx, scalarMovsx, scalarCastLoad,
  scalarLoadUnknown,
} from './extend.js';
export {
  type CondOp, COND_OPS, isBranchTaken, refineBranch, refineBranchRaw, revOpcode, flipOpcode,
} from './branch.js';
export { type ScalarFormatOptions, formatScalar, formatScalarRanges, formatSnum, formatUnum } from './format.js';
export { rangeWithin, rangeWithinBounds, scalarsEqual } from './prune.js';
export {
  U64_MAX, U32_MAX, S64_MIN, S64_MAX, S32_MIN, S32_MAX, u64, s64, u32, s32,
} from './u64.js';
