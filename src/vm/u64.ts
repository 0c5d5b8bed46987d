/**
 * 64-bit integer arithmetic on (hi, lo) 32-bit halves, for the interpreter's
 * and the JIT's hot paths (no BigInt, no allocation).
 *
 * Conventions:
 * - A 64-bit value is a pair of int32 halves `(h, l)`; both are taken modulo
 *   2^32, so callers may pass either signed or unsigned 32-bit numbers.
 * - Operations with a 64-bit result write it to `out[o]` (low half) and
 *   `out[o + 1]` (high half) of an Int32Array; the interpreter passes its
 *   register file directly (registers are interleaved lo/hi pairs).
 * - 32-bit operations return an int32 (the low half; callers zero-extend).
 *
 * Semantics are those of the Linux kernel's eBPF (kernel/bpf/core.c
 * ___bpf_prog_run plus the verifier's rewrites in do_misc_fixups, RFC 9669
 * §4): unsigned DIV by zero gives 0, MOD by zero leaves the dividend
 * (for 32-bit forms: zero-extended), SDIV INT_MIN / -1 gives INT_MIN and SMOD
 * INT_MIN % -1 gives 0, signed remainders take the dividend's sign, shift
 * amounts are masked to 63 (64-bit) or 31 (32-bit).
 */

const TWO32 = 4294967296;

/** Scratch for the division routines (module-scope, allocated once). */
let qH = 0, qL = 0, rH = 0, rL = 0;

/** Writes `(h, l)` to `out[o]`, `out[o+1]`. */
function put(out: Int32Array, o: number, h: number, l: number): void {
  out[o] = l;
  out[o + 1] = h;
}

/** `a + b` modulo 2^64. */
export function add64(out: Int32Array, o: number, ah: number, al: number, bh: number, bl: number): void {
  const s = (al >>> 0) + (bl >>> 0);
  out[o] = s | 0;
  out[o + 1] = (ah + bh + (s >= TWO32 ? 1 : 0)) | 0;
}

/** `a - b` modulo 2^64. */
export function sub64(out: Int32Array, o: number, ah: number, al: number, bh: number, bl: number): void {
  const ul = al >>> 0, vl = bl >>> 0;
  out[o] = (ul - vl) | 0;
  out[o + 1] = (ah - bh - (ul < vl ? 1 : 0)) | 0;
}

/** `-a` modulo 2^64. */
export function neg64(out: Int32Array, o: number, ah: number, al: number): void {
  out[o] = (-al) | 0;
  out[o + 1] = (~ah + ((al | 0) === 0 ? 1 : 0)) | 0;
}

/** High 32 bits (unsigned, as a double) of the unsigned product of two 32-bit values. */
export function mulhiU32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const t = a0 * b0;
  const m1 = a1 * b0 + (t >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  return a1 * b1 + Math.floor(m1 / 65536) + Math.floor(m2 / 65536);
}

/** `a * b` modulo 2^64. */
export function mul64(out: Int32Array, o: number, ah: number, al: number, bh: number, bl: number): void {
  const hi = mulhiU32(al >>> 0, bl >>> 0) + Math.imul(ah, bl) + Math.imul(al, bh);
  out[o] = Math.imul(al, bl);
  out[o + 1] = hi | 0;
}

/** Number of leading zero bits of a 64-bit value (64 for zero). */
function clz64(h: number, l: number): number {
  return h !== 0 ? Math.clz32(h) : 32 + Math.clz32(l);
}

/**
 * Unsigned 64-bit division with remainder; the divisor must be non-zero.
 * Leaves the quotient in qH/qL and the remainder in rH/rL.
 */
