/**
 * Interpreter warm-up: runs one synthetic program that executes every row of
 * the opcode table (ALU and JMP rows under several operand sets, so that both
 * sides of every short-circuit comparison and every fast/slow path run) plus a bpf-to-bpf call and return, a helper call, a
 * failed tail call), so that V8 has type feedback for every case of the
 * dispatch switch before it optimizes `interpret`. Without it, the first
 * optimization (often on-stack replacement in the middle of a program's first
 * long loop) lacks feedback for everything that loop did not execute — the
 * exit included — and the engine deoptimizes and reoptimizes repeatedly, with
 * steady-state speed varying by 2× from run to run (measured on the vm-speed
 * loops). Runs once per process, on the first {@link Vm} construction
 * (about a millisecond).
 */

import { type Insn, encodeInsns, lddwInsns } from '../isa/insn.js';
import { OPCODES, type OpcodeRow } from '../isa/opcodes.js';

const EXIT: Insn = { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };

/** Operand sets: small values, high halves set, equal operands, large shift amounts. */
const CONFIGS: ReadonlyArray<{ a: bigint; b: bigint; imm: number }> = [
  { a: 8n, b: 3n, imm: 3 },
  { a: 0x100000008n, b: 0x200000003n, imm: 8 },
  { a: 8n, b: 8n, imm: 8 },
  { a: 0xffffffffffffff00n, b: 40n, imm: 40 },
  { a: 0x8000000000000000n, b: 0xffffffffffffffffn, imm: -1 },
  { a: 5n, b: 0n, imm: 0 },
];

const I = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

/** ALU/JMP rows on r5 (and r3 or imm) under one operand set; r5 is reloaded before each row. */
function aluJmp(r: OpcodeRow, c: { a: bigint; b: bigint; imm: number }): Insn[] {
  const off = r.variant?.field === 'off' ? r.variant.value : 0;
  const imm = r.variant?.field === 'imm' ? r.variant.value : 0;
  const shift = r.op === 0x60 || r.op === 0x70 || r.op === 0xc0;
  const k = shift ? c.imm & 63 : c.imm;
  const pre = lddwInsns(5, c.a);
  switch (r.kind) {
    case 'alu': return [...pre, I(r.code, 5, r.source === 'X' ? 3 : 0, off, r.source === 'K' ? k : 0)];
    case 'neg': return [...pre, I(r.code, 5, 0, 0, 0)];
    case 'movsx': return [...pre, I(r.code, 5, 3, off, 0)];
    case 'end': return [...pre, I(r.code, 5, 0, 0, imm)];
    case 'jcond': return [...pre, I(r.code, 5, r.source === 'X' ? 3 : 0, 0, r.source === 'K' ? c.imm : 0)];
    default: return [];
  }
}

/** The other rows, once: r1 = 64-byte buffer, r2 = 8, r3 = 3, r4 = 7. */
function other(r: OpcodeRow): Insn[] {
  const imm = r.variant?.field === 'imm' ? r.variant.value : 0;
  switch (r.kind) {
    case 'ja': return [I(r.code, 0, 0, 0, 0)];
    case 'call': return [I(r.code, 0, 0, 0, 7)];
    case 'callx': return [I(r.code, 4, 0, 0, 0)];
    case 'lddw': return lddwInsns(5, 0x123456789n);
    case 'ldabs': return [I(r.code, 0, 0, 0, 1)];
    case 'ldind': return [I(r.code, 0, 3, 0, 1)];
    case 'ldx': case 'ldxsx': return [I(r.code, 5, 1, 8, 0), I(r.code, 5, 10, -16, 0)];
    case 'st': return [I(r.code, 1, 0, 8, 1), I(r.code, 10, 0, -16, 1)];
    case 'stx': return [I(r.code, 1, 2, 8, 0), I(r.code, 10, 2, -16, 0)];
    case 'atomic': return [I(r.code, r.op === 0x100 ? 5 : 1, r.op === 0x100 ? 1 : 2, 8, imm)];
    default: return [];
  }
}

/** The warm-up program (raw type, 64-byte memory). */
export function warmUpProgram(): Uint8Array {
  const body: Insn[] = [...lddwInsns(2, 8n), ...lddwInsns(4, 7n), I(0xb7, 0, 0, 0, 0)];
  for (const c of CONFIGS) {
    body.push(...lddwInsns(3, c.b));
    for (const r of OPCODES) body.push(...aluJmp(r, c));
  }
  body.push(...lddwInsns(3, 3n));
  for (const r of OPCODES) body.push(...other(r));
  // A failed tail call (r2 points nowhere), then restore r2.
  body.push(I(0xb7, 2, 0, 0, 0), I(0x85, 0, 0, 0, 12), I(0xb7, 2, 0, 0, 8));
  // A bpf-to-bpf call to the subprogram after the main exit.
  body.push(I(0x85, 0, 1, 0, 1), EXIT, I(0xb7, 0, 0, 0, 1), EXIT);
  return encodeInsns(body);
}

let warmed = false;

/**
 * Runs the warm-up once per process through `run` (a function that loads and
 * runs raw bytes with a 64-byte memory on the interpreter). Errors are
 * ignored: the warm-up only collects type feedback.
 */
export function warmUpOnce(run: (bytes: Uint8Array, mem: Uint8Array) => void): void {
  if (warmed) return;
  warmed = true;
  const bytes = warmUpProgram();
  for (let i = 0; i < 3; i++) {
    try {
      run(bytes, new Uint8Array(64));
    } catch {
      // feedback is what matters
    }
  }
}
