/**
 * eBPF disassembler in three syntaxes, derived from the opcode table
 * (src/isa/opcodes.ts):
 *
 * - `kernel`: the text of the kernel's verifier log, `kernel/bpf/disasm.c`
 *   `print_bpf_insn` (Linux 6.18): `r0 = *(u32 *)(r1 +4)`, `if r1 > 0x5 goto pc+2`,
 *   `call bpf_map_lookup_elem#1`, `r1 = 0x1234`, with the `(b7) ` opcode prefix
 *   as an option. Two kernel texts lose information (callx prints as a helper
 *   call, ld_imm64 pseudo sources as a bare constant); by default those two print
 *   unambiguously (`callx r2`, `r1 = map[id:3]`), with `strict` exactly as the
 *   kernel does.
 * - `llvm`: llvm-objdump's BPF syntax (checked against Debian's llvm-objdump 14):
 *   `r0 = *(u32 *)(r1 + 4)`, `if r1 > 5 goto +2`, `r1 = 4660 ll`, `call 1`.
 * - `ubpf`: the bpf_conformance / uBPF assembler syntax: `mov32 %r0, 0`,
 *   `ldxw %r0, [%r1+4]`, `jeq %r1, 5, +2`, `lddw %r0, 0x1234`, `lock fetch add [%r10-8], %r1`.
 *
 * Every text this module prints assembles back to the same bytes (src/asm/assemble.ts),
 * except the `strict` kernel forms noted above.
 */
import { BpfError, ErrorCode } from '../errors.js';
import { helperName } from '../isa/helper-ids.js';
import {
  type Insn, Program, ROW_LDDW_HI, ROW_UNKNOWN, decodeProgram, encodeInsns, programFromInsns,
} from '../isa/insn.js';
import {
  AluOp, AtomicOp, CallSrc, Cls, JmpOp, type OpcodeRow, lookupOpcode,
} from '../isa/opcodes.js';
import { imm64Of, pseudoImmText, signed } from './pseudo.js';

/** The three output syntaxes. */
export type DisasmStyle = 'kernel' | 'llvm' | 'ubpf';

/** Options of {@link disasmInsn} and {@link disasm}. */
export interface DisasmOptions {
  /** Output syntax (default `kernel`). */
  style?: DisasmStyle;
  /** Kernel style: prefix the opcode byte as `(b7) `, as the verifier log does (default false). */
  code?: boolean;
  /**
   * Kernel style: print exactly what `disasm.c` prints even where that loses
   * information: callx as `call bpf_unspec#0` (the helper name of its imm),
   * pseudo ld_imm64 as `r1 = 0x...` (default false).
   */
  strict?: boolean;
  /**
   * Kernel style: the name of a call target, like the verifier's `cb_call`
   * (kfunc names). Called for calls that are not known helpers; return
   * undefined to fall back to `kernel-function` / `unknown` / `pc+N`.
   */
  callName?: (insn: Insn) => string | undefined;
  /** Kernel style: text of an ld_imm64 value, like `cb_imm`; undefined falls back to the default. */
  immText?: (insn: Insn, imm64: bigint) => string | undefined;
}

/** Options of {@link disasm} (whole programs). */
export interface DisasmProgramOptions extends DisasmOptions {
  /** Prefix each line with the slot number as `N: ` (the verifier log's numbering; default false). */
  numbered?: boolean;
  /** Validate bytes like {@link decodeProgram} (default true); else unknown opcodes print as `.insn 0x...`. */
  validate?: boolean;
}

const LDST_U = { 8: 'u8', 16: 'u16', 32: 'u32', 64: 'u64' } as const;
const LDST_S = { 8: 's8', 16: 's16', 32: 's32', 64: 's64' } as const;

/** `disasm.c` bpf_alu_string / bpf_alu_sign_string: ALU op → C-like operator. */
const ALU_OP_TEXT: Readonly<Record<number, string>> = {
  [AluOp.ADD]: '+=', [AluOp.SUB]: '-=', [AluOp.MUL]: '*=', [AluOp.DIV]: '/=', [AluOp.OR]: '|=',
  [AluOp.AND]: '&=', [AluOp.LSH]: '<<=', [AluOp.RSH]: '>>=', [AluOp.MOD]: '%=', [AluOp.XOR]: '^=',
  [AluOp.MOV]: '=', [AluOp.ARSH]: 's>>=',
};
const ALU_SIGNED_TEXT: Readonly<Record<number, string>> = { [AluOp.DIV]: 's/=', [AluOp.MOD]: 's%=' };

