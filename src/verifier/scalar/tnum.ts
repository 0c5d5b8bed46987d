/**
 * Tracked numbers ("tnums"): the bit-level half of the verifier's scalar
 * domain, after Linux 6.18 kernel/bpf/tnum.c and include/linux/tnum.h.
 *
 * A tnum is a pair (value, mask) of unsigned 64-bit values with
 * `value & mask == 0`: bits set in `mask` are unknown, the other bits are
 * known and equal to the corresponding bit of `value`. The set of concrete
 * values it stands for is { x : x & ~mask == value }.
 *
 * Every function is pure and returns a fresh object. Shift amounts are plain
 * numbers (the kernel passes u8); everything else is BigInt in [0, 2^64).
 */
import { U64_MAX, fls64, s32, s64, swab, u32, u64 } from './u64.js';

/** A tracked number: `value` holds the known bits, `mask` the unknown ones. */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

const T = (value: bigint, mask: bigint): Tnum => ({ value: u64(value), mask: u64(mask) });

/** The constant `v` (wrapped to 64 bits). */
export function tnumConst(v: bigint): Tnum {
  return T(v, 0n);
}

/** The fully unknown tnum (value 0, mask all ones). */
export const TNUM_UNKNOWN: Tnum = Object.freeze({ value: 0n, mask: U64_MAX });

/** Smallest tnum containing every value of the unsigned range [min, max] (tnum_range). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = u64(min) ^ u64(max);
  const bits = fls64(chi);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return T(u64(min) & ~delta, delta);
}

/** Logical left shift by `shift` bits (0..63). */
export function tnumLshift(a: Tnum, shift: number): Tnum {
  const s = BigInt(shift);
  return T(a.value << s, a.mask << s);
}

/** Logical right shift by `shift` bits (0..63). */
export function tnumRshift(a: Tnum, shift: number): Tnum {
  const s = BigInt(shift);
  return T(a.value >> s, a.mask >> s);
}

/**
 * Arithmetic right shift by `minShift` bits of the 64-bit value, or of the low
 * 32 bits (result zero-extended) when `insnBitness` is 32 (tnum_arshift).
 */
export function tnumArshift(a: Tnum, minShift: number, insnBitness: 32 | 64): Tnum {
  const s = BigInt(minShift);
  if (insnBitness === 32) return T(u32(s32(a.value) >> s), u32(s32(a.mask) >> s));
  return T(s64(a.value) >> s, s64(a.mask) >> s);
}

/** Addition modulo 2^64 (tnum_add). */
export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return T(sv & ~mu, mu);
}

/** Subtraction modulo 2^64 (tnum_sub). */
export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return T(dv & ~mu, mu);
}

/** Two's-complement negation (tnum_neg = 0 - a). */
export function tnumNeg(a: Tnum): Tnum {
  return tnumSub(T(0n, 0n), a);
}

/** Bitwise and (tnum_and). */
export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return T(v, alpha & beta & ~v);
}

/** Bitwise or (tnum_or). */
export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return T(v, mu & ~v);
}

/** Bitwise xor (tnum_xor). */
export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return T(v & ~mu, mu);
}

/**
 * Smallest tnum containing both operands (tnum_union): uncertain wherever
 * either is uncertain or they disagree.
 */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const v = a.value & b.value;
  const mu = (a.value ^ b.value) | a.mask | b.mask;
  return T(v & ~mu, mu);
}

/**
 * Multiplication modulo 2^64 (tnum_mul, the shift-and-add form that takes the
 * union of both partial products where a multiplier bit is unknown).
 */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let acc = T(0n, 0n);
  let x = a;
  let y = b;
  while (x.value !== 0n || x.mask !== 0n) {
    if (x.value & 1n) acc = tnumAdd(acc, y);
    else if (x.mask & 1n) acc = tnumUnion(acc, tnumAdd(acc, y));
    x = tnumRshift(x, 1);
    y = tnumLshift(y, 1);
  }
  return acc;
}

/**
 * Combination of two facts about the same value (tnum_intersect). Where the
 * operands contradict each other (a known 1 against a known 0) the result says
 * "known 1", as the kernel's does.
 */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return T(v & ~mu, mu);
}

/** True where some concrete value belongs to both `a` and `b`. */
export function tnumOverlap(a: Tnum, b: Tnum): boolean {
  const mu = ~a.mask & ~b.mask;
  return ((a.value ^ b.value) & mu & U64_MAX) === 0n;
}

/**
 * The smallest member of `t` strictly greater than `z` (tnum_step's
 * contract): `t.value` where z < t.value, and the largest member
 * `t.value | t.mask` where z >= it.
 */
export function tnumStep(t: Tnum, z: bigint): bigint {
  const tmax = t.value | t.mask;
  const zz = u64(z);
  if (zz >= tmax) return tmax;
  if (zz < t.value) return t.value;
  // Smallest member >= y = z + 1. Let h be the highest bit where y
  // contradicts a known bit of t. If y has 0 there (t has 1), the answer keeps
  // y above h, sets bit h and takes only known bits below. If y has 1 there,
  // the answer must carry into the lowest unknown bit j > h where y has 0.
  const y = zz + 1n;
  const conflict = (y ^ t.value) & ~t.mask & U64_MAX;
  if (conflict === 0n) return y;
  const h = BigInt(conflict.toString(2).length - 1);
  const bitH = 1n << h;
  const above = (bit: bigint): bigint => ~((bit << 1n) - 1n) & U64_MAX;
  if ((y & bitH) === 0n) return (y & above(bitH)) | bitH | (t.value & (bitH - 1n));
  const free = t.mask & ~y & above(bitH);
  if (free === 0n) return tmax;
  const bitJ = free & -free;
  return (y & above(bitJ)) | bitJ | (t.value & (bitJ - 1n));
}

