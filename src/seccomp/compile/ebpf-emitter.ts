/**
 * A small forward eBPF emitter with labels (16-bit jump offsets resolved at
 * the end), used by the array-lookup compiler. Encodings follow RFC 9669
 * (opcode = class | op | source); only what the seccomp compilers need.
 */
import { BpfError, ErrorCode } from '../../errors.js';
import { encodeInsns, lddwInsns, type Insn } from '../../isa/insn.js';

/** A jump label. */
export interface Label {
  readonly id: number;
}

/** eBPF opcodes used here. */
export const E = {
  MOV64_X: 0xbf, MOV32_K: 0xb4, ADD64_K: 0x07, SUB64_K: 0x17, AND64_X: 0x5f, AND32_K: 0x54,
  LDXW: 0x61, LDXDW: 0x79, STXW: 0x63, CALL: 0x85, EXIT: 0x95, JA: 0x05,
  // 64-bit register compares
  JEQ_X: 0x1d, JGT_X: 0x2d, JGE_X: 0x3d, JNE_X: 0x5d, JLT_X: 0xad, JLE_X: 0xbd,
  // 64-bit immediate compares (imm sign-extended)
  JEQ_K: 0x15, JGT_K: 0x25, JGE_K: 0x35,
  // 32-bit immediate compares (JMP32 class)
  JEQ32_K: 0x16, JNE32_K: 0x56, JSET32_K: 0x46, JGT32_K: 0x26, JGE32_K: 0x36, JLT32_K: 0xa6, JLE32_K: 0xb6,
} as const;

interface Pending {
  insn: Insn;
  target?: Label;
}

/** Emits eBPF instructions in program order. */
export class EbpfEmitter {
  private readonly out: Pending[] = [];
  private readonly at = new Map<number, number>();
  private nextId = 0;

  /** A fresh, unplaced label. */
  label(): Label {
    return { id: this.nextId++ };
  }
  /** Places a label at the next instruction. */
  place(l: Label): void {
    if (this.at.has(l.id)) throw new BpfError(ErrorCode.BadProgram, `label ${l.id} placed twice`);
    this.at.set(l.id, this.out.length);
  }
  /** Any instruction. */
  insn(code: number, dst = 0, src = 0, off = 0, imm = 0): void {
    this.out.push({ insn: { code, dst, src, off, imm: imm | 0 } });
  }
  /** A jump (conditional or `ja`) to a label. */
  jump(code: number, dst: number, src: number, imm: number, target: Label): void {
    this.out.push({ insn: { code, dst, src, off: 0, imm: imm | 0 }, target });
  }
  /** `ld_imm64 dst, value` (src = pseudo kind). */
  lddw(dst: number, value: bigint, src = 0): void {
    for (const i of lddwInsns(dst, value, src)) this.out.push({ insn: i });
  }
  /** Number of instruction slots so far. */
  get length(): number {
    return this.out.length;
  }
  /**
   * Resolves labels and encodes.
   * @throws BpfError BAD_PROGRAM for an unplaced label or an offset beyond 16 bits.
   */
  finish(): Uint8Array {
    const insns = this.out.map((p, pc) => {
      if (p.target === undefined) return p.insn;
      const to = this.at.get(p.target.id);
      if (to === undefined) throw new BpfError(ErrorCode.BadProgram, `unplaced label ${p.target.id}`, pc);
      const off = to - pc - 1;
      if (off < -32768 || off > 32767) throw new BpfError(ErrorCode.BadProgram, `jump offset ${off} does not fit in 16 bits`, pc);
      return { ...p.insn, off };
    });
    return encodeInsns(insns);
  }
}
