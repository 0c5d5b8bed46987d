/**
 * A compact scalar abstract domain for the verifier: a tnum (value, mask) plus
 * signed/unsigned 64-bit and 32-bit bounds, kept consistent by one sync
 * pipeline (after `kernel/bpf/tnum.c` and `reg_bounds_sync` in
 * `kernel/bpf/verifier.c`, Linux 6.18 — facts only, no code copied).
 *
 * This is the verifier's own fallback implementation; it is written against
 * the same shape as the dedicated scalar module (src/verifier/scalar) so that
 * {@link ./scalar-api.ts} can switch between them. All values are BigInts:
 * u64 values in [0, 2^64), signed in [-2^63, 2^63).
 */

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;
const S64MIN = -(1n << 63n);
const S64MAX = (1n << 63n) - 1n;
const S32MIN = -(1n << 31n);
const S32MAX = (1n << 31n) - 1n;

/** Tristate number: bits set in `mask` are unknown; `value & mask` is 0. */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

/** A scalar's abstract value (all bounds inclusive). */
export interface Scalar {
  var_off: Tnum;
  smin: bigint; smax: bigint; umin: bigint; umax: bigint;
  s32min: bigint; s32max: bigint; u32min: bigint; u32max: bigint;
}

/** Constant tnum. */
export function tnumConst(v: bigint): Tnum { return { value: v & M64, mask: 0n }; }
const TNUM_UNKNOWN: Tnum = { value: 0n, mask: M64 };

function fls(x: bigint): number { let n = 0; while (x > 0n) { x >>= 1n; n++; } return n; }

/** The smallest tnum containing [min, max] (unsigned). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  const bits = fls(chi);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return { value: min & ~delta & M64, mask: delta };
}
export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = (a.mask + b.mask) & M64, sv = (a.value + b.value) & M64;
  const sigma = (sm + sv) & M64, chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return { value: sv & ~mu & M64, mask: mu };
}
export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = (a.value - b.value) & M64;
  const alpha = (dv + a.mask) & M64, beta = (dv - b.mask) & M64;
  const chi = alpha ^ beta, mu = chi | a.mask | b.mask;
  return { value: dv & ~mu & M64, mask: mu };
}
export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask, beta = b.value | b.mask, v = a.value & b.value;
  return { value: v, mask: alpha & beta & ~v & M64 };
}
export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value, mu = a.mask | b.mask;
  return { value: v, mask: mu & ~v & M64 };
}
export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value, mu = a.mask | b.mask;
  return { value: v & ~mu & M64, mask: mu };
}
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  // Sound long multiplication over unknown bits.
  let acc_v = (a.value * b.value) & M64;
  let acc_m: Tnum = { value: 0n, mask: 0n };
  let x = a, y = b;
  while (x.value !== 0n || x.mask !== 0n) {
    if (x.value & 1n) acc_m = tnumAdd(acc_m, { value: 0n, mask: y.mask });
    else if (x.mask & 1n) acc_m = tnumAdd(acc_m, { value: 0n, mask: (y.value | y.mask) & M64 });
    x = { value: x.value >> 1n, mask: x.mask >> 1n };
    y = { value: (y.value << 1n) & M64, mask: (y.mask << 1n) & M64 };
  }
  return tnumAdd(tnumConst(acc_v), acc_m);
}
export function tnumLsh(a: Tnum, s: number): Tnum { return { value: (a.value << BigInt(s)) & M64, mask: (a.mask << BigInt(s)) & M64 }; }
export function tnumRsh(a: Tnum, s: number): Tnum { return { value: a.value >> BigInt(s), mask: a.mask >> BigInt(s) }; }
export function tnumArsh(a: Tnum, s: number, w: 32 | 64): Tnum {
  const sx = (v: bigint) => w === 64 ? BigInt.asUintN(64, BigInt.asIntN(64, v) >> BigInt(s)) : BigInt.asUintN(32, BigInt.asIntN(32, v) >> BigInt(s));
  return { value: sx(a.value), mask: sx(a.mask) };
}
export function tnumIntersect(a: Tnum, b: Tnum): Tnum | null {
  if ((a.value ^ b.value) & ~a.mask & ~b.mask & M64) return null;
  const v = a.value | b.value, mu = a.mask & b.mask;
  return { value: v & ~mu & M64, mask: mu };
}
export function tnumCast32(a: Tnum): Tnum { return { value: a.value & M32, mask: a.mask & M32 }; }
export function tnumIsConst(a: Tnum): boolean { return a.mask === 0n; }
/** True when every value of `b` is a value of `a`. */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if (b.mask & ~a.mask & M64) return false;
  return (b.value & ~a.mask & M64) === a.value;
}
/** Kernel-style tnum text: `(0x..; 0x..)`. */
export function tnumStr(t: Tnum): string { return `(0x${t.value.toString(16)}; 0x${t.mask.toString(16)})`; }

