/**
 * Long round-trip fuzzing of the assembler/disassembler (`npm run fuzz`):
 * the properties of test/asm/roundtrip.prop.test.ts with many more runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble, disasmText } from '../../src/asm/index.js';
import { AsmError } from '../../src/errors.js';
import { encodeInsns, programFromInsns } from '../../src/isa/index.js';
import { drawArb, programFor } from '../asm/gen.js';

const runs = Number(process.env.FUZZ_RUNS ?? 5000);

describe('asm fuzz', () => {
  it.each(['kernel', 'llvm', 'ubpf'] as const)('assemble(disasm(p, %s)) = p', (style) => {
    fc.assert(fc.property(fc.array(drawArb, { minLength: 1, maxLength: 64 }).map(programFor), (insns) => {
      const text = disasmText(programFromInsns(insns), { style, code: style === 'kernel', numbered: true });
      expect([...assemble(text).bytes]).toEqual([...encodeInsns(insns)]);
    }), { numRuns: runs });
  });
  it('random printable text never throws anything but AsmError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        assemble(text);
      } catch (e) {
        expect(e).toBeInstanceOf(AsmError);
      }
    }), { numRuns: runs * 4 });
  });
});