function udivmodCore(nh: number, nl: number, dh: number, dl: number): void {
  nh >>>= 0; nl >>>= 0; dh >>>= 0; dl >>>= 0;
  if (nh === 0 && dh === 0) {
    const q = Math.floor(nl / dl);
    qH = 0; qL = q | 0; rH = 0; rL = (nl - q * dl) | 0;
    return;
  }
  // Both below 2^53: doubles are exact enough; correct the estimate by one step.
  if (nh < 0x200000 && dh < 0x200000) {
    const n = nh * TWO32 + nl, d = dh * TWO32 + dl;
    let q = Math.floor(n / d);
    let r = n - q * d;
    if (r < 0) { q -= 1; r += d; } else if (r >= d) { q += 1; r -= d; }
    qH = Math.floor(q / TWO32) | 0; qL = q | 0;
    rH = Math.floor(r / TWO32) | 0; rL = r | 0;
    return;
  }
  // General case: shift-subtract over the significant bits of n.
  if (dh > nh || (dh === nh && dl > nl)) {
    qH = 0; qL = 0; rH = nh | 0; rL = nl | 0;
    return;
  }
  const shift = clz64(dh, dl) - clz64(nh, nl);
  // d <<= shift
  let sh = dh, sl = dl;
  if (shift >= 32) { sh = sl << (shift - 32) >>> 0; sl = 0; } else if (shift > 0) { sh = ((sh << shift) | (sl >>> (32 - shift))) >>> 0; sl = (sl << shift) >>> 0; }
  let rh = nh, rl = nl, qh = 0, ql = 0;
  for (let i = shift; i >= 0; i--) {
    qh = ((qh << 1) | (ql >>> 31)) >>> 0;
    ql = (ql << 1) >>> 0;
    if (rh > sh || (rh === sh && rl >= sl)) {
      const borrow = rl < sl ? 1 : 0;
      rl = (rl - sl) >>> 0;
      rh = (rh - sh - borrow) >>> 0;
      ql = (ql | 1) >>> 0;
    }
    sl = ((sl >>> 1) | (sh << 31)) >>> 0;
    sh = sh >>> 1;
  }
  qH = qh | 0; qL = ql | 0; rH = rh | 0; rL = rl | 0;
}

/** Unsigned `a / b`; division by zero gives 0 (kernel semantics). */
export function udiv64(out: Int32Array, o: number, ah: number, al: number, bh: number, bl: number): void {
  if ((bh | bl) === 0) { put(out, o, 0, 0); return; }
  udivmodCore(ah, al, bh, bl);
  put(out, o, qH, qL);
}

/** Unsigned `a % b`; modulo by zero leaves `a` (kernel semantics). */
export function umod64(out: Int32Array, o: number, ah: number, al: number, bh: number, bl: number): void {
  if ((bh | bl) === 0) { put(out, o, ah | 0, al | 0); return; }
  udivmodCore(ah, al, bh, bl);
  put(out, o, rH, rL);
}

/**
 * Signed `a / b` truncating toward zero; by zero gives 0, INT64_MIN / -1
 * gives INT64_MIN (kernel semantics: the verifier rewrites x / -1 to -x).
 */
export function sdiv64(out: Int32Array, o: number, ah: number, al: number, bh: number, bl: number): void {
  if ((bh | bl) === 0) { put(out, o, 0, 0); return; }
  const an = ah < 0, bn = bh < 0;
  let xh = ah | 0, xl = al | 0, yh = bh | 0, yl = bl | 0;
  if (an) { xl = (-al) | 0; xh = (~ah + ((al | 0) === 0 ? 1 : 0)) | 0; }
  if (bn) { yl = (-bl) | 0; yh = (~bh + ((bl | 0) === 0 ? 1 : 0)) | 0; }
  udivmodCore(xh, xl, yh, yl);
  if (an !== bn) neg64(out, o, qH, qL);
  else put(out, o, qH, qL);
}

/**
 * Signed `a % b` (the result has the dividend's sign); by zero leaves `a`,
 * INT64_MIN % -1 gives 0.
 */
export function smod64(out: Int32Array, o: number, ah: number, al: number, bh: number, bl: number): void {
  if ((bh | bl) === 0) { put(out, o, ah | 0, al | 0); return; }
  const an = ah < 0, bn = bh < 0;
  let xh = ah | 0, xl = al | 0, yh = bh | 0, yl = bl | 0;
  if (an) { xl = (-al) | 0; xh = (~ah + ((al | 0) === 0 ? 1 : 0)) | 0; }
  if (bn) { yl = (-bl) | 0; yh = (~bh + ((bl | 0) === 0 ? 1 : 0)) | 0; }
  udivmodCore(xh, xl, yh, yl);
  if (an) neg64(out, o, rH, rL);
  else put(out, o, rH, rL);
}