/** `disasm.c` bpf_jmp_string: conditional jump op → operator. */
const JMP_OP_TEXT: Readonly<Record<number, string>> = {
  [JmpOp.JEQ]: '==', [JmpOp.JGT]: '>', [JmpOp.JGE]: '>=', [JmpOp.JSET]: '&', [JmpOp.JNE]: '!=',
  [JmpOp.JSGT]: 's>', [JmpOp.JSGE]: 's>=', [JmpOp.JLT]: '<', [JmpOp.JLE]: '<=', [JmpOp.JSLT]: 's<', [JmpOp.JSLE]: 's<=',
};

/** Atomic RMW base operation → name (`disasm.c` bpf_atomic_alu_string). */
const ATOMIC_NAME: Readonly<Record<number, string>> = {
  [AtomicOp.ADD]: 'add', [AtomicOp.OR]: 'or', [AtomicOp.AND]: 'and', [AtomicOp.XOR]: 'xor',
};

/** Operator tables, exported for the assembler (same text both ways). */
export const OPERATORS = { alu: ALU_OP_TEXT, aluSigned: ALU_SIGNED_TEXT, jmp: JMP_OP_TEXT, atomic: ATOMIC_NAME } as const;

function badOpcode(insn: Insn): BpfError {
  return new BpfError(ErrorCode.BadOpcode, `unknown opcode ${(insn.code & 0xff).toString(16).padStart(2, '0')}`);
}

/**
 * Disassembles one instruction. `next` is the second slot of an ld_imm64
 * (its `imm` is the high half; treated as 0 when absent).
 * @throws BpfError (BAD_OPCODE) when the opcode / variant field is no instruction.
 */
export function disasmInsn(insn: Insn, next?: Insn, opts: DisasmOptions = {}): string {
  const row = lookupOpcode(insn.code, insn.off, insn.imm);
  if (row === undefined) throw badOpcode(insn);
  const hi = next?.imm ?? 0;
  switch (opts.style ?? 'kernel') {
    case 'kernel': {
      const t = kernelText(row, insn, hi, opts);
      return opts.code ? `(${(insn.code & 0xff).toString(16).padStart(2, '0')}) ${t}` : t;
    }
    case 'llvm': return llvmText(row, insn, hi);
    case 'ubpf': return ubpfText(row, insn, hi);
  }
}

/**
 * Disassembles the instruction at slot `pc` of a decoded program (the
 * verifier log's per-instruction text; pass `code: true` for the `(b7) ` prefix).
 * @throws BpfError (BAD_OPCODE) for the second slot of an ld_imm64 or an unknown opcode.
 */
export function disasmAt(p: Program, pc: number, opts: DisasmOptions = {}): string {
  const row = p.rowAt(pc);
  if (row === undefined) {
    throw new BpfError(ErrorCode.BadOpcode, p.row[pc] === ROW_LDDW_HI ? 'second slot of an ld_imm64' : `unknown opcode ${p.code[pc]!.toString(16).padStart(2, '0')}`, pc);
  }
  return disasmInsn(p.insn(pc), row.slots === 2 && pc + 1 < p.length ? p.insn(pc + 1) : undefined, opts);
}

/**
 * Disassembles a whole program (a {@link Program}, raw bytes or instruction
 * slots) into one line per instruction (ld_imm64 is one line for two slots).
 * @throws BpfError exactly as {@link decodeProgram} for invalid bytes (unless `validate` is false).
 */
export function disasm(prog: Program | Uint8Array | readonly Insn[], opts: DisasmProgramOptions = {}): string[] {
  let p: Program;
  if (prog instanceof Program) p = prog;
  else if (prog instanceof Uint8Array) p = decodeProgram(prog, { validate: opts.validate ?? true });
  else p = programFromInsns(prog, { validate: opts.validate ?? true });
  const out: string[] = [];
  for (let pc = 0; pc < p.length; pc++) {
    const r = p.row[pc]!;
    if (r === ROW_LDDW_HI) continue;
    let text: string;
    if (r === ROW_UNKNOWN) {
      text = `.insn 0x${rawHex(p.insn(pc))}`;
    } else {
      const insn = p.insn(pc);
      const row = p.rowAt(pc)!;
      text = disasmInsn(insn, row.slots === 2 && pc + 1 < p.length ? p.insn(pc + 1) : undefined, opts);
    }
    out.push(opts.numbered ? `${pc}: ${text}` : text);
  }
  return out;
}

