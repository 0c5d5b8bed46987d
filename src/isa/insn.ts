/**
 * `struct bpf_insn` (RFC 9669 §3): decoding raw little-endian bytes into a
 * struct-of-arrays {@link Program}, encoding back, and the structural checks
 * the kernel applies before verification (unknown opcodes, invalid registers,
 * reserved fields, ld_imm64 pairs, jump targets; `kernel/bpf/verifier.c`:
 * resolve_pseudo_ldimm64, check_subprogs, do_check's reserved-field checks).
 *
 * ```
 *   byte 0     byte 1          bytes 2-3     bytes 4-7
 *   +--------+-------+-------+-------------+-------------------+
 *   | opcode | src:4 | dst:4 | off (s16 LE)| imm (s32 LE)      |
 *   +--------+-------+-------+-------------+-------------------+
 * ```
 */

import { BpfError, ErrorCode } from '../errors.js';
import {
  AluOp, AtomicOp, CallSrc, Cls, JmpOp, Mode, OPCODES, type OpcodeRow, lookupOpcode, rowsForCode,
} from './opcodes.js';

/** One instruction slot. `imm` is a signed 32-bit value, `off` a signed 16-bit value. */
export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

/** Size of one instruction slot in bytes. */
export const INSN_SIZE = 8;
/** Number of registers r0..r10. */
export const MAX_BPF_REG = 11;
/** Instruction limit of BPF_PROG_LOAD for privileged users (BPF_COMPLEXITY_LIMIT_INSNS). */
export const BPF_MAXINSNS_PRIV = 1_000_000;

const ROW_INDEX = new Map<OpcodeRow, number>(OPCODES.map((r, i) => [r, i]));
/** `row[pc]` for the second slot of ld_imm64. */
export const ROW_LDDW_HI = 0xffff;

/**
 * A decoded program as struct-of-arrays, one entry per instruction slot.
 * The second slot of ld_imm64 keeps its raw fields; its `row` is {@link ROW_LDDW_HI}.
 */
export class Program {
  /** Number of instruction slots. */
  readonly length: number;
  readonly code: Uint8Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly off: Int16Array;
  readonly imm: Int32Array;
  /** Index into {@link OPCODES} per slot (validated programs only; else 0xfffe where unknown). */
  readonly row: Uint16Array;

  constructor(length: number) {
    this.length = length;
    this.code = new Uint8Array(length);
    this.dst = new Uint8Array(length);
    this.src = new Uint8Array(length);
    this.off = new Int16Array(length);
    this.imm = new Int32Array(length);
    this.row = new Uint16Array(length);
  }

  /** The instruction at slot `pc` as a plain object. */
  insn(pc: number): Insn {
    return { code: this.code[pc]!, dst: this.dst[pc]!, src: this.src[pc]!, off: this.off[pc]!, imm: this.imm[pc]! };
  }

  /** The opcode-table row of slot `pc`, or undefined (second ld_imm64 slot, unknown opcode). */
  rowAt(pc: number): OpcodeRow | undefined {
    const r = this.row[pc]!;
    return r < OPCODES.length ? OPCODES[r] : undefined;
  }

  /** The 64-bit immediate of the ld_imm64 at `pc` (unsigned). */
  imm64(pc: number): bigint {
    const lo = BigInt(this.imm[pc]! >>> 0);
    const hi = BigInt(this.imm[pc + 1]! >>> 0);
    return (hi << 32n) | lo;
  }

  /** All slots as plain objects. */
  insns(): Insn[] {
    const out: Insn[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.insn(i));
    return out;
  }

  /** Raw little-endian bytes. */
  toBytes(): Uint8Array {
    return encodeInsns(this.insns());
  }
}

/** Options for {@link decodeProgram}. */
export interface DecodeOptions {
  /**
   * Structural validation (default true): unknown opcodes, invalid registers,
   * reserved fields, ld_imm64 pairs and jump targets throw a BpfError naming
   * the slot. With false, only the byte length is checked and unknown
   * opcodes get row 0xfffe.
   */
  validate?: boolean;
  /** Maximum number of slots (default {@link BPF_MAXINSNS_PRIV}). */
  maxInsns?: number;
}

/** Marker row for a slot whose opcode is unknown (unvalidated decode). */
export const ROW_UNKNOWN = 0xfffe;

/**
 * Decodes raw `struct bpf_insn` bytes.
 * @throws BpfError (TRUNCATED, BAD_OPCODE, BAD_REGISTER, RESERVED_FIELD, BAD_JUMP, BAD_PROGRAM) naming the slot.
 */
export function decodeProgram(bytes: Uint8Array, opts: DecodeOptions = {}): Program {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new BpfError(ErrorCode.Truncated, `program is ${bytes.length} bytes, not a multiple of ${INSN_SIZE}`);
  }
  const n = bytes.length / INSN_SIZE;
  const max = opts.maxInsns ?? BPF_MAXINSNS_PRIV;
  if (n > max) throw new BpfError(ErrorCode.BadProgram, `program has ${n} instructions, more than the limit ${max}`);
  const p = new Program(n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) {
    const o = i * INSN_SIZE;
    p.code[i] = bytes[o]!;
    const regs = bytes[o + 1]!;
    p.dst[i] = regs & 0x0f;
    p.src[i] = regs >> 4;
    p.off[i] = dv.getInt16(o + 2, true);
    p.imm[i] = dv.getInt32(o + 4, true);
  }
  assignRows(p, opts.validate ?? true);
  return p;
}

