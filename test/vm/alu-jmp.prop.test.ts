/**
 * Every ALU and JMP row of the opcode table, 32- and 64-bit, K and X forms,
 * run by the interpreter as a one-instruction program and compared with the
 * BigInt and `long` references.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AluOp, OPCODES, type OpcodeRow, encodeInsns, lddwInsns, runProgram, type Insn } from '../../src/index.js';
import { aluBig, aluLong, jmpBig, jmpLong, u64Arb } from './ref.js';

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const EXIT = I(0x95);
const M64 = (1n << 64n) - 1n;

function baseName(r: OpcodeRow): string {
  const m = r.mnemonic.replace(/32$/, '');
  return m;
}

function variantInsn(r: OpcodeRow, dst: number, src: number, imm: number): Insn {
  const off = r.variant?.field === 'off' ? r.variant.value : 0;
  const vimm = r.variant?.field === 'imm' ? r.variant.value : r.source === 'X' || r.kind === 'neg' ? 0 : imm;
  return I(r.code, dst, r.source === 'X' && r.kind !== 'end' ? src : 0, off, vimm);
}

const imm32 = fc.oneof(fc.constantFrom(0, 1, -1, 31, 32, 63, 64, 0x7fffffff, -0x80000000), fc.integer({ min: -0x80000000, max: 0x7fffffff }));

const aluRows = OPCODES.filter((r) => r.kind === 'alu' || r.kind === 'neg' || r.kind === 'movsx' || r.kind === 'end');
const jmpRows = OPCODES.filter((r) => r.kind === 'jcond');

function expected(r: OpcodeRow, dst: bigint, src: bigint, which: 'big' | 'long'): bigint {
  if (r.kind === 'movsx') {
    const v = BigInt.asIntN(r.width, src);
    return r.is64 ? v & M64 : BigInt.asUintN(32, v);
  }
  if (r.kind === 'end') {
    const w = BigInt(r.width);
    const swap = r.is64 || r.source === 'X';
    if (!swap) return r.width === 64 ? dst : dst & ((1n << w) - 1n);
    let out = 0n;
    for (let i = 0n; i < w / 8n; i++) out = (out << 8n) | ((dst >> (8n * i)) & 0xffn);
    return out;
  }
  const op = r.kind === 'neg' ? 'neg' : r.op === AluOp.DIV || r.op === AluOp.MOD ? baseName(r) : baseName(r);
  return which === 'big' ? aluBig(op, r.is64, dst, src) : aluLong(op, r.is64, dst, src);
}

describe('interpreter ALU rows against BigInt and long', () => {
  it.each(aluRows.map((r) => [r.mnemonic + (r.source === 'X' ? ' reg' : ' imm'), r] as const))('%s', (_n, r) => {
    fc.assert(fc.property(u64Arb, u64Arb, imm32, (dst, srcv, imm) => {
      const src = r.source === 'X' ? srcv : r.is64 ? BigInt.asUintN(64, BigInt(imm)) : BigInt(imm >>> 0);
      const prog = encodeInsns([...lddwInsns(1, dst), ...lddwInsns(2, srcv), variantInsn(r, 1, 2, imm), I(0xbf, 0, 1), EXIT]);
      const { r0 } = runProgram(prog);
      expect(r0).toBe(expected(r, dst, src, 'big'));
      expect(r0).toBe(expected(r, dst, src, 'long'));
    }), { numRuns: 150 });
  });
});

describe('interpreter JMP rows against BigInt and long', () => {
  it.each(jmpRows.map((r) => [r.mnemonic + (r.source === 'X' ? ' reg' : ' imm'), r] as const))('%s', (_n, r) => {
    const name = baseName(r);
    fc.assert(fc.property(u64Arb, u64Arb, imm32, fc.boolean(), (dst, srcv, imm, same) => {
      if (same) srcv = dst;
      const src = r.source === 'X' ? srcv : r.is64 ? BigInt.asUintN(64, BigInt(imm)) : BigInt(imm >>> 0);
      const prog = encodeInsns([...lddwInsns(1, dst), ...lddwInsns(2, srcv), I(0xb7, 0, 0, 0, 0),
        { ...variantInsn(r, 1, 2, imm), off: 1 }, EXIT, I(0xb7, 0, 0, 0, 1), EXIT]);
      const { r0 } = runProgram(prog);
      expect(r0 === 1n).toBe(jmpBig(name, r.is64, dst, src));
      expect(r0 === 1n).toBe(jmpLong(name, r.is64, dst, src));
    }), { numRuns: 150 });
  });
});