/** {@link disasm} joined with newlines (and a final newline). */
export function disasmText(prog: Program | Uint8Array | readonly Insn[], opts: DisasmProgramOptions = {}): string {
  const lines = disasm(prog, opts);
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** The 8 bytes of a slot as a little-endian u64 in hex (16 digits). */
function rawHex(insn: Insn): string {
  const b = encodeInsns([insn]);
  let s = '';
  for (let i = 7; i >= 0; i--) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

// ---------------------------------------------------------------- kernel

/** `w` for 32-bit ALU/JMP32 operands, `r` otherwise. */
function regPrefix(row: OpcodeRow): 'w' | 'r' {
  return row.cls === Cls.ALU || row.cls === Cls.JMP32 ? 'w' : 'r';
}

/**
 * ALU, byte swap and plain load/store text, which the kernel and llvm-objdump
 * spell alike except for the memory operand (`mem`).
 */
function aluMemText(row: OpcodeRow, x: Insn, mem: (reg: number, off: number) => string): string {
  const c = regPrefix(row);
  switch (row.kind) {
    case 'alu': {
      const op = x.off === 1 && ALU_SIGNED_TEXT[row.op] !== undefined ? ALU_SIGNED_TEXT[row.op]! : ALU_OP_TEXT[row.op]!;
      return row.source === 'X' ? `${c}${x.dst} ${op} ${c}${x.src}` : `${c}${x.dst} ${op} ${x.imm}`;
    }
    case 'movsx': return `${c}${x.dst} = (s${x.off})${c}${x.src}`;
    case 'neg': return `${c}${x.dst} = -${c}${x.dst}`;
    case 'end':
      return row.cls === Cls.ALU64
        ? `r${x.dst} = bswap${x.imm} r${x.dst}`
        : `r${x.dst} = ${row.source === 'X' ? 'be' : 'le'}${x.imm} r${x.dst}`;
    case 'ldx': return `r${x.dst} = *(${LDST_U[row.width]} *)${mem(x.src, x.off)}`;
    case 'ldxsx': return `r${x.dst} = *(${LDST_S[row.width]} *)${mem(x.src, x.off)}`;
    case 'st': return `*(${LDST_U[row.width]} *)${mem(x.dst, x.off)} = ${x.imm}`;
    case 'stx': return `*(${LDST_U[row.width]} *)${mem(x.dst, x.off)} = r${x.src}`;
    default: throw new Error(`aluMemText: kind ${row.kind}`);
  }
}

function kmem(reg: number, off: number): string {
  return `(r${reg} ${signed(off)})`;
}

function kernelText(row: OpcodeRow, x: Insn, hi: number, opts: DisasmOptions): string {
  const c = regPrefix(row);
  switch (row.kind) {
    case 'alu': case 'movsx': case 'neg': case 'end': case 'ldx': case 'ldxsx': case 'st': case 'stx':
      return aluMemText(row, x, kmem);
    case 'atomic': return kernelAtomic(row, x);
    case 'ldabs': return `r0 = *(${LDST_U[row.width]} *)skb[${x.imm}]`;
    case 'ldind': return `r0 = *(${LDST_U[row.width]} *)skb[r${x.src} + ${x.imm}]`;
    case 'lddw': {
      const v = imm64Of(x.imm, hi);
      const custom = opts.immText?.(x, v);
      if (custom !== undefined) return `r${x.dst} = ${custom}`;
      const p = opts.strict ? undefined : pseudoImmText(x.src, x.imm, hi);
      return `r${x.dst} = ${p ?? '0x' + v.toString(16)}`;
    }
    case 'ja':
      return row.cls === Cls.JMP32 ? `gotol pc${signed(x.imm)}` : `goto pc${signed(x.off)}`;
    case 'jcond': {
      const op = JMP_OP_TEXT[row.op]!;
      const rhs = row.source === 'X' ? `${c}${x.src}` : `0x${(x.imm >>> 0).toString(16)}`;
      return `if ${c}${x.dst} ${op} ${rhs} goto pc${signed(x.off)}`;
    }
    case 'call': return kernelCall(x, opts);
    case 'callx':
      return opts.strict ? kernelCall({ ...x, src: 0 }, opts) : `callx r${x.dst}`;
    case 'exit': return 'exit';
  }
}

function kernelCall(x: Insn, opts: DisasmOptions): string {
  if (x.src === CallSrc.HELPER) {
    const n = helperName(x.imm);
    if (n !== undefined) return `call bpf_${n}#${x.imm}`;
  }
  const custom = opts.callName?.(x);
  if (x.src === CallSrc.PSEUDO_CALL) return `call pc${custom ?? signed(x.imm)}`;
  const name = custom ?? (x.src === CallSrc.KFUNC ? 'kernel-function' : 'unknown');
  return `call ${name}#${x.imm}`;
}

function kernelAtomic(row: OpcodeRow, x: Insn): string {
  const ty = LDST_U[row.width];
  const m = kmem(x.dst, x.off);
  const w64 = row.width === 64 ? '64' : '';
  switch (row.op) {
    case AtomicOp.LOAD_ACQ: return `r${x.dst} = load_acquire((${ty} *)${kmem(x.src, x.off)})`;
    case AtomicOp.STORE_REL: return `store_release((${ty} *)${m}, r${x.src})`;
    case AtomicOp.XCHG: return `r${x.src} = atomic${w64}_xchg((${ty} *)${m}, r${x.src})`;
    case AtomicOp.CMPXCHG: return `r0 = atomic${w64}_cmpxchg((${ty} *)${m}, r0, r${x.src})`;
    default:
      if (row.op & AtomicOp.FETCH) {
        return `r${x.src} = atomic${w64}_fetch_${ATOMIC_NAME[row.op & ~AtomicOp.FETCH]}((${ty} *)${m}, r${x.src})`;
      }
      return `lock *(${ty} *)${m} ${ALU_OP_TEXT[row.op]} r${x.src}`;
  }
}

// ---------------------------------------------------------------- llvm

function lmem(reg: number, off: number): string {
  return `(r${reg} ${off < 0 ? '-' : '+'} ${Math.abs(off)})`;
}

function llvmText(row: OpcodeRow, x: Insn, hi: number): string {
  const c = regPrefix(row);
  switch (row.kind) {
    case 'alu': case 'movsx': case 'neg': case 'end': case 'ldx': case 'ldxsx': case 'st': case 'stx':
      return aluMemText(row, x, lmem);
    case 'atomic': return llvmAtomic(row, x);
    case 'ldabs': return `r0 = *(${LDST_U[row.width]} *)skb[${x.imm}]`;
    case 'ldind':
      return `r0 = *(${LDST_U[row.width]} *)skb[r${x.src}${x.imm === 0 ? '' : ` ${x.imm < 0 ? '-' : '+'} ${Math.abs(x.imm)}`}]`;
    case 'lddw': {
      const p = pseudoImmText(x.src, x.imm, hi);
      return `r${x.dst} = ${p ?? BigInt.asIntN(64, imm64Of(x.imm, hi)).toString()} ll`;
    }
    case 'ja': return row.cls === Cls.JMP32 ? `gotol ${signed(x.imm)}` : `goto ${signed(x.off)}`;
    case 'jcond': {
      const rhs = row.source === 'X' ? `${c}${x.src}` : String(x.imm);
      return `if ${c}${x.dst} ${JMP_OP_TEXT[row.op]} ${rhs} goto ${signed(x.off)}`;
    }
    case 'call':
      if (x.src === CallSrc.PSEUDO_CALL) return `call pc${signed(x.imm)}`;
      if (x.src === CallSrc.KFUNC) return `call kernel-function#${x.imm}`;
      return `call ${x.imm}`;
    case 'callx': return `callx r${x.dst}`;
    case 'exit': return 'exit';
  }
}

function llvmAtomic(row: OpcodeRow, x: Insn): string {
  const ty = LDST_U[row.width];
  const m = lmem(x.dst, x.off);
  const c = row.width === 64 ? 'r' : 'w';
  const bare = m.slice(1, -1);
  switch (row.op) {
    case AtomicOp.LOAD_ACQ: return `${c}${x.dst} = load_acquire((${ty} *)${lmem(x.src, x.off)})`;
    case AtomicOp.STORE_REL: return `store_release((${ty} *)${m}, ${c}${x.src})`;
    case AtomicOp.XCHG:
      return row.width === 64 ? `r${x.src} = xchg_64(${bare}, r${x.src})` : `w${x.src} = xchg32_32(${bare}, w${x.src})`;
    case AtomicOp.CMPXCHG:
      return row.width === 64 ? `r0 = cmpxchg_64(${bare}, r0, r${x.src})` : `w0 = cmpxchg32_32(${bare}, w0, w${x.src})`;
    default:
      if (row.op & AtomicOp.FETCH) {
        return `${c}${x.src} = atomic_fetch_${ATOMIC_NAME[row.op & ~AtomicOp.FETCH]}((${ty} *)${m}, ${c}${x.src})`;
      }
      return `lock *(${ty} *)${m} ${ALU_OP_TEXT[row.op]} ${c}${x.src}`;
  }
}

// ---------------------------------------------------------------- ubpf

/** bpf_conformance's immediate format: small or negative values in decimal, others in hex. */
export function ubpfImm(v: number): string {
  if ((v < 0 && v !== -0x80000000) || (v >= -10 && v <= 10)) return String(v);
  return `0x${(v >>> 0).toString(16)}`;
}

function umem(reg: number, off: number): string {
  return off === 0 ? `[%r${reg}]` : `[%r${reg}${signed(off)}]`;
}

/**
 * The ubpf-syntax mnemonic of a row: the table's mnemonic, except the two
 * spellings bpf_conformance's assembler uses differently (`swap16` for
 * `bswap16`, `lock fetch add` for `lock fetch_add`).
 */
export function ubpfMnemonic(row: OpcodeRow): string {
  if (row.kind === 'end' && row.cls === Cls.ALU64) return row.mnemonic.replace(/^bswap/, 'swap');
  return row.mnemonic.replace('fetch_', 'fetch ');
}

function ubpfText(row: OpcodeRow, x: Insn, hi: number): string {
  const m = ubpfMnemonic(row);
  switch (row.kind) {
    case 'alu': return `${m} %r${x.dst}, ${row.source === 'X' ? `%r${x.src}` : ubpfImm(x.imm)}`;
    case 'movsx': return `${m} %r${x.dst}, %r${x.src}`;
    case 'neg': case 'end': return `${m} %r${x.dst}`;
    case 'ldx': case 'ldxsx': return `${m} %r${x.dst}, ${umem(x.src, x.off)}`;
    case 'st': return `${m} ${umem(x.dst, x.off)}, ${ubpfImm(x.imm)}`;
    case 'stx': return `${m} ${umem(x.dst, x.off)}, %r${x.src}`;
    case 'atomic':
      if (row.op === AtomicOp.LOAD_ACQ) return `${m} %r${x.dst}, ${umem(x.src, x.off)}`;
      return `${m} ${umem(x.dst, x.off)}, %r${x.src}`;
    case 'ldabs': return `${m} ${ubpfImm(x.imm)}`;
    case 'ldind': return `${m} %r${x.src}, ${ubpfImm(x.imm)}`;
    case 'lddw': {
      const p = pseudoImmText(x.src, x.imm, hi);
      return `${m} %r${x.dst}, ${p ?? '0x' + imm64Of(x.imm, hi).toString(16)}`;
    }
    case 'ja': return `${m} ${signed(row.cls === Cls.JMP32 ? x.imm : x.off)}`;
    case 'jcond': return `${m} %r${x.dst}, ${row.source === 'X' ? `%r${x.src}` : ubpfImm(x.imm)}, ${signed(x.off)}`;
    case 'call':
      if (x.src === CallSrc.PSEUDO_CALL) return `call local ${signed(x.imm)}`;
      if (x.src === CallSrc.KFUNC) return `call runtime ${x.imm}`;
      return `call ${x.imm}`;
    case 'callx': return `call %r${x.dst}`;
    case 'exit': return 'exit';
  }
}