/** Builds a {@link Program} from instruction objects (validated like {@link decodeProgram}). */
export function programFromInsns(insns: readonly Insn[], opts: DecodeOptions = {}): Program {
  const max = opts.maxInsns ?? BPF_MAXINSNS_PRIV;
  if (insns.length > max) throw new BpfError(ErrorCode.BadProgram, `program has ${insns.length} instructions, more than the limit ${max}`);
  const p = new Program(insns.length);
  insns.forEach((x, i) => {
    p.code[i] = x.code & 0xff;
    p.dst[i] = x.dst & 0x0f;
    p.src[i] = x.src & 0x0f;
    p.off[i] = x.off;
    p.imm[i] = x.imm;
  });
  assignRows(p, opts.validate ?? true);
  return p;
}

function assignRows(p: Program, validate: boolean): void {
  const n = p.length;
  if (validate && n === 0) throw new BpfError(ErrorCode.BadProgram, 'empty program');
  for (let i = 0; i < n; i++) {
    const row = lookupOpcode(p.code[i]!, p.off[i]!, p.imm[i]!);
    if (row === undefined) {
      if (validate) throw unknownOpcode(p, i);
      p.row[i] = ROW_UNKNOWN;
      continue;
    }
    p.row[i] = ROW_INDEX.get(row)!;
    if (row.slots === 2) {
      if (i + 1 >= n) {
        if (validate) throw new BpfError(ErrorCode.Truncated, 'invalid bpf_ld_imm64 insn: missing second slot', i);
        continue;
      }
      p.row[i + 1] = ROW_LDDW_HI;
      if (validate) {
        const c = p.code[i + 1]!, d = p.dst[i + 1]!, s = p.src[i + 1]!, o = p.off[i + 1]!;
        if (c !== 0 || d !== 0 || s !== 0 || o !== 0) {
          throw new BpfError(ErrorCode.ReservedField, 'invalid bpf_ld_imm64 insn', i);
        }
      }
      i++;
    }
  }
  if (validate) {
    for (let i = 0; i < n; i++) {
      if (p.row[i] === ROW_LDDW_HI) continue;
      checkFields(p, i, OPCODES[p.row[i]!]!);
    }
    checkJumps(p);
  }
}

function unknownOpcode(p: Program, i: number): BpfError {
  const code = p.code[i]!;
  const cands = rowsForCode(code);
  if (cands.length === 0) return new BpfError(ErrorCode.BadOpcode, `unknown opcode ${hex2(code)}`, i);
  // The byte is an instruction, but the variant field is not one of its values.
  const r0 = cands[0]!;
  const field = r0.variant!.field;
  return new BpfError(ErrorCode.ReservedField, `${reservedName(r0)} uses reserved fields (invalid ${field} ${field === 'off' ? p.off[i] : p.imm[i]})`, i);
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}

/** The kernel's name for an instruction kind in "... uses reserved fields" messages. */
function reservedName(r: OpcodeRow): string {
  switch (r.kind) {
    case 'neg': return 'BPF_NEG';
    case 'end': return 'BPF_END';
    case 'movsx': return 'BPF_MOV';
    case 'alu': return r.op === AluOp.MOV ? 'BPF_MOV' : 'BPF_ALU';
    case 'ja': return 'BPF_JA';
    case 'call': case 'callx': return 'BPF_CALL';
    case 'exit': return 'BPF_EXIT';
    case 'jcond': return 'BPF_JMP/JMP32';
    case 'lddw': return 'BPF_LD_IMM64';
    case 'ldabs': case 'ldind': return 'BPF_LD_[ABS|IND]';
    case 'ldx': case 'ldxsx': return 'BPF_LDX';
    case 'st': return 'BPF_ST';
    case 'stx': case 'atomic': return 'BPF_STX';
  }
}

function reserved(p: Program, i: number, r: OpcodeRow): never {
  throw new BpfError(ErrorCode.ReservedField, `${reservedName(r)} uses reserved fields`, i);
}

function checkReg(p: Program, i: number, reg: number): void {
  if (reg >= MAX_BPF_REG) throw new BpfError(ErrorCode.BadRegister, `R${reg} is invalid`, i);
}

