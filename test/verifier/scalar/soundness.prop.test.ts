/**
 * Soundness of the scalar domain against an independent concrete oracle
 * (oracle.ts): abstract values are built from concrete non-empty sets (then
 * possibly loosened), and every concrete result of an operation on members
 * must be a member of the abstract result.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALU_OPS, type AluOpName, COND_OPS, type CondOp, type Scalar, type Tnum, boundsSync, isBranchTaken, makeScalar,
  rangeWithin, refineBranch, scalarAlu, scalarIsEmpty, scalarCoerce, scalarCoerceSx, scalarEndian, scalarMovsx, tnum,
} from '../../../src/verifier/scalar/index.js';
import { type Facts, abstractSet, arbSet, arbU64, asS32, asU32, asU64, concreteAlu, concreteCond, loosen, member } from './oracle.js';

const RUNS = Number(process.env.SCALAR_PROP_RUNS ?? 250);

/** An abstract scalar (synchronised, as the verifier always holds) containing every value of a set. */
const arbAbs: fc.Arbitrary<{ xs: bigint[]; s: Scalar }> = fc.tuple(arbSet, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.boolean())
  .map(([xs, k, loose]) => {
    const f = loose ? loosen(abstractSet(xs), k) : abstractSet(xs);
    return { xs, s: makeScalar(f) };
  });

function expectMember(s: Scalar, x: bigint, what: string): void {
  if (!member(s as Facts, x)) {
    throw new Error(`${what}: 0x${asU64(x).toString(16)} not in ${JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`);
  }
}

describe('boundsSync', () => {
  it('never loses a member (loosened, unsynchronised inputs)', () => {
    fc.assert(fc.property(arbSet, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (xs, k) => {
      const f = loosen(abstractSet(xs), k);
      const s = boundsSync(makeScalar(f, false));
      for (const x of xs) expectMember(s, x, 'sync');
    }), { numRuns: 1000 });
  });
});

describe('scalarIsEmpty', () => {
  it('is never true of a state built from actual values', () => {
    fc.assert(fc.property(arbSet, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (xs, k) => {
      const f = loosen(abstractSet(xs), k);
      expect(scalarIsEmpty(makeScalar(f))).toBe(false);
      expect(scalarIsEmpty(makeScalar(abstractSet(xs), false))).toBe(false);
    }), { numRuns: 1000 });
  });
});

describe.each(ALU_OPS.map((op) => [op]))('scalarAlu %s is sound', (op) => {
  it.each([[true], [false]])('is64=%s', (is64) => {
    fc.assert(fc.property(arbAbs, arbAbs, fc.boolean(), ({ xs: X, s: a }, { xs: Y, s: b0 }, constSrc) => {
      // shifts and divisions are mostly by constants in real programs
      const b = constSrc ? makeScalar(abstractSet([Y[0]!])) : b0;
      const Ys = constSrc ? [Y[0]!] : Y;
      const r = scalarAlu(op as AluOpName, is64, a, op === 'neg' ? a : b);
      for (const x of X) {
        for (const y of op === 'neg' ? [x] : Ys) {
          expectMember(r, concreteAlu(op, is64, x, y), `${op}${is64 ? '' : '32'}(0x${x.toString(16)}, 0x${y.toString(16)})`);
        }
      }
    }), { numRuns: RUNS });
  });
});

