/**
 * Round-trip properties: for random VALID programs drawn from the opcode
 * table, `assemble(disasm(p, style))` gives p's bytes back in every style;
 * disassembling any opcode byte either prints or fails exactly like the
 * decoder; the assembler never throws anything but AsmError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble, disasm, disasmText } from '../../src/asm/index.js';
import { AsmError, BpfError } from '../../src/errors.js';
import { decodeProgram, encodeInsns, programFromInsns } from '../../src/isa/index.js';
import { drawArb, programFor } from './gen.js';

const progArb = fc.array(drawArb, { minLength: 1, maxLength: 24 }).map(programFor);

function errOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('assemble(disasm(p)) = p', () => {
  it.each([
    ['kernel', {}], ['kernel', { code: true, numbered: true }], ['llvm', {}], ['llvm', { numbered: true }], ['ubpf', {}],
  ] as const)('%s style %j', (style, extra) => {
    fc.assert(fc.property(progArb, (insns) => {
      const p = programFromInsns(insns);
      const text = disasmText(p, { style, ...extra });
      const r = assemble(text, { syntax: style });
      expect([...r.bytes]).toEqual([...encodeInsns(insns)]);
      // auto syntax decides the same way
      expect([...assemble(text).bytes]).toEqual([...r.bytes]);
    }), { numRuns: 150 });
  });
});

describe('all 256 opcode bytes', () => {
  const fields = fc.record({
    dst: fc.nat(15), src: fc.nat(15), off: fc.integer({ min: -32768, max: 32767 }),
    imm: fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0, 1, 8, 16, 32, 64, 0xe1, 0xf1, 0x100, 0x110)),
  });
  it('disasm prints or fails exactly like decodeProgram', () => {
    let printed = 0;
    for (let code = 0; code < 256; code++) {
      fc.assert(fc.property(fields, fc.boolean(), (f, zero) => {
        const x = zero ? { code, dst: 0, src: 0, off: 0, imm: f.imm } : { code, ...f };
        const hi = code === 0x18 ? [{ code: 0, dst: 0, src: 0, off: 0, imm: f.imm }] : [];
        const bytes = encodeInsns([x, ...hi, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]);
        const decErr = errOf(() => decodeProgram(bytes));
        const disErr = errOf(() => disasm(bytes));
        if (decErr === undefined) {
          expect(disErr).toBeUndefined();
          printed++;
        } else {
          expect(decErr).toBeInstanceOf(BpfError);
          expect(disErr).toBeInstanceOf(BpfError);
          expect((disErr as BpfError).message).toBe((decErr as BpfError).message);
          expect((disErr as BpfError).code).toBe((decErr as BpfError).code);
        }
      }), { numRuns: 20 });
    }
    expect(printed).toBeGreaterThan(500);
  });
});

describe('assembler robustness', () => {
  const words = ['r0', 'w1', '%r2', 'r11', '=', '+=', 's>>=', '*', '(', ')', '[', ']', 'u32', 's8', ',', '+', '-', '0x10', '4',
    '-8', 'goto', 'if', 'pc', 'call', 'lock', 'exit', 'lddw', 'mov32', 'ldxw', 'jeq', 'fetch', 'add', 'map', 'id', ':', 'll',
    'label:', '#', '//', ';', 'skb', 'bswap16', 'atomic_fetch_add', 'xchg_64', 'load_acquire', 'store_release', 'local', '99999999999999999999'];
  it('either assembles or throws AsmError with a line and column inside the text', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.constantFrom(...words), { maxLength: 10 }), { maxLength: 5 }), (lines) => {
      const text = lines.map((l) => l.join(' ')).join('\n');
      const e = errOf(() => assemble(text));
      if (e === undefined) return;
      expect(e).toBeInstanceOf(AsmError);
      const a = e as AsmError;
      expect(a.line).toBeGreaterThanOrEqual(1);
      expect(a.line).toBeLessThanOrEqual(Math.max(1, lines.length));
      expect(a.column).toBeGreaterThanOrEqual(1);
    }), { numRuns: 1500 });
  });
});
