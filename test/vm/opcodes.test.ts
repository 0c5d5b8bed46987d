/**
 * Every opcode-table row dispatches in every engine (no row falls into the
 * engine's "unknown opcode" path), and every byte that is no instruction is
 * rejected by the decoder before an engine sees it.
 */
import '../../src/vm/jit/index.js'; // registers the jit engine: every engine runs the vectors
import { describe, expect, it } from 'vitest';
import { BpfError, OPCODES, type Insn, type OpcodeRow, encodeInsns, decodeProgram, isKnownCode, Vm, engineNames, lddwInsns } from '../../src/index.js';

const EXIT: Insn = { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };

/** A small program running `row` once with valid operands (memory ops on the 64-byte buffer in r1). */
function programFor(r: OpcodeRow): Insn[] {
  const off = r.variant?.field === 'off' ? r.variant.value : 0;
  const imm = r.variant?.field === 'imm' ? r.variant.value : 0;
  const setup = [...lddwInsns(2, 8n), ...lddwInsns(3, 3n), ...lddwInsns(0, 0n)];
  const at = (i: Insn): Insn[] => [...setup, i, EXIT];
  switch (r.kind) {
    case 'alu': return at({ code: r.code, dst: 2, src: r.source === 'X' ? 3 : 0, off, imm: r.source === 'K' ? 3 : 0 });
    case 'neg': return at({ code: r.code, dst: 2, src: 0, off: 0, imm: 0 });
    case 'movsx': return at({ code: r.code, dst: 2, src: 3, off, imm: 0 });
    case 'end': return at({ code: r.code, dst: 2, src: 0, off: 0, imm });
    case 'ja': return at({ code: r.code, dst: 0, src: 0, off: 0, imm: 0 });
    case 'jcond': return at({ code: r.code, dst: 2, src: r.source === 'X' ? 3 : 0, off: 0, imm: 0 });
    case 'call': return at({ code: r.code, dst: 0, src: 0, off: 0, imm: 7 });
    case 'callx': return [...setup, ...lddwInsns(4, 7n), { code: r.code, dst: 4, src: 0, off: 0, imm: 0 }, EXIT];
    case 'exit': return [EXIT];
    case 'lddw': return [...lddwInsns(0, 5n), EXIT];
    case 'ldabs': return at({ code: r.code, dst: 0, src: 0, off: 0, imm: 1 });
    case 'ldind': return at({ code: r.code, dst: 0, src: 3, off: 0, imm: 1 });
    case 'ldx': case 'ldxsx': return at({ code: r.code, dst: 0, src: 1, off: 8, imm: 0 });
    case 'st': return at({ code: r.code, dst: 1, src: 0, off: 8, imm: 1 });
    case 'stx': return at({ code: r.code, dst: 1, src: 2, off: 8, imm: 0 });
    case 'atomic': return at({ code: r.code, dst: 1, src: r.op === 0x100 ? 1 : 2, off: 8, imm });
  }
}

describe.each(engineNames())('engine %s', (engine) => {
  const vm = new Vm({ engine });
  it.each(OPCODES.map((r) => [`${r.mnemonic} ${r.code.toString(16).padStart(2, '0')}${r.source ?? ''}`, r] as const))('%s runs', (_n, r) => {
    const res = vm.load(encodeInsns(programFor(r))).run({ mem: new Uint8Array(64) });
    expect(res.insnsExecuted).toBeGreaterThan(0);
  });
});

describe('bytes that are no instruction', () => {
  it('are rejected by the decoder with BAD_OPCODE naming the slot', () => {
    let n = 0;
    for (let code = 0; code < 256; code++) {
      if (isKnownCode(code)) continue;
      n++;
      const bytes = encodeInsns([EXIT, { code, dst: 0, src: 0, off: 0, imm: 0 }]);
      try {
        decodeProgram(bytes);
        throw new Error(`opcode ${code} accepted`);
      } catch (e) {
        expect(e).toBeInstanceOf(BpfError);
        expect((e as BpfError).code).toBe('BAD_OPCODE');
        expect((e as BpfError).pc).toBe(1);
      }
    }
    expect(n).toBeGreaterThan(50);
  });
});

describe('interpreter warm-up program', () => {
  it('contains every opcode row and runs to completion', async () => {
    const { warmUpProgram } = await import('../../src/vm/warmup.js');
    const bytes = warmUpProgram();
    const p = decodeProgram(bytes);
    const rows = new Set<number>();
    for (let i = 0; i < p.length; i++) rows.add(p.row[i]!);
    for (let r = 0; r < OPCODES.length; r++) if (OPCODES[r]!.kind !== 'exit') expect(rows.has(r), OPCODES[r]!.mnemonic).toBe(true);
    const res = new Vm().load(bytes).run({ mem: new Uint8Array(64), engine: 'interp' });
    expect(res.r0).toBe(1n);
    expect(res.insnsExecuted).toBeGreaterThan(OPCODES.length * 3);
  });
});
