/**
 * Independent oracle for the scalar-domain property tests: concrete eBPF
 * semantics on BigInt (RFC 9669 §4 / kernel interpreter: division by zero
 * gives 0, modulo by zero leaves the dividend, shift amounts are masked,
 * S64_MIN / -1 = S64_MIN, 32-bit results zero-extended) and a plain
 * "abstraction of a finite set" (exact min/max in the four integer views,
 * bitwise agreement for the tnum), written without the module under test.
 */
import fc from 'fast-check';

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;
export const asU64 = (x: bigint): bigint => BigInt.asUintN(64, x);
export const asS64 = (x: bigint): bigint => BigInt.asIntN(64, x);
export const asU32 = (x: bigint): bigint => BigInt.asUintN(32, x);
export const asS32 = (x: bigint): bigint => BigInt.asIntN(32, x);

/** C-style truncating signed division. */
function sdivTrunc(a: bigint, b: bigint): bigint {
  return a / b; // BigInt division truncates toward zero, like C
}

/** Concrete `x op y` on 64-bit values; 32-bit ops act on the low halves and zero-extend. */
export function concreteAlu(op: string, is64: boolean, x: bigint, y: bigint): bigint {
  const W = is64 ? 64 : 32;
  const U = is64 ? asU64 : asU32;
  const S = is64 ? asS64 : asS32;
  const a = U(x);
  const b = U(y);
  let r: bigint;
  switch (op) {
    case 'add': r = a + b; break;
    case 'sub': r = a - b; break;
    case 'mul': r = a * b; break;
    case 'div': r = b === 0n ? 0n : a / b; break;
    case 'mod': r = b === 0n ? a : a % b; break;
    case 'sdiv': {
      const sa = S(a);
      const sb = S(b);
      r = sb === 0n ? 0n : sb === -1n ? -sa : sdivTrunc(sa, sb);
      break;
    }
    case 'smod': {
      const sa = S(a);
      const sb = S(b);
      r = sb === 0n ? sa : sb === -1n ? 0n : sa % sb;
      break;
    }
    case 'or': r = a | b; break;
    case 'and': r = a & b; break;
    case 'xor': r = a ^ b; break;
    case 'lsh': r = a << (b & BigInt(W - 1)); break;
    case 'rsh': r = a >> (b & BigInt(W - 1)); break;
    case 'arsh': r = S(a) >> (b & BigInt(W - 1)); break;
    case 'neg': r = -a; break;
    case 'mov': r = b; break;
    default: throw new Error(`unknown op ${op}`);
  }
  return U(r);
}

/** Concrete condition `x op y` (64-bit, or on the low halves when is32). */
export function concreteCond(op: string, is32: boolean, x: bigint, y: bigint): boolean {
  const U = is32 ? asU32 : asU64;
  const S = is32 ? asS32 : asS64;
  const a = U(x);
  const b = U(y);
  switch (op) {
    case 'jeq': return a === b;
    case 'jne': return a !== b;
    case 'jgt': return a > b;
    case 'jge': return a >= b;
    case 'jlt': return a < b;
    case 'jle': return a <= b;
    case 'jsgt': return S(a) > S(b);
    case 'jsge': return S(a) >= S(b);
    case 'jslt': return S(a) < S(b);
    case 'jsle': return S(a) <= S(b);
    case 'jset': return (a & b) !== 0n;
    default: throw new Error(`unknown cond ${op}`);
  }
}

/** The nine facts of a scalar, as plain fields (same shape as the module's Scalar). */
export interface Facts {
  var_off: { value: bigint; mask: bigint };
  smin: bigint; smax: bigint; umin: bigint; umax: bigint;
  s32min: bigint; s32max: bigint; u32min: bigint; u32max: bigint;
}

