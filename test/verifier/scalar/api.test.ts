/**
 * Unit tests of the scalar module's API details: constructors, the
 * invariant check, formatting options, infeasible branches, pruning.
 */
import { describe, expect, it } from 'vitest';
import { BpfError } from '../../../src/errors.js';
import {
  S64_MIN, SCALAR_UNKNOWN, aluRangeComputable, boundsViolation, constValue, formatScalar, formatSnum, formatUnum,
  isBranchTaken, isConst, makeScalar, rangeWithin, refineBranch, refineBranchRaw, scalarAlu, scalarConst, scalarImm,
  scalarRange, scalarSRange, scalarsEqual, scalarUnknown, tnum,
} from '../../../src/verifier/scalar/index.js';

describe('constructors', () => {
  it('scalarImm sign-extends, or zero-extends for 32-bit moves', () => {
    expect(constValue(scalarImm(-1))).toBe(0xffff_ffff_ffff_ffffn);
    expect(constValue(scalarImm(-1, true))).toBe(0xffff_ffffn);
    expect(constValue(scalarImm(0x7fff_ffff))).toBe(0x7fff_ffffn);
    expect(() => scalarImm(1.5)).toThrow(BpfError);
    expect(() => scalarImm(2 ** 33)).toThrow(/not a 32-bit value/);
  });
  it('scalarConst wraps and fills all bounds', () => {
    const s = scalarConst(-2n);
    expect(isConst(s)).toBe(true);
    expect([s.smin, s.smax, s.umin, s.umax, s.s32min, s.u32max]).toEqual([-2n, -2n, 2n ** 64n - 2n, 2n ** 64n - 2n, -2n, 0xffff_fffen]);
  });
  it('scalarRange / scalarSRange synchronise', () => {
    expect(formatScalar(scalarRange(0n, 255n))).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))');
    expect(formatScalar(scalarSRange(-1n, 1n))).toBe('scalar(smin=smin32=-1,smax=smax32=1)');
    expect(scalarsEqual(scalarUnknown(), SCALAR_UNKNOWN)).toBe(true);
  });
});

describe('boundsViolation (reg_bounds_sanity_check)', () => {
  it('names the broken invariant', () => {
    expect(boundsViolation(scalarConst(5n))).toBeNull();
    expect(boundsViolation(makeScalar({ umin: 5n, umax: 4n }, false))).toBe('range bounds violation');
    expect(boundsViolation(makeScalar({ var_off: tnum.const(7n), umin: 0n, umax: 7n }, false)))
      .toBe('const tnum out of sync with range bounds');
    expect(boundsViolation(makeScalar({ var_off: { value: 7n, mask: 0xffff_ffff_0000_0000n } }, false)))
      .toBe('const subreg tnum out of sync with range bounds');
  });
});

