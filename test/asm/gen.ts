/**
 * Generators of VALID instructions from the opcode table, shared by the
 * property tests and the kernel-differential test: every field a row uses is
 * drawn from its full valid range, every field it does not use is zero.
 */
import fc from 'fast-check';
import { type Insn, OPCODES, type OpcodeRow, lddwInsns } from '../../src/isa/index.js';
import { slotOf } from '../../src/asm/rows.js';

/** Raw random material for one instruction. */
export interface Draw {
  row: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  hi: number;
  pseudo: number;
}

/** fast-check arbitrary of {@link Draw}. */
export const drawArb: fc.Arbitrary<Draw> = fc.record({
  row: fc.nat(OPCODES.length - 1),
  dst: fc.nat(10),
  src: fc.nat(10),
  off: fc.integer({ min: -32768, max: 32767 }),
  imm: fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: -20, max: 20 })),
  hi: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  pseudo: fc.nat(6),
});

/** Jump-like rows whose offset must be fixed up to a valid target. */
export function isJump(row: OpcodeRow, x: Insn): 'off' | 'imm' | undefined {
  if (row.kind === 'jcond') return 'off';
  if (row.kind === 'ja') return row.cls === 0x06 ? 'imm' : 'off';
  if (row.kind === 'call' && x.src === 1) return 'imm';
  return undefined;
}

/** The slots of a valid instruction for `row` from random material (jump targets unresolved: 0). */
export function insnFor(row: OpcodeRow, d: Draw): Insn[] {
  switch (row.kind) {
    case 'alu':
      return [row.source === 'X' ? slotOf(row, { dst: d.dst, src: d.src }) : slotOf(row, { dst: d.dst, imm: d.imm })];
    case 'movsx': return [slotOf(row, { dst: d.dst, src: d.src })];
    case 'neg': case 'end': return [slotOf(row, { dst: d.dst })];
    case 'ldx': case 'ldxsx': return [slotOf(row, { dst: d.dst, src: d.src, off: d.off })];
    case 'st': return [slotOf(row, { dst: d.dst, off: d.off, imm: d.imm })];
    case 'stx': case 'atomic': return [slotOf(row, { dst: d.dst, src: d.src, off: d.off })];
    case 'ldabs': return [slotOf(row, { imm: d.imm })];
    case 'ldind': return [slotOf(row, { src: d.src, imm: d.imm })];
    case 'lddw': {
      const [a, b] = lddwInsns(d.dst, 0n, d.pseudo);
      a.imm = d.imm;
      b.imm = d.hi;
      return [a, b];
    }
    case 'ja': return [slotOf(row, {})];
    case 'jcond':
      return [row.source === 'X' ? slotOf(row, { dst: d.dst, src: d.src }) : slotOf(row, { dst: d.dst, imm: d.imm })];
    case 'call': {
      const src = d.pseudo % 3;
      return [slotOf(row, { src, imm: src === 1 ? 0 : d.imm })];
    }
    case 'callx': return [slotOf(row, { dst: d.dst })];
    case 'exit': return [slotOf(row, {})];
  }
}

/**
 * A valid program from draws: each draw becomes an instruction; jumps and
 * pseudo calls get targets (instruction starts inside the program) chosen
 * from their `off`/`imm` material; an `exit` ends the program.
 */
export function programFor(draws: readonly Draw[]): Insn[] {
  const groups = draws.map((d) => ({ row: OPCODES[d.row]!, d, slots: insnFor(OPCODES[d.row]!, d) }));
  groups.push({ row: OPCODES.find((r) => r.kind === 'exit')!, d: draws[0] ?? ({} as Draw), slots: insnFor(OPCODES.find((r) => r.kind === 'exit')!, {} as Draw) });
  const starts: number[] = [];
  let pc = 0;
  for (const g of groups) { starts.push(pc); pc += g.slots.length; }
  groups.forEach((g, i) => {
    const field = isJump(g.row, g.slots[0]!);
    if (field === undefined) return;
    const t = starts[Math.abs(g.d.off + g.d.imm) % starts.length]!;
    g.slots[0]![field] = t - (starts[i]! + 1);
  });
  return groups.flatMap((g) => g.slots);
}