/** The tightest facts true of every member of the non-empty set `xs`. */
export function abstractSet(xs: readonly bigint[]): Facts {
  const u = xs.map(asU64);
  let and = M64;
  let or = 0n;
  for (const x of u) {
    and &= x;
    or |= x;
  }
  const mn = (a: bigint[]): bigint => a.reduce((p, c) => (c < p ? c : p));
  const mx = (a: bigint[]): bigint => a.reduce((p, c) => (c > p ? c : p));
  return {
    var_off: { value: and, mask: or ^ and },
    smin: mn(u.map(asS64)), smax: mx(u.map(asS64)), umin: mn(u), umax: mx(u),
    s32min: mn(u.map(asS32)), s32max: mx(u.map(asS32)), u32min: mn(u.map(asU32)), u32max: mx(u.map(asU32)),
  };
}

/** True where `x` satisfies all nine facts. */
export function member(f: Facts, x: bigint): boolean {
  const v = asU64(x);
  const lo = v & M32;
  return (v & ~f.var_off.mask & M64) === f.var_off.value &&
    v >= f.umin && v <= f.umax && asS64(v) >= f.smin && asS64(v) <= f.smax &&
    lo >= f.u32min && lo <= f.u32max && asS32(lo) >= f.s32min && asS32(lo) <= f.s32max;
}

/**
 * Loosens `f` by `k` (a random word): some bounds moved outwards, some tnum
 * bits forgotten. Every member of the original stays a member.
 */
export function loosen(f: Facts, k: bigint): Facts {
  const pick = (i: number): boolean => ((k >> BigInt(i)) & 1n) === 1n;
  const amt = (i: number): bigint => (k >> BigInt(8 + i * 6)) & 0x3fn;
  const clamp = (x: bigint, lo: bigint, hi: bigint): bigint => (x < lo ? lo : x > hi ? hi : x);
  const forget = pick(0) ? (k * 0x9e3779b97f4a7c15n) & M64 & (pick(1) ? M32 : M64) : 0n;
  return {
    var_off: { value: f.var_off.value & ~forget & M64, mask: (f.var_off.mask | forget) & M64 },
    smin: pick(2) ? clamp(f.smin - (1n << amt(0)), -(1n << 63n), f.smin) : f.smin,
    smax: pick(3) ? clamp(f.smax + (1n << amt(1)), f.smax, (1n << 63n) - 1n) : f.smax,
    umin: pick(4) ? clamp(f.umin - (1n << amt(2)), 0n, f.umin) : f.umin,
    umax: pick(5) ? clamp(f.umax + (1n << amt(3)), f.umax, M64) : f.umax,
    s32min: pick(6) ? clamp(f.s32min - (1n << (amt(4) & 31n)), -(1n << 31n), f.s32min) : f.s32min,
    s32max: pick(7) ? clamp(f.s32max + (1n << (amt(5) & 31n)), f.s32max, (1n << 31n) - 1n) : f.s32max,
    u32min: pick(2) && pick(6) ? 0n : f.u32min,
    u32max: pick(3) && pick(7) ? M32 : f.u32max,
  };
}

/** Interesting 64-bit values: small, near the 32/63/64-bit edges, or random. */
export const arbU64: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: 300n }),
  fc.bigInt({ min: -300n, max: -1n }).map(asU64),
  fc.constantFrom(0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 1n << 63n, (1n << 63n) - 1n, M64, 0xffffffff80000000n),
  fc.bigInt({ min: 0n, max: M64 }),
  fc.bigInt({ min: 0n, max: M32 }),
);

/** A non-empty set of up to 6 values clustered around a base (so ranges and tnums are informative). */
export const arbSet: fc.Arbitrary<bigint[]> = fc.tuple(
  arbU64,
  fc.array(fc.oneof(fc.bigInt({ min: -64n, max: 64n }), fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }), arbU64), { minLength: 0, maxLength: 5 }),
  fc.boolean(),
).map(([base, deltas, absolute]) => [base, ...deltas.map((d) => (absolute && d > 64n ? d : asU64(base + d)))].map(asU64));
