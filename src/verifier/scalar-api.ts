/**
 * The one place the verifier takes its scalar domain from (tnum, 64/32-bit
 * bounds, ALU transfer functions, branch decisions and refinement, log text).
 * Everything else in src/verifier imports scalar operations from here only.
 */
export {
  type Scalar, type Tnum, type AluName, type JmpName, type Taken,
  scalarConst, scalarUnknown, scalarClone, boundsSync, scalarAlu, isBranchTaken, refineBranch, formatScalar,
  scalarIn, scalarEq, scalarIsConst, scalarIsConst32, zext32, truncate, signExtend, tnumIsConst, tnumStr,
  tnumConst, tnumAdd, scalarEmpty,
} from './scalar-lite.js';