const s64 = (u: bigint) => BigInt.asIntN(64, u);
const u64 = (s: bigint) => BigInt.asUintN(64, s);
const s32 = (u: bigint) => BigInt.asIntN(32, u);
const u32 = (s: bigint) => BigInt.asUintN(32, s);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** The unknown scalar (any 64-bit value). */
export function scalarUnknown(): Scalar {
  return { var_off: TNUM_UNKNOWN, smin: S64MIN, smax: S64MAX, umin: 0n, umax: M64, s32min: S32MIN, s32max: S32MAX, u32min: 0n, u32max: M32 };
}
/** A known constant (taken modulo 2^64). */
export function scalarConst(v: bigint): Scalar {
  const u = u64(v), l = u & M32;
  return { var_off: tnumConst(u), smin: s64(u), smax: s64(u), umin: u, umax: u, s32min: s32(l), s32max: s32(l), u32min: l, u32max: l };
}
/** A copy. */
export function scalarClone(s: Scalar): Scalar { return { ...s }; }

/** True when the bounds describe no value (an infeasible path). */
export function scalarEmpty(s: Scalar): boolean {
  return s.smin > s.smax || s.umin > s.umax || s.s32min > s.s32max || s.u32min > s.u32max;
}

/** One pass of bounds derivation in place; returns false when empty. */
function syncOnce(s: Scalar): boolean {
  const t = s.var_off;
  // from tnum (64)
  s.umin = max(s.umin, t.value); s.umax = min(s.umax, t.value | t.mask);
  const sb = 1n << 63n;
  if (!(t.mask & sb)) {
    // sign known
    s.smin = max(s.smin, s64(t.value));
    s.smax = min(s.smax, s64(t.value | t.mask));
  } else {
    s.smin = max(s.smin, s64(t.value | sb));
    s.smax = min(s.smax, s64((t.value | t.mask) & ~sb));
  }
  // from tnum (32)
  const lv = t.value & M32, lm = t.mask & M32, sb32 = 1n << 31n;
  s.u32min = max(s.u32min, lv); s.u32max = min(s.u32max, lv | lm);
  if (!(lm & sb32)) { s.s32min = max(s.s32min, s32(lv)); s.s32max = min(s.s32max, s32(lv | lm)); }
  else { s.s32min = max(s.s32min, s32(lv | sb32)); s.s32max = min(s.s32max, s32((lv | lm) & ~sb32)); }
  // 32 from 64
  if ((s.umin >> 32n) === (s.umax >> 32n)) {
    s.u32min = max(s.u32min, s.umin & M32); s.u32max = min(s.u32max, s.umax & M32);
    if (s32(s.umin & M32) <= s32(s.umax & M32)) {
      s.s32min = max(s.s32min, s32(s.umin & M32)); s.s32max = min(s.s32max, s32(s.umax & M32));
    }
  }
  if ((u64(s.smin) >> 32n) === (u64(s.smax) >> 32n)) {
    const lo = u64(s.smin) & M32, hi = u64(s.smax) & M32;
    if (lo <= hi) { s.u32min = max(s.u32min, lo); s.u32max = min(s.u32max, hi); }
    if (s32(lo) <= s32(hi)) { s.s32min = max(s.s32min, s32(lo)); s.s32max = min(s.s32max, s32(hi)); }
  }
  // 32-bit sign/unsigned cross
  if (s.s32min >= 0n || s.s32max < 0n) {
    s.u32min = max(s.u32min, u32(s.s32min)); s.u32max = min(s.u32max, u32(s.s32max));
  }
  if (s32(s.u32min) <= s32(s.u32max)) {
    s.s32min = max(s.s32min, s32(s.u32min)); s.s32max = min(s.s32max, s32(s.u32max));
  }
  // 64 from 32 when the upper half is known
  if (((t.mask >> 32n) & M32) === 0n) {
    const hi = t.value & ~M32 & M64;
    s.umin = max(s.umin, hi | s.u32min); s.umax = min(s.umax, hi | s.u32max);
  } else if (s.umax <= M32) {
    s.umin = max(s.umin, s.u32min); s.umax = min(s.umax, s.u32max);
  }
  // 64-bit sign/unsigned cross
  if (s.smin >= 0n || s.smax < 0n) {
    s.umin = max(s.umin, u64(s.smin)); s.umax = min(s.umax, u64(s.smax));
  }
  if (s64(s.umin) <= s64(s.umax)) {
    s.smin = max(s.smin, s64(s.umin)); s.smax = min(s.smax, s64(s.umax));
  }
  if (scalarEmpty(s)) return false;
  // tnum from bounds
  const t1 = tnumIntersect(s.var_off, tnumRange(s.umin, s.umax));
  if (t1 === null) return false;
  const r32 = tnumRange(s.u32min, s.u32max);
  const t2 = tnumIntersect(t1, { value: r32.value, mask: r32.mask | (~M32 & M64) });
  if (t2 === null) return false;
  s.var_off = t2;
  return true;
}