describe('formatScalar', () => {
  it('constants like verbose_snum, numbers like verbose_unum', () => {
    expect(formatScalar(scalarConst(32767n))).toBe('32767');
    expect(formatScalar(scalarConst(32768n))).toBe('0x8000');
    expect(formatScalar(scalarConst(-32768n))).toBe('-32768');
    expect(formatScalar(scalarConst(-32769n))).toBe('0xffffffffffff7fff');
    expect(formatUnum(65535n)).toBe('65535');
    expect(formatUnum(65536n)).toBe('0x10000');
    expect(formatSnum(S64_MIN)).toBe('0x8000000000000000');
  });
  it('precise mark, id and linked delta', () => {
    const r = scalarRange(0n, 255n);
    expect(formatScalar(r, { precise: true })).toMatch(/^Pscalar\(smin=/);
    expect(formatScalar(scalarConst(3n), { precise: true })).toBe('P3');
    expect(formatScalar(scalarUnknown(), { id: 2 })).toBe('scalar(id=2)');
    expect(formatScalar(r, { id: 1, delta: -4 })).toMatch(/^scalar\(id=1-4,smin=smin32=0,/);
    expect(formatScalar(r, { id: 1, delta: 4 })).toMatch(/^scalar\(id=1\+4,smin=/);
  });
  it('never merges a negative signed bound with an unsigned one', () => {
    // low half is 0xffffffff: smin32=-1 (negative) must not merge with umin32=0xffffffff
    const s = makeScalar({ s32min: -1n, s32max: -1n, var_off: { value: 0xffff_ffffn, mask: 0xffff_ffff_0000_0000n } });
    const text = formatScalar(s);
    expect(text).toContain('umin=umin32=0xffffffff');
    expect(text).toContain('smin32=-1,smax32=-1');
  });
});

describe('ALU edge cases', () => {
  it('division and modulo give unknown scalars (6.18 has no range tracking for them)', () => {
    for (const op of ['div', 'sdiv', 'mod', 'smod'] as const) {
      expect(aluRangeComputable(op, true, scalarConst(3n))).toBe(false);
      expect(scalarsEqual(scalarAlu(op, true, scalarRange(0n, 10n), scalarConst(3n)), SCALAR_UNKNOWN)).toBe(true);
    }
  });
  it('shifts by a non-constant or too large amount give unknown; 32-bit shifts judge the 64-bit umax', () => {
    expect(scalarsEqual(scalarAlu('lsh', true, scalarRange(0n, 10n), scalarRange(0n, 3n)), SCALAR_UNKNOWN)).toBe(true);
    expect(aluRangeComputable('lsh', true, scalarConst(64n))).toBe(false);
    expect(aluRangeComputable('lsh', false, scalarConst(31n))).toBe(true);
    expect(aluRangeComputable('lsh', false, scalarConst(0x1_0000_0001n))).toBe(false);
  });
  it('32-bit results are zero-extended', () => {
    const r = scalarAlu('add', false, scalarConst(0xffff_ffffn), scalarConst(1n));
    expect(constValue(r)).toBe(0n);
    expect(constValue(scalarAlu('mov', false, scalarUnknown(), scalarConst(-1n)))).toBe(0xffff_ffffn);
  });
});

describe('branches', () => {
  it('decided branches and the impossible side', () => {
    const small = scalarRange(0n, 10n);
    expect(isBranchTaken('jgt', false, small, scalarConst(10n))).toBe(0);
    expect(isBranchTaken('jle', false, small, scalarConst(10n))).toBe(1);
    expect(isBranchTaken('jeq', false, small, scalarConst(5n))).toBe(-1);
    // tnum disagreement decides jeq/jne (tnum_overlap)
    const even = scalarAlu('and', true, scalarUnknown(), scalarConst(-2n));
    expect(isBranchTaken('jeq', false, even, scalarConst(7n))).toBe(0);
    expect(isBranchTaken('jne', false, even, scalarConst(7n))).toBe(1);
    // refining a side that cannot happen: null, while the raw form resets the bounds like the kernel
    expect(refineBranch('jgt', false, small, scalarConst(10n), true)).toBeNull();
    const [raw] = refineBranchRaw('jgt', false, small, scalarConst(10n), true);
    expect(boundsViolation(raw)).toBeNull();
  });
  it('jset with a single bit sets it; its negation clears the bits', () => {
    const [t] = refineBranch('jset', false, scalarRange(0n, 255n), scalarConst(4n), true)!;
    expect(t.var_off).toEqual({ value: 4n, mask: 0xfbn });
    const [f] = refineBranch('jset', false, scalarRange(0n, 255n), scalarConst(6n), false)!;
    expect(f.var_off).toEqual({ value: 0n, mask: 0xf9n });
  });
  it('same register: if r > r is refined through both operands (kernel 6.18 aliasing)', () => {
    const [t] = refineBranchRaw('jgt', false, scalarRange(0n, 255n), scalarRange(0n, 255n), true, true);
    expect(formatScalar(t)).toBe('scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=254,var_off=(0x0; 0xff))');
  });
});

describe('rangeWithin', () => {
  it('is range_within plus tnum_in', () => {
    expect(rangeWithin(scalarRange(0n, 255n), scalarRange(3n, 9n))).toBe(true);
    expect(rangeWithin(scalarRange(3n, 9n), scalarRange(0n, 255n))).toBe(false);
    expect(rangeWithin(SCALAR_UNKNOWN, scalarConst(42n))).toBe(true);
    // same bounds, tnum not contained
    const odd = makeScalar({ var_off: { value: 1n, mask: 0xfen } });
    const any = makeScalar({ var_off: { value: 0n, mask: 0xffn } });
    expect(rangeWithin(odd, makeScalar({ ...any, umin: odd.umin, smin: odd.smin, u32min: odd.u32min, s32min: odd.s32min }, false))).toBe(false);
  });
});