describe('byte swaps, sign extension, truncation', () => {
  const swab = (x: bigint, bytes: number): bigint => {
    let r = 0n;
    for (let i = 0; i < bytes; i++) r = (r << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
    return r;
  };
  it('scalarEndian', () => {
    fc.assert(fc.property(arbAbs, fc.constantFrom<'le' | 'be' | 'bswap'>('le', 'be', 'bswap'), fc.constantFrom<16 | 32 | 64>(16, 32, 64), ({ xs, s }, kind, bits) => {
      const r = scalarEndian(kind, bits, s);
      const mask = (1n << BigInt(bits)) - 1n;
      for (const x of xs) expectMember(r, kind === 'le' ? x & mask : swab(x, bits / 8), `${kind}${bits}`);
    }), { numRuns: RUNS });
  });
  it('scalarMovsx and scalarCoerceSx', () => {
    fc.assert(fc.property(arbAbs, fc.constantFrom<1 | 2 | 4>(1, 2, 4), fc.boolean(), ({ xs, s }, size, is64) => {
      const n = BigInt(size * 8);
      if (is64 || size === 4) {
        const r = scalarMovsx(true, size, s);
        const c = scalarCoerceSx(s, size);
        for (const x of xs) {
          expectMember(r, asU64(BigInt.asIntN(Number(n), x)), `movsx64 s${n}`);
          expectMember(c, asU64(BigInt.asIntN(Number(n), x)), `coerce_sx ${size}`);
        }
      } else {
        const r = scalarMovsx(false, size as 1 | 2, s);
        for (const x of xs) expectMember(r, asU32(BigInt.asIntN(Number(n), x)), `movsx32 s${n}`);
      }
    }), { numRuns: RUNS });
  });
  it('scalarCoerce (zero-extending narrow value)', () => {
    fc.assert(fc.property(arbAbs, fc.constantFrom<1 | 2 | 4>(1, 2, 4), ({ xs, s }, size) => {
      const r = scalarCoerce(s, size);
      for (const x of xs) expectMember(r, BigInt.asUintN(size * 8, x), `coerce ${size}`);
    }), { numRuns: RUNS });
  });
});

describe.each(COND_OPS.map((op) => [op]))('conditional %s', (op) => {
  it.each([[false], [true]])('is32=%s: isBranchTaken is never wrong, refineBranch keeps every satisfying pair', (is32) => {
    fc.assert(fc.property(arbAbs, arbAbs, fc.boolean(), ({ xs: X, s: a }, { xs: Y, s: b0 }, constSrc) => {
      const b = constSrc ? makeScalar(abstractSet([Y[0]!])) : b0;
      const Ys = constSrc ? [Y[0]!] : Y;
      const d = isBranchTaken(op as CondOp, is32, a, b);
      const t = refineBranch(op as CondOp, is32, a, b, true);
      const f = refineBranch(op as CondOp, is32, a, b, false);
      for (const x of X) {
        for (const y of Ys) {
          const c = concreteCond(op, is32, x, y);
          if (d === 1) expect(c).toBe(true);
          if (d === 0) expect(c).toBe(false);
          const side = c ? t : f;
          expect(side, `${op} side ${c} dropped a feasible pair`).not.toBeNull();
          expectMember(side![0], x, `${op}${is32 ? '32' : ''} ${c} lhs`);
          expectMember(side![1], y, `${op}${is32 ? '32' : ''} ${c} rhs`);
        }
      }
    }), { numRuns: RUNS });
  });
  it('same register on both sides', () => {
    fc.assert(fc.property(arbAbs, fc.boolean(), ({ xs: X, s: a }, is32) => {
      const t = refineBranch(op as CondOp, is32, a, a, true, true);
      const f = refineBranch(op as CondOp, is32, a, a, false, true);
      for (const x of X) {
        const c = concreteCond(op, is32, x, x);
        const side = c ? t : f;
        expect(side).not.toBeNull();
        expectMember(side![0], x, `${op} same-reg ${c}`);
      }
    }), { numRuns: 100 });
  });
});

describe('rangeWithin (pruning) only accepts covered states', () => {
  it('old covers cur => every member of cur is a member of old', () => {
    fc.assert(fc.property(arbAbs, arbAbs, ({ s: old }, { xs, s: cur }) => {
      if (!rangeWithin(old, cur)) return;
      for (const x of xs) expectMember(old, x, 'rangeWithin');
    }), { numRuns: 1000 });
  });
  it('a state covers itself and its loosening covers it', () => {
    fc.assert(fc.property(arbSet, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (xs, k) => {
      const tight = makeScalar(abstractSet(xs), false);
      expect(rangeWithin(tight, tight)).toBe(true);
      expect(rangeWithin(makeScalar(loosen(abstractSet(xs), k), false), tight)).toBe(true);
    }), { numRuns: 500 });
  });
});

describe('tnum operations are sound on members', () => {
  const arbTnum: fc.Arbitrary<{ t: Tnum; xs: bigint[] }> = fc.tuple(arbU64, arbU64, fc.array(arbU64, { minLength: 1, maxLength: 4 }))
    .map(([v, m, picks]) => {
      const mask = m;
      const value = v & ~m & ((1n << 64n) - 1n);
      return { t: { value, mask }, xs: picks.map((p) => value | (p & mask)) };
    });
  const inT = (t: Tnum, x: bigint): boolean => (asU64(x) & ~t.mask & ((1n << 64n) - 1n)) === t.value;
  const bin: [string, (a: Tnum, b: Tnum) => Tnum, (x: bigint, y: bigint) => bigint][] = [
    ['add', tnum.add, (x, y) => asU64(x + y)],
    ['sub', tnum.sub, (x, y) => asU64(x - y)],
    ['mul', tnum.mul, (x, y) => asU64(x * y)],
    ['and', tnum.and, (x, y) => x & y],
    ['or', tnum.or, (x, y) => x | y],
    ['xor', tnum.xor, (x, y) => x ^ y],
  ];
  it.each(bin)('%s', (_n, f, c) => {
    fc.assert(fc.property(arbTnum, arbTnum, (a, b) => {
      const r = f(a.t, b.t);
      expect(r.value & r.mask).toBe(0n);
      for (const x of a.xs) for (const y of b.xs) expect(inT(r, c(x, y))).toBe(true);
    }), { numRuns: 500 });
  });
  it('neg, shifts, cast, subreg, bswap', () => {
    fc.assert(fc.property(arbTnum, fc.integer({ min: 0, max: 63 }), fc.constantFrom(1, 2, 4, 8), (a, sh, size) => {
      for (const x of a.xs) {
        expect(inT(tnum.neg(a.t), -x)).toBe(true);
        expect(inT(tnum.lshift(a.t, sh), asU64(x << BigInt(sh)))).toBe(true);
        expect(inT(tnum.rshift(a.t, sh), x >> BigInt(sh))).toBe(true);
        expect(inT(tnum.arshift(a.t, sh, 64), asU64(BigInt.asIntN(64, x) >> BigInt(sh)))).toBe(true);
        expect(inT(tnum.arshift(a.t, sh & 31, 32), asU32(asS32(x) >> BigInt(sh & 31)))).toBe(true);
        expect(inT(tnum.cast(a.t, size), BigInt.asUintN(size * 8, x))).toBe(true);
        expect(inT(tnum.subreg(a.t), asU32(x))).toBe(true);
        expect(inT(tnum.clear_subreg(a.t), x & ~0xffffffffn)).toBe(true);
      }
    }), { numRuns: 500 });
  });
  it('range, union, intersect, in, overlap, step', () => {
    fc.assert(fc.property(arbU64, arbU64, arbTnum, arbTnum, (p, q, a, b) => {
      const [lo, hi] = p <= q ? [p, q] : [q, p];
      const r = tnum.range(lo, hi);
      for (const x of [lo, hi, lo + (hi - lo) / 2n]) expect(inT(r, x)).toBe(true);
      const u = tnum.union(a.t, b.t);
      for (const x of [...a.xs, ...b.xs]) expect(inT(u, x)).toBe(true);
      for (const x of a.xs) {
        if (inT(b.t, x)) {
          expect(inT(tnum.intersect(a.t, b.t), x)).toBe(true);
          expect(tnum.overlap(a.t, b.t)).toBe(true);
        }
        expect(tnum.in(a.t, tnum.const(x))).toBe(true);
        // step: smallest member strictly above z
        const s = tnum.step(a.t, x);
        const tmax = a.t.value | a.t.mask;
        if (x < tmax) {
          expect(s > x && inT(a.t, s)).toBe(true);
          // nothing between x and s: probe a few values
          for (const z of [x + 1n, (x + s) / 2n, s - 1n]) if (z > x && z < s) expect(inT(a.t, z)).toBe(false);
        } else expect(s).toBe(tmax);
      }
      expect(tnum.in(u, a.t) && tnum.in(u, b.t)).toBe(true);
    }), { numRuns: 1000 });
  });
});