/** Makes all bounds agree (in place). Returns false when the value set is empty. */
export function boundsSync(s: Scalar): boolean {
  for (let i = 0; i < 3; i++) if (!syncOnce(s)) return false;
  return !scalarEmpty(s);
}

/** True when the scalar is a single known value. */
export function scalarIsConst(s: Scalar): boolean { return s.var_off.mask === 0n; }
/** True when the low 32 bits are a single known value. */
export function scalarIsConst32(s: Scalar): boolean { return (s.var_off.mask & M32) === 0n; }

/** Zero-extends the low 32 bits (result of a 32-bit ALU op or a 32-bit load). */
export function zext32(s: Scalar): Scalar {
  const r: Scalar = { var_off: tnumCast32(s.var_off), smin: 0n, smax: s.u32max, umin: s.u32min, umax: s.u32max, s32min: s.s32min, s32max: s.s32max, u32min: s.u32min, u32max: s.u32max };
  boundsSync(r);
  return r;
}

/** Truncates to `bytes` bytes (1, 2, 4 or 8), zero-extending (coerce_reg_to_size). */
export function truncate(s: Scalar, bytes: number): Scalar {
  if (bytes >= 8) return scalarClone(s);
  const bits = BigInt(bytes * 8), m = (1n << bits) - 1n;
  const r = scalarUnknown();
  r.var_off = { value: s.var_off.value & m, mask: s.var_off.mask & m };
  if ((s.umin >> bits) === (s.umax >> bits)) { r.umin = s.umin & m; r.umax = s.umax & m; }
  else { r.umin = 0n; r.umax = m; }
  boundsSync(r);
  return r;
}

/** Sign-extends from `bytes` bytes (1, 2 or 4) to 64 bits (movsx / ldsx). */
export function signExtend(s: Scalar, bytes: number): Scalar {
  const bits = bytes * 8;
  const m = (1n << BigInt(bits)) - 1n;
  const t = s.var_off;
  if ((t.mask & m) === 0n) return scalarConst(BigInt.asIntN(bits, t.value & m));
  const r = scalarUnknown();
  const lo = BigInt.asIntN(bits, s.umin & m), hi = BigInt.asIntN(bits, s.umax & m);
  if ((s.umin >> BigInt(bits)) === (s.umax >> BigInt(bits)) && lo <= hi) { r.smin = lo; r.smax = hi; }
  else { r.smin = -(1n << BigInt(bits - 1)); r.smax = (1n << BigInt(bits - 1)) - 1n; }
  boundsSync(r);
  return r;
}

