/**
 * Robustness: random bytes and random instruction sequences yield a result
 * or a BpfError — never another exception, a hang, or a run past the budget.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BpfError, OPCODES, type Insn, encodeInsns, Vm, RuntimeFault } from '../../src/index.js';
import { createJitEngine, engineNames, registerEngine } from '../../src/vm/index.js';

registerEngine(createJitEngine('jit-dispatch', { structured: false }));
registerEngine(createJitEngine('jit-generic', { fastStack: false }));
registerEngine(createJitEngine('jit-chunk3', { chunkInsns: 3 }));

const BUDGET = 5000;

/** How many programs got past loading (ran to a result or a run-time fault). */
let executed = 0;

function runChecked(vm: Vm, bytes: Uint8Array, mem: Uint8Array): void {
  try {
    const lp = vm.load(bytes);
    executed++;
    const r = lp.run({ mem, budget: BUDGET });
    expect(r.insnsExecuted).toBeLessThanOrEqual(BUDGET);
    expect(typeof r.r0).toBe('bigint');
  } catch (e) {
    if (!(e instanceof BpfError)) throw e;
    if (e instanceof RuntimeFault) expect(e.pc).toBeGreaterThanOrEqual(0);
  }
}

const rowArb = fc.constantFrom(...OPCODES);
const immArb = fc.oneof(fc.integer({ min: -4, max: 16 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0x100, 0x110, 1, 8, 16, 32, 64));
const insnArb: fc.Arbitrary<Insn[]> = fc.record({
  row: rowArb, dst: fc.integer({ min: 0, max: 10 }), src: fc.integer({ min: 0, max: 10 }),
  off: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -600, max: 600 })), imm: immArb, hi: fc.integer(),
}).map(({ row, dst, src, off, imm, hi }) => {
  let o = off, i = imm, s = src, d = dst;
  // Mostly honour the kernel's reserved-field rules so that most programs load.
  switch (row.kind) {
    case 'alu': if (row.source === 'X') i = 0; else s = 0; o = 0; break;
    case 'movsx': i = 0; break;
    case 'neg': s = 0; o = 0; i = 0; break;
    case 'end': s = 0; o = 0; break;
    case 'ja': d = 0; s = 0; if (row.cls === 0x05) i = 0; else { i = o; o = 0; } break;
    case 'call': s = Math.abs(src) % 2; o = 0; d = 0; if (s === 0) i = Math.abs(imm) % 20; break;
    case 'callx': o = 0; s = 0; i = 0; break;
    case 'exit': d = 0; s = 0; o = 0; i = 0; break;
    case 'jcond': if (row.source === 'X') i = 0; else s = 0; break;
    case 'lddw': s = 0; o = 0; break;
    case 'ldabs': d = 0; o = 0; s = 0; break;
    case 'ldind': d = 0; o = 0; break;
    case 'ldx': case 'ldxsx': case 'stx': i = 0; break;
    case 'st': s = 0; break;
    default: break;
  }
  if (row.variant?.field === 'off') o = row.variant.value;
  if (row.variant?.field === 'imm') i = row.variant.value;
  const insn: Insn = { code: row.code, dst: d, src: s, off: o, imm: i };
  return row.slots === 2 ? [insn, { code: 0, dst: 0, src: 0, off: 0, imm: hi }] : [insn];
});

describe('robustness', () => {
  const vm = new Vm();
  it('random bytes: result or BpfError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 160 }), fc.uint8Array({ maxLength: 64 }), (bytes, mem) => {
      runChecked(vm, bytes, mem);
    }), { numRuns: 3000 });
  });
  it('random instruction sequences: result or BpfError, within the budget', () => {
    executed = 0;
    fc.assert(fc.property(fc.array(insnArb, { minLength: 1, maxLength: 16 }), fc.uint8Array({ maxLength: 64 }), fc.boolean(), (parts, mem, addExit) => {
      const insns = parts.flat();
      if (addExit) insns.push({ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
      runChecked(vm, encodeInsns(insns), mem);
    }), { numRuns: 3000 });
    // The generator must exercise the engine, not only the decoder.
    expect(executed).toBeGreaterThan(600);
  });
  it('raw fields (bad reserved fields, registers up to 15): every engine gives the same result or fault', () => {
    // Malformed slots load (as in Linux) and fault only when executed: the engines must agree on which and where.
    const raw: fc.Arbitrary<Insn[]> = fc.record({
      row: rowArb, dst: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 15 })),
      src: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 15 })),
      off: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -600, max: 600 })), imm: immArb, hi: fc.integer(),
    }).map(({ row, dst, src, off, imm, hi }) => {
      const insn: Insn = { code: row.code, dst, src, off: row.variant?.field === 'off' && off % 2 === 0 ? row.variant.value : off, imm };
      return row.slots === 2 ? [insn, { code: 0, dst: 0, src: 0, off: 0, imm: hi }] : [insn];
    });
    const vms = engineNames().map((engine) => new Vm({ engine }));
    let faults = 0;
    fc.assert(fc.property(fc.array(raw, { minLength: 1, maxLength: 10 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (parts, mem0) => {
      const bytes = encodeInsns([...parts.flat(), { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]);
      const outcomes = vms.map((vm) => {
        const mem = mem0.slice();
        try {
          const r = vm.load(bytes).run({ mem, budget: BUDGET });
          return `r0 ${r.r0} n ${r.insnsExecuted} mem ${mem.join(',')}`;
        } catch (e) {
          if (!(e instanceof BpfError)) throw e;
          if (e.code === 'RESERVED_FIELD' || e.code === 'BAD_REGISTER') faults += e instanceof RuntimeFault ? 1 : 0;
          return `${e instanceof RuntimeFault ? 'fault' : 'load'} ${e.code} ${e.message} mem ${mem.join(',')}`;
        }
      });
      for (const o of outcomes) expect(o).toBe(outcomes[0]);
    }), { numRuns: 400 });
    expect(faults).toBeGreaterThan(50);
  });
  it('an endless loop stops at the budget', () => {
    const loop = encodeInsns([{ code: 0x05, dst: 0, src: 0, off: -1, imm: 0 }]);
    expect(() => vm.load(loop).run({ budget: 1234 })).toThrow(/budget of 1234/);
    try { vm.load(loop).run({ budget: 1234 }); } catch (e) { expect((e as RuntimeFault).code).toBe('BUDGET'); }
  });
});
