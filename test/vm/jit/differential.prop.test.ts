/**
 * Differential property test: random valid programs (gen.ts) on random
 * memory and budgets give identical results under the interpreter and the
 * JIT — r0, executed-instruction count, memory afterwards, the helper calls
 * (slot and arguments, in order), and for faults the same code, slot, address,
 * size and message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BpfError, RuntimeFault } from '../../../src/errors.js';
import { encodeInsns, type Insn } from '../../../src/isa/insn.js';
import { OPCODES } from '../../../src/isa/opcodes.js';
import { HelperRegistry, createJitEngine, defaultHelpers, registerEngine, runProgram, type HelperDef } from '../../../src/vm/index.js';
import { genProgram, layout, TEST_HELPER_ID } from './gen.js';

/** Every call of the test helper in the current run: slot and the five arguments. */
let calls: string[] = [];

const testHelper: HelperDef = {
  id: TEST_HELPER_ID, name: 'jit_test',
  fn: (call, a, b, c, d, e) => {
    calls.push(`${(call as { pc?: number }).pc}:${a},${b},${c},${d},${e}`);
    // Faults or asks to end the program now and then (deterministic in the call sequence).
    const k = (a ^ b ^ c ^ d ^ e ^ BigInt(calls.length)) & 7n;
    if (k === 3n) throw call.fault!('test helper refuses');
    if (k === 5n) call.requestExit!();
    return a * 3n + (b ^ 0x55n);
  },
};

type Outcome =
  | { ok: true; r0: bigint; n: number; mem: number[]; calls: string[] }
  | { ok: false; code: string; pc: number | undefined; address: bigint | undefined; size: number | undefined; message: string; mem: number[]; calls: string[] };

/** Runs `bytes` under `engine` and captures everything observable. */
export function outcome(bytes: Uint8Array, memIn: Uint8Array, budget: number, engine: string): Outcome {
  const mem = Uint8Array.from(memIn);
  const helpers = new HelperRegistry(defaultHelpers()).register(testHelper);
  calls = [];
  try {
    const r = runProgram(bytes, { mem, budget, engine, helpers });
    return { ok: true, r0: r.r0, n: r.insnsExecuted, mem: [...mem], calls };
  } catch (e) {
    if (!(e instanceof RuntimeFault)) throw e;
    return { ok: false, code: e.code, pc: e.pc, address: e.address, size: e.size, message: e.message, mem: [...mem], calls };
  }
}

// The code-generation variants, each compared with the interpreter.
registerEngine(createJitEngine('jit-dispatch', { structured: false }));
registerEngine(createJitEngine('jit-generic', { fastStack: false }));
registerEngine(createJitEngine('jit-chunk3', { chunkInsns: 3 }));
const ENGINES = ['jit', 'jit-dispatch', 'jit-generic', 'jit-chunk3'] as const;

const budgetArb = fc.oneof(fc.constant(1_000_000), fc.integer({ min: 0, max: 400 }));

describe('jit vs interpreter on random programs', () => {
  it('same r0, count, memory and faults', () => {
    fc.assert(fc.property(genProgram, fc.uint8Array({ minLength: 64, maxLength: 64 }), budgetArb, (g, mem, budget) => {
      const bytes = layout(g);
      const a = outcome(bytes, mem, budget, 'interp');
      for (const e of ENGINES) expect(outcome(bytes, mem, budget, e)).toEqual(a);
    }), { numRuns: Number(process.env.JIT_RUNS ?? 400) });
  });

  it('exercises both outcomes (generator sanity)', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(genProgram, fc.uint8Array({ minLength: 64, maxLength: 64 }), budgetArb, (g, mem, budget) => {
      const o = outcome(layout(g), mem, budget, 'interp');
      seen.add(o.ok ? 'ok' : o.code);
      if (o.calls.length > 0) seen.add('helper called');
    }), { numRuns: 300, seed: 42 });
    expect(seen).toContain('ok');
    expect(seen).toContain('MEM_FAULT');
    expect(seen).toContain('BUDGET');
    expect(seen).toContain('HELPER');
    expect(seen).toContain('helper called');
  });
});

/**
 * Arbitrary instruction sequences straight from the opcode table: random
 * registers, offsets (so jumps go backwards, cross each other and form
 * irreducible flow) and immediates; programs that do not decode are skipped.
 */
const anyInsn: fc.Arbitrary<Insn[]> = fc.record({
  row: fc.constantFrom(...OPCODES), dst: fc.integer({ min: 0, max: 10 }), src: fc.integer({ min: 0, max: 10 }),
  off: fc.integer({ min: -8, max: 8 }), imm: fc.oneof(fc.integer({ min: -8, max: 64 }), fc.integer({ min: -0x80000000, max: 0x7fffffff })), hi: fc.integer(),
}).map(({ row, dst, src, off, imm, hi }) => {
  let d = dst, s = src, o = off, i = imm;
  // Fields each kind does not use must be zero (the decoder rejects reserved fields).
  const k = row.kind;
  const uses = {
    d: !['ja', 'call', 'exit', 'ldabs', 'ldind'].includes(k),
    s: (row.source === 'X' && ['alu', 'jcond'].includes(k)) || ['movsx', 'ldx', 'ldxsx', 'stx', 'atomic', 'ldind'].includes(k),
    o: ['jcond', 'ja', 'ldx', 'ldxsx', 'st', 'stx', 'atomic'].includes(k),
    i: (row.source !== 'X' && ['alu', 'jcond'].includes(k)) || ['end', 'ja', 'call', 'lddw', 'ldabs', 'ldind', 'st', 'atomic'].includes(k),
  };
  if (!uses.d) d = 0;
  if (!uses.s) s = 0;
  if (!uses.o) o = 0;
  if (!uses.i) i = 0;
  if (k === 'call') { s = src % 2; i = s === 1 ? off : [1, 5, 7, 12, TEST_HELPER_ID][Math.abs(imm) % 5]!; }
  if (k === 'ja') { if (row.cls === 0x06) { i = off; o = 0; } else i = 0; }
  if (row.variant?.field === 'off') o = row.variant.value;
  if (row.variant?.field === 'imm') i = row.variant.value;
  const insn: Insn = { code: row.code, dst: d, src: s, off: o, imm: i };
  return row.slots === 2 ? [insn, { code: 0, dst: 0, src: 0, off: 0, imm: hi }] : [insn];
});

describe('jit vs interpreter on arbitrary instruction sequences', () => {
  it('same outcome (result, count, memory, fault) whenever the program loads', () => {
    let loaded = 0;
    fc.assert(fc.property(fc.array(anyInsn, { minLength: 1, maxLength: 24 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 3000 }), (parts, mem, budget) => {
      const bytes = encodeInsns([...parts.flat(), { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]);
      let a: Outcome;
      try { a = outcome(bytes, mem, budget, 'interp'); } catch (e) {
        if (e instanceof BpfError && !(e instanceof RuntimeFault)) return; // does not decode
        throw e;
      }
      loaded++;
      for (const e of ENGINES) expect(outcome(bytes, mem, budget, e)).toEqual(a);
    }), { numRuns: Number(process.env.JIT_RUNS ?? 600) });
    expect(loaded).toBeGreaterThan(100);
  });
});