/** ALU operation names understood by {@link scalarAlu}. */
export type AluName = 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'mod' | 'smod' | 'or' | 'and' | 'xor' | 'lsh' | 'rsh' | 'arsh' | 'mov' | 'neg';

interface W { t: Tnum; smin: bigint; smax: bigint; umin: bigint; umax: bigint }

function view(s: Scalar, w: 32 | 64): W {
  return w === 64
    ? { t: s.var_off, smin: s.smin, smax: s.smax, umin: s.umin, umax: s.umax }
    : { t: tnumCast32(s.var_off), smin: s.s32min, smax: s.s32max, umin: s.u32min, umax: s.u32max };
}

function fromView(r: W, w: 32 | 64): Scalar {
  const s = scalarUnknown();
  if (w === 64) {
    s.var_off = r.t; s.smin = r.smin; s.smax = r.smax; s.umin = r.umin; s.umax = r.umax;
  } else {
    s.var_off = tnumCast32(r.t); s.s32min = r.smin; s.s32max = r.smax; s.u32min = r.umin; s.u32max = r.umax;
    s.umin = r.umin; s.umax = r.umax; s.smin = 0n; s.smax = r.umax;
  }
  if (!boundsSync(s)) return w === 64 ? scalarUnknown() : zext32(scalarUnknown());
  return s;
}

function wrapU(x: bigint, w: number): bigint { return BigInt.asUintN(w, x); }

/**
 * Abstract ALU: the set of `dst op src` for all concrete values, over `is64`
 * (else the low 32 bits, zero-extended). Shifts by a non-constant or
 * out-of-range amount give unknown. Sound, not always as precise as Linux.
 */