/** Unsigned 32-bit `a / b` (int32 result); by zero gives 0. */
export function udiv32(a: number, b: number): number {
  const d = b >>> 0;
  return d === 0 ? 0 : Math.floor((a >>> 0) / d) | 0;
}

/** Unsigned 32-bit `a % b`; by zero leaves `a`. */
export function umod32(a: number, b: number): number {
  const d = b >>> 0;
  return d === 0 ? a | 0 : ((a >>> 0) % d) | 0;
}

/** Signed 32-bit `a / b`; by zero gives 0, INT32_MIN / -1 gives INT32_MIN. */
export function sdiv32(a: number, b: number): number {
  b |= 0;
  if (b === 0) return 0;
  if (b === -1) return (-a) | 0;
  return ((a | 0) / b) | 0;
}

/** Signed 32-bit `a % b` (dividend's sign); by zero leaves `a`, INT32_MIN % -1 gives 0. */
export function smod32(a: number, b: number): number {
  b |= 0;
  if (b === 0) return a | 0;
  if (b === -1) return 0;
  return ((a | 0) % b) | 0;
}

/** `a << (n & 63)`. */
export function lsh64(out: Int32Array, o: number, ah: number, al: number, n: number): void {
  n &= 63;
  if (n === 0) put(out, o, ah | 0, al | 0);
  else if (n < 32) put(out, o, (ah << n) | (al >>> (32 - n)), al << n);
  else put(out, o, al << (n - 32), 0);
}

/** Logical `a >> (n & 63)`. */
export function rsh64(out: Int32Array, o: number, ah: number, al: number, n: number): void {
  n &= 63;
  if (n === 0) put(out, o, ah | 0, al | 0);
  else if (n < 32) put(out, o, ah >>> n, (al >>> n) | (ah << (32 - n)));
  else put(out, o, 0, ah >>> (n - 32));
}

/** Arithmetic `a >> (n & 63)`. */
export function arsh64(out: Int32Array, o: number, ah: number, al: number, n: number): void {
  n &= 63;
  if (n === 0) put(out, o, ah | 0, al | 0);
  else if (n < 32) put(out, o, ah >> n, (al >>> n) | (ah << (32 - n)));
  else put(out, o, ah >> 31, ah >> (n - 32));
}

/** Byte swap of the low 16 bits (result zero-extended). */
export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** Byte swap of a 32-bit value (int32 result). */
export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

/** Byte swap of a 64-bit value. */
export function bswap64(out: Int32Array, o: number, ah: number, al: number): void {
  put(out, o, bswap32(al), bswap32(ah));
}

/** `a == b`. */
export function eq64(ah: number, al: number, bh: number, bl: number): boolean {
  return (ah | 0) === (bh | 0) && (al | 0) === (bl | 0);
}

/** Unsigned `a < b`. */
export function ult64(ah: number, al: number, bh: number, bl: number): boolean {
  const x = ah >>> 0, y = bh >>> 0;
  return x < y || (x === y && (al >>> 0) < (bl >>> 0));
}

/** Unsigned `a <= b`. */
export function ule64(ah: number, al: number, bh: number, bl: number): boolean {
  const x = ah >>> 0, y = bh >>> 0;
  return x < y || (x === y && (al >>> 0) <= (bl >>> 0));
}

/** Signed `a < b`. */
export function slt64(ah: number, al: number, bh: number, bl: number): boolean {
  const x = ah | 0, y = bh | 0;
  return x < y || (x === y && (al >>> 0) < (bl >>> 0));
}

/** Signed `a <= b`. */
export function sle64(ah: number, al: number, bh: number, bl: number): boolean {
  const x = ah | 0, y = bh | 0;
  return x < y || (x === y && (al >>> 0) <= (bl >>> 0));
}

/** The unsigned 64-bit BigInt of `(h, l)` (public API / tests, not hot paths). */
export function toBigU64(h: number, l: number): bigint {
  return (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
}

/** Writes `v mod 2^64` as `(h, l)` to `out[o]`, `out[o+1]` (public API / tests). */
export function fromBigU64(out: Int32Array, o: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  out[o] = Number(u & 0xffffffffn) | 0;
  out[o + 1] = Number(u >> 32n) | 0;
}
