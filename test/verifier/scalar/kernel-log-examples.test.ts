/**
 * Hand-checked kernel 6.18 log lines: each case applies a few operations to an
 * unknown scalar and compares formatScalar with what the running kernel
 * printed for the same instructions (recorded from koracle, log level 2).
 */
import { describe, expect, it } from 'vitest';
import {
  type Scalar, formatScalar, refineBranch, scalarAlu, scalarConst, scalarEndian, scalarUnknown,
} from '../../../src/verifier/scalar/index.js';

const K = (v: bigint): Scalar => scalarConst(v);
const masked = (m: bigint): Scalar => scalarAlu('and', true, scalarUnknown(), K(m));

const cases: [string, () => Scalar, string][] = [
  ['r &= 255', () => masked(255n), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))'],
  ['r &= 255; r += -3', () => scalarAlu('add', true, masked(255n), K(-3n)), 'scalar(smin=smin32=-3,smax=smax32=252)'],
  ['... r >>= 1', () => scalarAlu('rsh', true, scalarAlu('add', true, masked(255n), K(-3n)), K(1n)),
    'scalar(smin=0,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff))'],
  ['r &= 0xff0; r = be16 r', () => scalarEndian('be', 16, masked(0xff0n)),
    'scalar(smin=smin32=0,smax=umax=smax32=umax32=0xf00f,var_off=(0x0; 0xf00f))'],
  ['r &= 0xff0; r = be32 r', () => scalarEndian('be', 32, masked(0xff0n)),
    'scalar(smin=0,smax=umax=umax32=0xf00f0000,smax32=0x700f0000,var_off=(0x0; 0xf00f0000))'],
  ['r &= 0xff0; r = bswap64 r', () => scalarEndian('bswap', 64, masked(0xff0n)),
    'scalar(smax=0x700f000000000000,umax=0xf00f000000000000,smin32=0,smax32=umax32=0,var_off=(0x0; 0xf00f000000000000))'],
  ['r &= 0xff0; w = -w', () => { const m = masked(0xff0n); return scalarAlu('neg', false, m, m); },
    'scalar(smin=0,smax=umax=umax32=0xfffffff0,smin32=-4080,smax32=0,var_off=(0x0; 0xfffffff0))'],
  ['r &= 0xff0; r %= 7', () => scalarAlu('mod', true, masked(0xff0n), K(7n)), 'scalar()'],
  ['r &= 5; r *= 6', () => scalarAlu('mul', true, masked(5n), K(6n)),
    'scalar(smin=smin32=0,smax=umax=smax32=umax32=30,var_off=(0x0; 0x1e))'],
  ['r &= 19; r *= 7', () => scalarAlu('mul', true, masked(19n), K(7n)),
    'scalar(smin=smin32=0,smax=umax=smax32=umax32=133,var_off=(0x0; 0xff))'],
  ['if r < 100 (false side)', () => refineBranch('jlt', false, scalarUnknown(), K(100n), false)![0], 'scalar(umin=100)'],
  ['r = 0', () => K(0n), '0'],
  ['r = -1', () => K(-1n), '-1'],
  ['r = 0x10000', () => K(0x10000n), '0x10000'],
];

describe('formatScalar matches recorded kernel log lines', () => {
  it.each(cases)('%s', (_name, build, expected) => {
    expect(formatScalar(build())).toBe(expected);
  });
});