export function scalarAlu(op: AluName, is64: boolean, dst: Scalar, src: Scalar): Scalar {
  const w: 32 | 64 = is64 ? 64 : 32;
  const a = view(dst, w), b = view(src, w);
  const SMIN = w === 64 ? S64MIN : S32MIN, SMAX = w === 64 ? S64MAX : S32MAX, UMAX = w === 64 ? M64 : M32;
  const mask = w === 64 ? M64 : M32;
  const unk: W = { t: { value: 0n, mask }, smin: SMIN, smax: SMAX, umin: 0n, umax: UMAX };
  const fromT = (t: Tnum): W => ({ t, smin: SMIN, smax: SMAX, umin: 0n, umax: UMAX });
  let r: W;
  const tw = (t: Tnum): Tnum => ({ value: t.value & mask, mask: t.mask & mask });
  const bConst = b.t.mask === 0n;
  switch (op) {
    case 'mov': r = b; break;
    case 'add': {
      r = fromT(tw(tnumAdd(a.t, b.t)));
      const smin = a.smin + b.smin, smax = a.smax + b.smax;
      if (smin >= SMIN && smax <= SMAX) { r.smin = smin; r.smax = smax; }
      const umin = a.umin + b.umin, umax = a.umax + b.umax;
      if (umax <= UMAX) { r.umin = umin; r.umax = umax; }
      break;
    }
    case 'sub': {
      r = fromT(tw(tnumSub(a.t, b.t)));
      const smin = a.smin - b.smax, smax = a.smax - b.smin;
      if (smin >= SMIN && smax <= SMAX) { r.smin = smin; r.smax = smax; }
      if (a.umin >= b.umax) { r.umin = a.umin - b.umax; r.umax = a.umax - b.umin; }
      break;
    }
    case 'mul': {
      r = fromT(tw(tnumMul(a.t, b.t)));
      const umax = a.umax * b.umax;
      if (umax <= UMAX) { r.umin = a.umin * b.umin; r.umax = umax; }
      const ps = [a.smin * b.smin, a.smin * b.smax, a.smax * b.smin, a.smax * b.smax];
      const lo = ps.reduce(min), hi = ps.reduce(max);
      if (lo >= SMIN && hi <= SMAX) { r.smin = lo; r.smax = hi; }
      break;
    }
    case 'div': {
      if (bConst && b.t.value !== 0n && a.t.mask === 0n) { r = fromT(tnumConst(a.t.value / b.t.value)); break; }
      r = { ...unk };
      if (b.umin > 0n) { r.umin = a.umin / b.umax; r.umax = a.umax / b.umin; }
      else { r.umax = a.umax; } // x / 0 = 0 in BPF
      r.t = tnumRange(r.umin, r.umax);
      break;
    }
    case 'mod': {
      if (bConst && b.t.value !== 0n && a.t.mask === 0n) { r = fromT(tnumConst(a.t.value % b.t.value)); break; }
      r = { ...unk };
      // x % 0 = x; x % y < y
      r.umax = b.umin > 0n ? min(a.umax, b.umax - 1n) : a.umax;
      r.t = tnumRange(0n, r.umax);
      break;
    }
    case 'sdiv': case 'smod': {
      if (bConst && a.t.mask === 0n) {
        const x = BigInt.asIntN(w, a.t.value), y = BigInt.asIntN(w, b.t.value);
        let v: bigint;
        if (y === 0n) v = op === 'sdiv' ? 0n : x;
        else if (y === -1n) v = op === 'sdiv' ? -x : 0n;
        else v = op === 'sdiv' ? x / y : x % y;
        r = fromT(tnumConst(wrapU(v, w)));
        break;
      }
      r = { ...unk };
      break;
    }
    case 'and': {
      r = fromT(tw(tnumAnd(a.t, b.t)));
      r.umax = min(a.umax, b.umax);
      if (a.smin >= 0n || b.smin >= 0n) { r.smin = 0n; r.smax = a.smin >= 0n && b.smin >= 0n ? min(a.smax, b.smax) : (a.smin >= 0n ? a.smax : b.smax); }
      break;
    }
    case 'or': {
      r = fromT(tw(tnumOr(a.t, b.t)));
      r.umin = max(a.umin, b.umin);
      break;
    }
    case 'xor': r = fromT(tw(tnumXor(a.t, b.t))); break;
    case 'lsh': case 'rsh': case 'arsh': {
      if (!bConst || b.t.value >= BigInt(w)) { r = { ...unk }; break; }
      const sh = Number(b.t.value);
      if (op === 'lsh') {
        r = fromT(tw(tnumLsh(a.t, sh)));
        if ((a.umax << BigInt(sh)) <= UMAX) { r.umin = a.umin << BigInt(sh); r.umax = a.umax << BigInt(sh); }
      } else if (op === 'rsh') {
        r = fromT(tnumRsh(a.t, sh));
        r.umin = a.umin >> BigInt(sh); r.umax = a.umax >> BigInt(sh);
      } else {
        r = fromT(tnumArsh(a.t, sh, w));
        r.smin = a.smin >> BigInt(sh); r.smax = a.smax >> BigInt(sh);
      }
      break;
    }
    case 'neg': {
      if (a.t.mask === 0n) { r = fromT(tnumConst(wrapU(-a.t.value, w))); break; }
      r = { ...unk };
      if (a.smin > SMIN) { r.smin = -a.smax; r.smax = -a.smin; }
      break;
    }
  }
  return fromView(r, w);
}

/** Result of a conditional jump decision: 1 always taken, 0 never, -1 unknown. */
export type Taken = 0 | 1 | -1;

/** Jump operation names. */
export type JmpName = 'jeq' | 'jne' | 'jgt' | 'jge' | 'jlt' | 'jle' | 'jsgt' | 'jsge' | 'jslt' | 'jsle' | 'jset';

