/**
 * Row selection for the assembler and builder: finds the opcode-table row for
 * an instruction described by its properties (kind, operation, source, width)
 * and makes the instruction slot, setting the variant field (`off` for
 * sdiv/smod/movsx, `imm` for byte swaps and atomics). Nothing here lists
 * opcodes; everything is looked up in src/isa/opcodes.ts.
 */
import type { Insn } from '../isa/insn.js';
import { OPCODES, type OpKind, type OpcodeRow } from '../isa/opcodes.js';

/** What identifies a row; unspecified properties match anything. */
export interface RowQuery {
  kind: OpKind;
  op?: number;
  source?: 'K' | 'X';
  width?: number;
  is64?: boolean;
  cls?: number;
  /** Value of the variant field (off for alu/movsx; imm for end/atomic). */
  variant?: number;
}

const cache = new Map<string, OpcodeRow | null>();

/** The unique row matching `q`, or undefined. */
export function findRow(q: RowQuery): OpcodeRow | undefined {
  const key = `${q.kind}/${q.op}/${q.source}/${q.width}/${q.is64}/${q.cls}/${q.variant}`;
  let r = cache.get(key);
  if (r === undefined) {
    const hits = OPCODES.filter((x) =>
      x.kind === q.kind
      && (q.op === undefined || x.op === q.op)
      && (q.source === undefined || x.source === q.source)
      && (q.width === undefined || x.width === q.width)
      && (q.is64 === undefined || x.is64 === q.is64)
      && (q.cls === undefined || x.cls === q.cls)
      && (q.variant === undefined ? (x.variant === undefined || x.variant.value === 0) : x.variant?.value === q.variant));
    r = hits.length === 1 ? hits[0]! : null;
    cache.set(key, r);
  }
  return r ?? undefined;
}

/** Fields of an instruction slot besides the opcode. */
export interface SlotFields {
  dst?: number;
  src?: number;
  off?: number;
  imm?: number;
}

/** Makes the slot for `row`: opcode byte, the given fields, and the row's variant field. */
export function slotOf(row: OpcodeRow, f: SlotFields): Insn {
  const x: Insn = { code: row.code, dst: f.dst ?? 0, src: f.src ?? 0, off: f.off ?? 0, imm: f.imm ?? 0 };
  if (row.variant) {
    if (row.variant.field === 'off') x.off = row.variant.value;
    else x.imm = row.variant.value;
  }
  return x;
}
