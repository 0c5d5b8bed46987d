/**
 * Differential property test: random valid programs (gen.ts) on random
 * memory and budgets give identical results under the interpreter and the
 * JIT — r0, executed-instruction count, memory afterwards, and for faults the
 * same code, slot, address, size and message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuntimeFault } from '../../../src/errors.js';
import { HelperRegistry, defaultHelpers, runProgram, type HelperDef } from '../../../src/vm/index.js';
import { genProgram, layout, TEST_HELPER_ID } from './gen.js';

const testHelper: HelperDef = {
  id: TEST_HELPER_ID, name: 'jit_test',
  fn: (call, a, b) => {
    if ((a & 0x1fn) === 13n) throw call.fault!('test helper refuses 13');
    if ((a & 7n) === 5n) call.requestExit!();
    return a * 3n + (b ^ 0x55n);
  },
};

type Outcome =
  | { ok: true; r0: bigint; n: number; mem: number[] }
  | { ok: false; code: string; pc: number | undefined; address: bigint | undefined; size: number | undefined; message: string; mem: number[] };

/** Runs `bytes` under `engine` and captures everything observable. */
export function outcome(bytes: Uint8Array, memIn: Uint8Array, budget: number, engine: string): Outcome {
  const mem = Uint8Array.from(memIn);
  const helpers = new HelperRegistry(defaultHelpers()).register(testHelper);
  try {
    const r = runProgram(bytes, { mem, budget, engine, helpers });
    return { ok: true, r0: r.r0, n: r.insnsExecuted, mem: [...mem] };
  } catch (e) {
    if (!(e instanceof RuntimeFault)) throw e;
    return { ok: false, code: e.code, pc: e.pc, address: e.address, size: e.size, message: e.message, mem: [...mem] };
  }
}

const budgetArb = fc.oneof(fc.constant(1_000_000), fc.integer({ min: 0, max: 400 }));

describe('jit vs interpreter on random programs', () => {
  it('same r0, count, memory and faults', () => {
    fc.assert(fc.property(genProgram, fc.uint8Array({ minLength: 64, maxLength: 64 }), budgetArb, (g, mem, budget) => {
      const bytes = layout(g);
      const a = outcome(bytes, mem, budget, 'interp');
      const b = outcome(bytes, mem, budget, 'jit');
      expect(b).toEqual(a);
    }), { numRuns: 400 });
  });

  it('exercises both outcomes (generator sanity)', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(genProgram, fc.uint8Array({ minLength: 64, maxLength: 64 }), budgetArb, (g, mem, budget) => {
      const o = outcome(layout(g), mem, budget, 'interp');
      seen.add(o.ok ? 'ok' : o.code);
    }), { numRuns: 300, seed: 42 });
    expect(seen).toContain('ok');
    expect(seen).toContain('MEM_FAULT');
    expect(seen).toContain('BUDGET');
  });
});