/** Keeps the low `size` bytes (1, 2, 4 or 8) (tnum_cast). */
export function tnumCast(a: Tnum, size: number): Tnum {
  if (size >= 8) return T(a.value, a.mask);
  const m = (1n << BigInt(size * 8)) - 1n;
  return T(a.value & m, a.mask & m);
}

/** True where every member is a multiple of `size` (a power of two; 0 = always true). */
export function tnumIsAligned(a: Tnum, size: bigint): boolean {
  if (size === 0n) return true;
  return ((a.value | a.mask) & (size - 1n)) === 0n;
}

/** True where every member of `b` is a member of `a` (tnum_in(a, b)). */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if (b.mask & ~a.mask) return false;
  return a.value === (b.value & ~a.mask);
}

/** True where the concrete value `x` is a member of `a`. */
export function tnumContains(a: Tnum, x: bigint): boolean {
  return (u64(x) & ~a.mask & U64_MAX) === a.value;
}

/** True where `a` is fully known. */
export function tnumIsConst(a: Tnum): boolean {
  return a.mask === 0n;
}

/** True where `a` is fully known and equal to `b`. */
export function tnumEqualsConst(a: Tnum, b: bigint): boolean {
  return a.mask === 0n && a.value === u64(b);
}

/** True where nothing is known. */
export function tnumIsUnknown(a: Tnum): boolean {
  return a.mask === U64_MAX;
}

/** The low 32 bits (tnum_subreg). */
export function tnumSubreg(a: Tnum): Tnum {
  return tnumCast(a, 4);
}

/** The high 32 bits, low half cleared (tnum_clear_subreg). */
export function tnumClearSubreg(a: Tnum): Tnum {
  return tnumLshift(tnumRshift(a, 32), 32);
}

/** High half of `reg` with the low half of `subreg` (tnum_with_subreg). */
export function tnumWithSubreg(reg: Tnum, subreg: Tnum): Tnum {
  return tnumOr(tnumClearSubreg(reg), tnumSubreg(subreg));
}

/** High half of `a` with the constant low half `value` (tnum_const_subreg). */
export function tnumConstSubreg(a: Tnum, value: bigint): Tnum {
  return tnumWithSubreg(a, tnumConst(u32(value)));
}

/** True where the low 32 bits are fully known (tnum_subreg_is_const). */
export function tnumSubregIsConst(a: Tnum): boolean {
  return (a.mask & 0xffff_ffffn) === 0n;
}

/** Byte swap of the low 16 bits; the result has only 16 bits (tnum_bswap16). */
export function tnumBswap16(a: Tnum): Tnum {
  return T(swab(a.value, 2), swab(a.mask, 2));
}

/** Byte swap of the low 32 bits; the result has only 32 bits (tnum_bswap32). */
export function tnumBswap32(a: Tnum): Tnum {
  return T(swab(a.value, 4), swab(a.mask, 4));
}

/** Byte swap of all 64 bits (tnum_bswap64). */
export function tnumBswap64(a: Tnum): Tnum {
  return T(swab(a.value, 8), swab(a.mask, 8));
}

/** The kernel's `(%#llx; %#llx)` rendering of a tnum (kernel printk prints 0 as 0x0). */
export function tnumStr(a: Tnum): string {
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}

/** 64 characters, most significant first: '0', '1' or 'x' per bit (tnum_sbin). */
export function tnumSbin(a: Tnum): string {
  let s = '';
  for (let i = 63; i >= 0; i--) {
    const bit = 1n << BigInt(i);
    s += a.mask & bit ? 'x' : a.value & bit ? '1' : '0';
  }
  return s;
}

/**
 * The tnum operations under the kernel's names, as one object
 * (`tnum.add(a, b)`, `tnum.const(5n)`, ...).
 */
export const tnum = Object.freeze({
  const: tnumConst,
  unknown: TNUM_UNKNOWN,
  range: tnumRange,
  lshift: tnumLshift,
  rshift: tnumRshift,
  arshift: tnumArshift,
  add: tnumAdd,
  sub: tnumSub,
  neg: tnumNeg,
  mul: tnumMul,
  and: tnumAnd,
  or: tnumOr,
  xor: tnumXor,
  union: tnumUnion,
  intersect: tnumIntersect,
  overlap: tnumOverlap,
  step: tnumStep,
  cast: tnumCast,
  is_aligned: tnumIsAligned,
  in: tnumIn,
  contains: tnumContains,
  is_const: tnumIsConst,
  equals_const: tnumEqualsConst,
  is_unknown: tnumIsUnknown,
  subreg: tnumSubreg,
  clear_subreg: tnumClearSubreg,
  with_subreg: tnumWithSubreg,
  const_subreg: tnumConstSubreg,
  subreg_is_const: tnumSubregIsConst,
  bswap16: tnumBswap16,
  bswap32: tnumBswap32,
  bswap64: tnumBswap64,
  str: tnumStr,
  sbin: tnumSbin,
});
