/** u64.ts against two references (BigInt and `long`), with fast-check. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as U from '../../src/vm/u64.js';
import { aluBig, aluLong, jmpBig, jmpLong, u64Arb } from './ref.js';

const out = new Int32Array(2);
const hi = (v: bigint): number => Number(v >> 32n) | 0;
const lo = (v: bigint): number => Number(v & 0xffffffffn) | 0;
const res = (): bigint => U.toBigU64(out[1]!, out[0]!);

type Bin = (o: Int32Array, i: number, ah: number, al: number, bh: number, bl: number) => void;
const BIN64: Array<[string, Bin]> = [
  ['add', U.add64], ['sub', U.sub64], ['mul', U.mul64], ['div', U.udiv64], ['mod', U.umod64], ['sdiv', U.sdiv64], ['smod', U.smod64],
];
const BIN32: Array<[string, (a: number, b: number) => number]> = [
  ['div', U.udiv32], ['mod', U.umod32], ['sdiv', U.sdiv32], ['smod', U.smod32],
];
const SH64: Array<[string, (o: Int32Array, i: number, ah: number, al: number, n: number) => void]> = [
  ['lsh', U.lsh64], ['rsh', U.rsh64], ['arsh', U.arsh64],
];
const CMP: Array<[string, (ah: number, al: number, bh: number, bl: number) => boolean]> = [
  ['jeq', U.eq64], ['jlt', U.ult64], ['jle', U.ule64], ['jslt', U.slt64], ['jsle', U.sle64],
];

describe('u64 against BigInt and long', () => {
  it.each(BIN64)('%s64', (name, f) => {
    fc.assert(fc.property(u64Arb, u64Arb, (a, b) => {
      f(out, 0, hi(a), lo(a), hi(b), lo(b));
      expect(res()).toBe(aluBig(name, true, a, b));
      expect(res()).toBe(aluLong(name, true, a, b));
    }), { numRuns: 2000 });
  });
  it.each(BIN32)('%s32', (name, f) => {
    fc.assert(fc.property(u64Arb, u64Arb, (a, b) => {
      const r = BigInt(f(lo(a), lo(b)) >>> 0);
      expect(r).toBe(aluBig(name, false, a, b));
      expect(r).toBe(aluLong(name, false, a, b));
    }), { numRuns: 2000 });
  });
  it.each(SH64)('%s64', (name, f) => {
    fc.assert(fc.property(u64Arb, fc.integer({ min: -200, max: 200 }), (a, n) => {
      f(out, 0, hi(a), lo(a), n);
      const b = BigInt.asUintN(64, BigInt(n));
      expect(res()).toBe(aluBig(name, true, a, b));
      expect(res()).toBe(aluLong(name, true, a, b));
    }), { numRuns: 1000 });
  });
  it('neg64', () => {
    fc.assert(fc.property(u64Arb, (a) => {
      U.neg64(out, 0, hi(a), lo(a));
      expect(res()).toBe(aluBig('neg', true, a, 0n));
      expect(res()).toBe(aluLong('neg', true, a, 0n));
    }), { numRuns: 1000 });
  });
  it.each(CMP)('%s (64-bit compare)', (name, f) => {
    fc.assert(fc.property(u64Arb, u64Arb, (a, b) => {
      const r = f(hi(a), lo(a), hi(b), lo(b));
      expect(r).toBe(jmpBig(name, true, a, b));
      expect(r).toBe(jmpLong(name, true, a, b));
      expect(f(hi(a), lo(a), hi(a), lo(a))).toBe(jmpBig(name, true, a, a));
    }), { numRuns: 1000 });
  });
  it('byte swaps', () => {
    fc.assert(fc.property(u64Arb, (a) => {
      U.bswap64(out, 0, hi(a), lo(a));
      const bytes = Array.from({ length: 8 }, (_, i) => (a >> BigInt(8 * i)) & 0xffn);
      expect(res()).toBe(bytes.reduce((acc, b) => (acc << 8n) | b, 0n));
      expect(BigInt(U.bswap32(lo(a)) >>> 0)).toBe(bytes.slice(0, 4).reduce((acc, b) => (acc << 8n) | b, 0n));
      expect(BigInt(U.bswap16(lo(a)))).toBe((bytes[0]! << 8n) | bytes[1]!);
    }), { numRuns: 500 });
  });
  it('kernel corner cases', () => {
    U.sdiv64(out, 0, hi(0x8000000000000000n), 0, -1, -1);
    expect(res()).toBe(0x8000000000000000n);
    U.smod64(out, 0, hi(0x8000000000000000n), 0, -1, -1);
    expect(res()).toBe(0n);
    expect(U.sdiv32(0x80000000 | 0, -1) >>> 0).toBe(0x80000000);
    expect(U.smod32(0x80000000 | 0, -1)).toBe(0);
    U.umod64(out, 0, 5, 7, 0, 0);
    expect(res()).toBe(0x500000007n);
    U.udiv64(out, 0, 5, 7, 0, 0);
    expect(res()).toBe(0n);
    expect(U.umod32(-1, 0) >>> 0).toBe(0xffffffff);
  });
  it('BigInt conversions round-trip', () => {
    fc.assert(fc.property(u64Arb, (a) => {
      U.fromBigU64(out, 0, a);
      expect(res()).toBe(a);
    }));
  });
});
