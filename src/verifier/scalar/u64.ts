/**
 * Fixed-width integer helpers on BigInt for the scalar abstract domain.
 *
 * Every value handled by the domain is a BigInt; these helpers reproduce C's
 * wrap-around (u64/u32) and two's-complement reinterpretation (s64/s32) so the
 * transfer functions can be written step by step like the kernel's C code
 * (kernel/bpf/verifier.c, kernel/bpf/tnum.c) without hidden overflow.
 */

/** 2^64 - 1. */
export const U64_MAX = (1n << 64n) - 1n;
/** 2^32 - 1. */
export const U32_MAX = 0xffff_ffffn;
/** -2^63. */
export const S64_MIN = -(1n << 63n);
/** 2^63 - 1. */
export const S64_MAX = (1n << 63n) - 1n;
/** -2^31. */
export const S32_MIN = -(1n << 31n);
/** 2^31 - 1. */
export const S32_MAX = (1n << 31n) - 1n;

/** Wraps to an unsigned 64-bit value in [0, 2^64). */
export const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
/** Reinterprets the low 64 bits as signed, in [-2^63, 2^63). */
export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
/** Wraps to an unsigned 32-bit value in [0, 2^32). */
export const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
/** Reinterprets the low 32 bits as signed, in [-2^31, 2^31). */
export const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
/** Reinterprets the low 16 bits as signed. */
export const s16 = (x: bigint): bigint => BigInt.asIntN(16, x);
/** Reinterprets the low 8 bits as signed. */
export const s8 = (x: bigint): bigint => BigInt.asIntN(8, x);

/** Larger of two BigInts. */
export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
/** Smaller of two BigInts. */
export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** Number of the highest set bit, 1-based (fls64); 0 for 0. */
export function fls64(x: bigint): number {
  const v = u64(x);
  return v === 0n ? 0 : v.toString(2).length;
}

/** True where `x` is a power of two (x != 0 and one bit set). */
export function isPowerOf2(x: bigint): boolean {
  return x !== 0n && (x & (x - 1n)) === 0n;
}

/** Byte swap of the low `bytes` bytes of `x` (the result has only those bytes). */
export function swab(x: bigint, bytes: number): bigint {
  let r = 0n;
  for (let i = 0; i < bytes; i++) r = (r << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
  return r;
}