/** Decides a conditional jump on two scalars (`is32`: compare the low 32 bits). */
export function isBranchTaken(op: JmpName, is32: boolean, a: Scalar, b: Scalar): Taken {
  const w = is32 ? 32 : 64;
  const x = view(a, w), y = view(b, w);
  switch (op) {
    case 'jeq': {
      if (x.t.mask === 0n && y.t.mask === 0n) return x.t.value === y.t.value ? 1 : 0;
      if (x.umin > y.umax || x.umax < y.umin || x.smin > y.smax || x.smax < y.smin) return 0;
      if (tnumIntersect(x.t, y.t) === null) return 0;
      return -1;
    }
    case 'jne': {
      const r = isBranchTaken('jeq', is32, a, b);
      return r === -1 ? -1 : r === 1 ? 0 : 1;
    }
    case 'jset': {
      if ((x.t.value & y.t.value) !== 0n) return 1;
      if (((x.t.value | x.t.mask) & (y.t.value | y.t.mask)) === 0n) return 0;
      return -1;
    }
    case 'jgt': return x.umin > y.umax ? 1 : x.umax <= y.umin ? 0 : -1;
    case 'jge': return x.umin >= y.umax ? 1 : x.umax < y.umin ? 0 : -1;
    case 'jlt': return x.umax < y.umin ? 1 : x.umin >= y.umax ? 0 : -1;
    case 'jle': return x.umax <= y.umin ? 1 : x.umin > y.umax ? 0 : -1;
    case 'jsgt': return x.smin > y.smax ? 1 : x.smax <= y.smin ? 0 : -1;
    case 'jsge': return x.smin >= y.smax ? 1 : x.smax < y.smin ? 0 : -1;
    case 'jslt': return x.smax < y.smin ? 1 : x.smin >= y.smax ? 0 : -1;
    case 'jsle': return x.smax <= y.smin ? 1 : x.smin > y.smax ? 0 : -1;
  }
}

const NEGATE: Record<JmpName, JmpName> = {
  jeq: 'jne', jne: 'jeq', jgt: 'jle', jle: 'jgt', jge: 'jlt', jlt: 'jge',
  jsgt: 'jsle', jsle: 'jsgt', jsge: 'jslt', jslt: 'jsge', jset: 'jset',
};

function setView(s: Scalar, r: W, w: 32 | 64): Scalar | null {
  const o = scalarClone(s);
  if (w === 64) {
    const t = tnumIntersect(o.var_off, r.t); if (!t) return null;
    o.var_off = t; o.smin = max(o.smin, r.smin); o.smax = min(o.smax, r.smax); o.umin = max(o.umin, r.umin); o.umax = min(o.umax, r.umax);
  } else {
    const t = tnumIntersect(o.var_off, { value: r.t.value, mask: r.t.mask | (~M32 & M64) }); if (!t) return null;
    o.var_off = t; o.s32min = max(o.s32min, r.smin); o.s32max = min(o.s32max, r.smax); o.u32min = max(o.u32min, r.umin); o.u32max = min(o.u32max, r.umax);
  }
  return boundsSync(o) ? o : null;
}

/**
 * Refines both operands of `a op b` for the branch where the condition is
 * `taken`. Returns null when that branch is infeasible.
 */
