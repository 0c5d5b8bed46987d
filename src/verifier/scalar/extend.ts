/**
 * Narrowing, widening and byte-order transfer functions on scalars, after
 * Linux 6.18 kernel/bpf/verifier.c: `scalar_byte_swap` (BPF_END),
 * `coerce_reg_to_size` (zero-extending narrow values and loads),
 * `coerce_reg_to_size_sx` / `coerce_subreg_to_size_sx` with
 * `set_sext{64,32}_default_val` (sign-extending loads and moves).
 */
import { BpfError, ErrorCode } from '../../errors.js';
import {
  type MutScalar, type Scalar, boundsSyncInPlace, freeze, markUnbounded, markUnbounded32, mut, sanitizeInPlace,
  zext32To64,
} from './bounds.js';
import {
  TNUM_UNKNOWN, tnumBswap16, tnumBswap32, tnumBswap64, tnumCast, tnumConst, tnumIsConst, tnumRange, tnumSubreg,
} from './tnum.js';
import { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX, max, min, s16, s32, s64, s8, u32, u64 } from './u64.js';

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
 * @throws BpfError (RESERVED_FIELD) for a 32-bit move from 32 bits (the kernel's "BPF_MOV uses reserved fields").
 */
export function scalarMovsx(is64: boolean, size: 1 | 2 | 4, src: Scalar): Scalar {
  if (!is64 && size === 4) throw new BpfError(ErrorCode.ReservedField, 'BPF_MOV uses reserved fields');
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