/** Reserved-field and register checks for one (first) slot. */
function checkFields(p: Program, i: number, r: OpcodeRow): void {
  const dst = p.dst[i]!, src = p.src[i]!, off = p.off[i]!, imm = p.imm[i]!;
  checkReg(p, i, dst);
  checkReg(p, i, src);
  switch (r.kind) {
    case 'alu':
      if (r.source === 'X') {
        if (imm !== 0) reserved(p, i, r);
      } else if (src !== 0) reserved(p, i, r);
      if (r.op !== AluOp.DIV && r.op !== AluOp.MOD && off !== 0) reserved(p, i, r);
      break;
    case 'movsx':
      if (imm !== 0) reserved(p, i, r);
      break;
    case 'neg':
      if (src !== 0 || off !== 0 || imm !== 0) reserved(p, i, r);
      break;
    case 'end':
      if (src !== 0 || off !== 0) reserved(p, i, r);
      break;
    case 'ja':
      if (dst !== 0 || src !== 0) reserved(p, i, r);
      if (r.cls === Cls.JMP ? imm !== 0 : off !== 0) reserved(p, i, r);
      break;
    case 'call':
      if (off !== 0 || dst !== 0 || (src !== CallSrc.HELPER && src !== CallSrc.PSEUDO_CALL && src !== CallSrc.KFUNC)) reserved(p, i, r);
      break;
    case 'callx':
      if (off !== 0 || src !== 0 || imm !== 0) reserved(p, i, r);
      break;
    case 'exit':
      if (dst !== 0 || src !== 0 || off !== 0 || imm !== 0) reserved(p, i, r);
      break;
    case 'jcond':
      if (r.source === 'X' ? imm !== 0 : src !== 0) reserved(p, i, r);
      break;
    case 'lddw':
      if (off !== 0 || src > 6) throw new BpfError(ErrorCode.ReservedField, 'invalid bpf_ld_imm64 insn', i);
      break;
    case 'ldabs':
    case 'ldind':
      if (dst !== 0 || off !== 0 || (r.kind === 'ldabs' && src !== 0)) reserved(p, i, r);
      break;
    case 'ldx':
    case 'ldxsx':
      if (imm !== 0) reserved(p, i, r);
      break;
    case 'st':
      if (src !== 0) reserved(p, i, r);
      break;
    case 'stx':
      if (imm !== 0) reserved(p, i, r);
      break;
    case 'atomic':
      break;
  }
}

/** Jump target of slot `pc` for ja/jcond/pseudo call, or undefined. */
export function jumpTarget(p: Program, pc: number): number | undefined {
  const r = p.rowAt(pc);
  if (r === undefined) return undefined;
  switch (r.kind) {
    case 'ja':
      return pc + 1 + (r.cls === Cls.JMP32 ? p.imm[pc]! : p.off[pc]!);
    case 'jcond':
      return pc + 1 + p.off[pc]!;
    case 'call':
      return p.src[pc] === CallSrc.PSEUDO_CALL ? pc + 1 + p.imm[pc]! : undefined;
    default:
      return undefined;
  }
}

function checkJumps(p: Program): void {
  for (let i = 0; i < p.length; i++) {
    if (p.row[i] === ROW_LDDW_HI) continue;
    const t = jumpTarget(p, i);
    if (t === undefined) continue;
    const r = p.rowAt(i)!;
    if (t < 0 || t >= p.length) {
      const what = r.kind === 'call' ? 'call' : 'jump';
      throw new BpfError(ErrorCode.BadJump, `${what} out of range from insn ${i} to ${t}`, i);
    }
    if (p.row[t] === ROW_LDDW_HI) {
      throw new BpfError(ErrorCode.BadJump, `jump into the middle of ldimm64 insn ${t - 1}`, i);
    }
  }
}

/** Encodes instruction slots as little-endian bytes. */
export function encodeInsns(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * INSN_SIZE);
  const dv = new DataView(out.buffer);
  insns.forEach((x, i) => {
    const o = i * INSN_SIZE;
    out[o] = x.code & 0xff;
    out[o + 1] = (x.dst & 0x0f) | ((x.src & 0x0f) << 4);
    dv.setInt16(o + 2, x.off << 16 >> 16, true);
    dv.setInt32(o + 4, x.imm | 0, true);
  });
  return out;
}

/** The two slots of `ld_imm64 dst, value` (value taken modulo 2^64). */
export function lddwInsns(dst: number, value: bigint, src = 0): [Insn, Insn] {
  const v = BigInt.asUintN(64, value);
  return [
    { code: Mode.IMM | 0x18 | Cls.LD, dst, src, off: 0, imm: Number(BigInt.asIntN(32, v & 0xffffffffn)) },
    { code: 0, dst: 0, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v >> 32n)) },
  ];
}

/**
 * Parses hex text into bytes. Whitespace, `_` and `,` are ignored, as is a
 * leading `0x` (per word).
 * @throws BpfError (PARSE) for odd length or non-hex characters, naming the character index.
 */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/0x/gi, '').replace(/[\s_,]/g, '');
  const bad = clean.search(/[^0-9a-fA-F]/);
  if (bad >= 0) throw new BpfError(ErrorCode.Parse, `invalid hex character ${JSON.stringify(clean[bad])} at index ${bad}`);
  if (clean.length % 2 !== 0) throw new BpfError(ErrorCode.Parse, `hex string has an odd number of digits (${clean.length})`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/** Lower-case hex of bytes, no separators. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Kernel-style `(code)` as printed in verifier logs: two hex digits. */
export function opcodeHex(code: number): string {
  return hex2(code);
}

export { AtomicOp, JmpOp };