export function refineBranch(op: JmpName, is32: boolean, a: Scalar, b: Scalar, taken: boolean): [Scalar, Scalar] | null {
  const w: 32 | 64 = is32 ? 32 : 64;
  if (op === 'jset') {
    const x = view(a, w), y = view(b, w);
    if (y.t.mask !== 0n) return [a, b];
    const c = y.t.value;
    if (!taken) {
      if ((x.t.value & c) !== 0n) return null;
      const na = setView(a, { ...x, t: { value: x.t.value, mask: x.t.mask & ~c } }, w);
      return na ? [na, b] : null;
    }
    if (((x.t.value | x.t.mask) & c) === 0n) return null;
    if (c !== 0n && (c & (c - 1n)) === 0n) {
      const na = setView(a, { ...x, t: { value: x.t.value | c, mask: x.t.mask & ~c } }, w);
      return na ? [na, b] : null;
    }
    return [a, b];
  }
  const cond = taken ? op : NEGATE[op];
  const x = view(a, w), y = view(b, w);
  const SMIN = w === 64 ? S64MIN : S32MIN, SMAX = w === 64 ? S64MAX : S32MAX, UMAX = w === 64 ? M64 : M32;
  let nx = { ...x }, ny = { ...y };
  switch (cond) {
    case 'jeq': {
      const t = tnumIntersect(x.t, y.t); if (!t) return null;
      const m = { t, smin: max(x.smin, y.smin), smax: min(x.smax, y.smax), umin: max(x.umin, y.umin), umax: min(x.umax, y.umax) };
      nx = m; ny = { ...m };
      break;
    }
    case 'jne': {
      if (y.t.mask === 0n) {
        const c = y.t.value, sc = BigInt.asIntN(w, c);
        if (x.t.mask === 0n && x.t.value === c) return null;
        if (x.umin === c) nx.umin = c + 1n; if (x.umax === c) nx.umax = c - 1n;
        if (x.smin === sc) nx.smin = sc + 1n; if (x.smax === sc) nx.smax = sc - 1n;
      }
      if (x.t.mask === 0n) {
        const c = x.t.value, sc = BigInt.asIntN(w, c);
        if (y.umin === c) ny.umin = c + 1n; if (y.umax === c) ny.umax = c - 1n;
        if (y.smin === sc) ny.smin = sc + 1n; if (y.smax === sc) ny.smax = sc - 1n;
      }
      break;
    }
    case 'jgt': nx.umin = max(x.umin, y.umin + 1n); ny.umax = min(y.umax, x.umax - 1n); break;
    case 'jge': nx.umin = max(x.umin, y.umin); ny.umax = min(y.umax, x.umax); break;
    case 'jlt': nx.umax = min(x.umax, y.umax - 1n); ny.umin = max(y.umin, x.umin + 1n); break;
    case 'jle': nx.umax = min(x.umax, y.umax); ny.umin = max(y.umin, x.umin); break;
    case 'jsgt': nx.smin = max(x.smin, y.smin + 1n); ny.smax = min(y.smax, x.smax - 1n); break;
    case 'jsge': nx.smin = max(x.smin, y.smin); ny.smax = min(y.smax, x.smax); break;
    case 'jslt': nx.smax = min(x.smax, y.smax - 1n); ny.smin = max(y.smin, x.smin + 1n); break;
    case 'jsle': nx.smax = min(x.smax, y.smax); ny.smin = max(y.smin, x.smin); break;
    default: break;
  }
  void SMIN; void SMAX; void UMAX;
  if (nx.umin > nx.umax || nx.smin > nx.smax || ny.umin > ny.umax || ny.smin > ny.smax) return null;
  const ra = setView(a, nx, w), rb = setView(b, ny, w);
  if (!ra || !rb) return null;
  return [ra, rb];
}

/** True when every value of `b` is in `a` (for state pruning). */
export function scalarIn(a: Scalar, b: Scalar): boolean {
  return a.smin <= b.smin && a.smax >= b.smax && a.umin <= b.umin && a.umax >= b.umax &&
    a.s32min <= b.s32min && a.s32max >= b.s32max && a.u32min <= b.u32min && a.u32max >= b.u32max &&
    tnumIn(a.var_off, b.var_off);
}

/** Exact equality. */
export function scalarEq(a: Scalar, b: Scalar): boolean {
  return a.var_off.value === b.var_off.value && a.var_off.mask === b.var_off.mask && a.smin === b.smin && a.smax === b.smax &&
    a.umin === b.umin && a.umax === b.umax && a.s32min === b.s32min && a.s32max === b.s32max && a.u32min === b.u32min && a.u32max === b.u32max;
}

/**
 * Kernel log text of a scalar's bounds without the `scalar(`...`)` wrapper, as
 * print_scalar_ranges does: `smin=..,smax=..,umax=..,var_off=(..)`; a
 * constant prints as its signed decimal value.
 */
export function formatScalar(s: Scalar): string {
  if (s.var_off.mask === 0n) return `${s64(s.var_off.value)}`;
  const parts: string[] = [];
  const add = (n: string, v: bigint, d: bigint) => { if (v !== d) parts.push(`${n}=${v}`); };
  const us = s.umin === u64(s.smin) && s.umax === u64(s.smax);
  if (us && s.smin >= 0n) { add('smin', s.smin, S64MIN); add('smax', s.smax, S64MAX); }
  else {
    add('smin', s.smin, S64MIN); add('smax', s.smax, S64MAX); add('umin', s.umin, 0n); add('umax', s.umax, M64);
  }
  add('smin32', s.s32min, S32MIN); add('smax32', s.s32max, S32MAX); add('umin32', s.u32min, 0n); add('umax32', s.u32max, M32);
  if (s.var_off.mask !== M64) parts.push(`var_off=${tnumStr(s.var_off)}`);
  return parts.join(',');
}
