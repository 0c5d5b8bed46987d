/**
 * The pre-decoded program image that execution engines run: one 8-word
 * record per instruction slot in a single Int32Array (struct-of-arrays packed
 * for locality), with the dispatch id, register indices pre-scaled for the
 * interleaved lo/hi register file, sign-split immediates, resolved jump
 * targets and resolved ld_imm64 constants (map addresses included).
 *
 * Built once per load from a {@link Program} that passed the kernel's static
 * checks ({@link checkStatic}); derived from the opcode table
 * (src/isa/opcodes.ts), never from a second opcode list. As in Linux, reserved
 * fields and register numbers are not checked at load: a slot that breaks
 * them (src/isa/kernel-checks.ts) becomes {@link Op.BAD_INSN}, a fault with
 * the kernel's message when — and only when — it is executed.
 */

import { BpfError, ErrorCode } from '../errors.js';
import { AluOp, AtomicOp, CallSrc, Cls, Mode, PseudoSrc, rowsForCode } from '../isa/opcodes.js';
import { type Program, ROW_LDDW_HI, jumpTarget } from '../isa/insn.js';
import { insnFieldError } from '../isa/kernel-checks.js';
import type { VmMap } from './types.js';

/** Words per instruction record. */
export const W = 8;
/** Record word: dispatch id ({@link Op} or the opcode byte). */
export const F_OP = 0;
/** Record word: destination register × 2 (index of its low half in the register file). */
export const F_DST = 1;
/** Record word: source register × 2. */
export const F_SRC = 2;
/** Record word: signed 16-bit offset. */
export const F_OFF = 3;
/** Record word: immediate, low 32 bits (ld_imm64: low half of the constant). */
export const F_IMM = 4;
/** Record word: immediate, high 32 bits (sign of imm; ld_imm64: high half). */
export const F_IMMHI = 5;
/** Record word: jump / call target as a word index (target slot × {@link W}), or -1. */
export const F_TGT = 6;
/** Record word: the original opcode byte. */
export const F_CODE = 7;

/**
 * Dispatch ids beyond the opcode byte, for opcode bytes whose meaning depends
 * on another field (kept in 0x100..0x1ff so the dispatch switch stays dense).
 */
export const Op = {
  SDIV32_K: 0x100, SDIV32_X: 0x101, SDIV64_K: 0x102, SDIV64_X: 0x103,
  SMOD32_K: 0x104, SMOD32_X: 0x105, SMOD64_K: 0x106, SMOD64_X: 0x107,
  MOVSX8_32: 0x108, MOVSX16_32: 0x109, MOVSX8_64: 0x10a, MOVSX16_64: 0x10b, MOVSX32_64: 0x10c,
  LE16: 0x110, LE32: 0x111, LE64: 0x112, BE16: 0x113, BE32: 0x114, BE64: 0x115,
  BSWAP16: 0x116, BSWAP32: 0x117, BSWAP64: 0x118,
  CALL_LOCAL: 0x120, CALL_KFUNC: 0x121, TAIL_CALL: 0x122,
  /** Second slot of ld_imm64 (never executed: the first slot skips it). */
  LDDW_HI: 0x130,
  /**
   * Loads and stores relative to r10 in programs that never write r10: the
   * F_OFF word holds the byte offset inside the frame's stack, statically
   * checked to be in bounds.
   */
  FP_LDXW: 0x140, FP_LDXH: 0x141, FP_LDXB: 0x142, FP_LDXDW: 0x143, FP_LDXSW: 0x144, FP_LDXSH: 0x145, FP_LDXSB: 0x146,
  FP_STW: 0x148, FP_STH: 0x149, FP_STB: 0x14a, FP_STDW: 0x14b,
  FP_STXW: 0x14c, FP_STXH: 0x14d, FP_STXB: 0x14e, FP_STXDW: 0x14f,
  /**
   * 64-bit shifts by a constant, specialised by amount: `_LO` for 1..31
   * (F_IMM = k), `_HI` for 32..63 (F_IMM = k - 32); a shift by 0 is NOP.
   */
  LSH64_K_LO: 0x150, RSH64_K_LO: 0x151, ARSH64_K_LO: 0x152,
  LSH64_K_HI: 0x153, RSH64_K_HI: 0x154, ARSH64_K_HI: 0x155, NOP: 0x156,
  /** A slot with bad reserved fields or register numbers: faults when executed ({@link ProgramImage.bad}). */
  BAD_INSN: 0x157,
} as const;

/** Stack bytes per frame (MAX_BPF_STACK); r10 points at its end. */
const STACK_BYTES = 512;

/** FP op for a load/store opcode byte. */
const FP_OPS: ReadonlyMap<number, number> = new Map([
  [0x61, Op.FP_LDXW], [0x69, Op.FP_LDXH], [0x71, Op.FP_LDXB], [0x79, Op.FP_LDXDW],
  [0x81, Op.FP_LDXSW], [0x89, Op.FP_LDXSH], [0x91, Op.FP_LDXSB],
  [0x62, Op.FP_STW], [0x6a, Op.FP_STH], [0x72, Op.FP_STB], [0x7a, Op.FP_STDW],
  [0x63, Op.FP_STXW], [0x6b, Op.FP_STXH], [0x73, Op.FP_STXB], [0x7b, Op.FP_STXDW],
]);

const ACCESS_SIZE: Readonly<Record<number, number>> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };

/** True when the instruction at `pc` may write r10 (then r10-relative accesses are not specialised). */
function writesR10(p: Program, pc: number): boolean {
  const r = p.rowAt(pc);
  if (r === undefined) return false;
  const dst = p.dst[pc]!, src = p.src[pc]!;
  switch (r.kind) {
    case 'alu': case 'neg': case 'movsx': case 'end': case 'lddw': case 'ldx': case 'ldxsx':
      return dst === 10;
    case 'atomic': {
      const op = p.imm[pc]!;
      if (op === AtomicOp.LOAD_ACQ) return dst === 10;
      return (op & AtomicOp.FETCH) !== 0 && op !== AtomicOp.CMPXCHG && src === 10;
    }
    default:
      return false;
  }
}

/** Helper id of bpf_tail_call. */
export const BPF_FUNC_TAIL_CALL = 12;

/** A decoded, engine-ready program. */
export interface ProgramImage {
  /** Instruction records, {@link W} words per slot. */
  readonly words: Int32Array;
  /** Number of slots. */
  readonly length: number;
  /** The source program. */
  readonly program: Program;
  /** True when some instruction may write r10 (r10-relative accesses then use the generic path). */
  readonly writesR10: boolean;
  /** Slots that fault when executed ({@link Op.BAD_INSN}) → the kernel's do_check message. */
  readonly bad: ReadonlyMap<number, string>;
}

const hex2 = (v: number): string => v.toString(16).padStart(2, '0');

/**
 * The kernel's static checks, the only ones applied at load (Linux checks
 * reserved fields and registers in do_check, on explored instructions only):
 * BPF_LDX modes and imm, ld_imm64 pairs and sources, unknown opcode bytes
 * (resolve_pseudo_ldimm64), jump and call targets inside the program and not
 * into an ld_imm64 pair (check_subprogs, check_cfg). Opcode bytes are those
 * of bpfsim's table (which adds callx 0x8d and lacks may_goto 0xe5). A
 * program need not end in exit or ja (running off the end faults).
 * @throws BpfError (BAD_PROGRAM, BAD_OPCODE, RESERVED_FIELD, BAD_JUMP) naming the slot.
 */
export function checkStatic(p: Program): void {
  const n = p.length;
  if (n === 0) throw new BpfError(ErrorCode.BadProgram, 'empty program');
  for (let i = 0; i < n; i++) {
    const code = p.code[i]!;
    const mode = code & 0xe0;
    if ((code & 7) === Cls.LDX && ((mode !== Mode.MEM && mode !== Mode.MEMSX) || p.imm[i] !== 0)) {
      throw new BpfError(ErrorCode.ReservedField, 'BPF_LDX uses reserved fields', i);
    }
    if (code === 0x18) {
      if (i === n - 1 || p.code[i + 1] !== 0 || p.dst[i + 1] !== 0 || p.src[i + 1] !== 0 || p.off[i + 1] !== 0) {
        throw new BpfError(ErrorCode.ReservedField, 'invalid bpf_ld_imm64 insn', i);
      }
      if (p.src[i]! > 6) throw new BpfError(ErrorCode.ReservedField, 'unrecognized bpf_ld_imm64 insn', i);
      i++;
      continue;
    }
    if (rowsForCode(code).length === 0) throw new BpfError(ErrorCode.BadOpcode, `unknown opcode ${hex2(code)}`, i);
  }
  for (let i = 0; i < n; i++) {
    if (p.row[i] === ROW_LDDW_HI) continue;
    const t = jumpTarget(p, i);
    if (t === undefined) continue;
    const what = p.rowAt(i)!.kind === 'call' ? 'call' : 'jump';
    if (t < 0 || t >= n) throw new BpfError(ErrorCode.BadJump, `${what} out of range from insn ${i} to ${t}`, i);
    if (p.row[t] === ROW_LDDW_HI) throw new BpfError(ErrorCode.BadJump, `jump into the middle of ldimm64 insn ${t - 1}`, i);
  }
}

/**
 * The kernel's do_check message for slot `pc`, or undefined when the slot is
 * well-formed. Without `fieldChecks` only slots the engines cannot execute
 * (no opcode row, a register above r10) count.
 */
function badInsnMessage(p: Program, pc: number, fieldChecks: boolean): string | undefined {
  const r = p.rowAt(pc);
  if (!fieldChecks && r !== undefined && p.dst[pc]! <= 10 && p.src[pc]! <= 10) return undefined;
  if (r !== undefined && r.kind === 'callx') {
    // callx (uBPF / bpf_conformance; not a Linux instruction): the register in dst, nothing else.
    const { dst, src, off, imm } = p.insn(pc);
    if (src !== 0 || off !== 0 || imm !== 0) return 'BPF_CALL uses reserved fields';
    return dst > 10 ? `R${dst} is invalid` : undefined;
  }
  const e = insnFieldError(p, pc, true);
  if (e !== undefined) return e;
  // A known opcode byte whose variant field matches no row (the field checks above name every such case).
  return r === undefined ? `unknown opcode ${hex2(p.code[pc]!)}` : undefined;
}

/** Map references for ld_imm64 src 1/2/5/6: by index (array) or by fd / key (Map). */
export type MapTable = readonly VmMap[] | ReadonlyMap<number, VmMap>;

function lookupMap(maps: MapTable | undefined, key: number, pc: number): VmMap {
  const m = maps === undefined ? undefined : Array.isArray(maps) ? (maps as readonly VmMap[])[key] : (maps as ReadonlyMap<number, VmMap>).get(key);
  if (m === undefined) throw new BpfError(ErrorCode.BadProgram, `ld_imm64 references map ${key}, which is not in the map table`, pc);
  return m;
}

function split(out: Int32Array, b: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  out[b + F_IMM] = Number(u & 0xffffffffn) | 0;
  out[b + F_IMMHI] = Number(u >> 32n) | 0;
}

/**
 * Builds the image of a program that passed {@link checkStatic}, resolving ld_imm64 pseudo sources
 * through `maps` (src 1/5: the map's address, src 2/6: its direct value
 * address at the second slot's imm; src 4: the target slot number).
 * `fieldChecks` (default true) applies do_check's reserved-field rules to the
 * {@link Op.BAD_INSN} marking; false keeps only the register-number and
 * unknown-variant rules (for programs built in-process, e.g. classic-BPF
 * translations, which the kernel runs without do_check: bpf_convert_filter
 * fills src_reg of K-form ALU instructions).
 * @throws BpfError (BAD_PROGRAM) for a missing map, (UNSUPPORTED) for src 3 (BTF ids).
 */
export function buildImage(p: Program, maps?: MapTable, fieldChecks = true): ProgramImage {
  const n = p.length;
  const words = new Int32Array(n * W);
  const bad = new Map<number, string>();
  for (let pc = 0; pc < n; pc++) {
    if (p.row[pc] === ROW_LDDW_HI) continue;
    const m = badInsnMessage(p, pc, fieldChecks);
    if (m !== undefined) bad.set(pc, m);
  }
  let fpWritten = false;
  for (let pc = 0; pc < n; pc++) if (p.row[pc] !== ROW_LDDW_HI && !bad.has(pc) && writesR10(p, pc)) fpWritten = true;
  for (let pc = 0; pc < n; pc++) {
    const b = pc * W;
    const code = p.code[pc]!;
    words[b + F_CODE] = code;
    words[b + F_DST] = p.dst[pc]! * 2;
    words[b + F_SRC] = p.src[pc]! * 2;
    words[b + F_OFF] = p.off[pc]!;
    words[b + F_IMM] = p.imm[pc]!;
    words[b + F_IMMHI] = p.imm[pc]! >> 31;
    words[b + F_TGT] = -1;
    if (p.row[pc] === ROW_LDDW_HI) {
      words[b + F_OP] = Op.LDDW_HI;
      continue;
    }
    if (bad.has(pc)) {
      // Register fields may be out of range: keep them out of the register file.
      words[b + F_OP] = Op.BAD_INSN; words[b + F_DST] = 0; words[b + F_SRC] = 0;
      continue;
    }
    const r = p.rowAt(pc)!;
    let op: number = code;
    switch (r.kind) {
      case 'alu':
        if ((r.op === AluOp.DIV || r.op === AluOp.MOD) && p.off[pc] === 1) {
          const base = r.op === AluOp.DIV ? Op.SDIV32_K : Op.SMOD32_K;
          op = base + (r.is64 ? 2 : 0) + (r.source === 'X' ? 1 : 0);
        } else if (r.is64 && r.source === 'K' && (r.op === AluOp.LSH || r.op === AluOp.RSH || r.op === AluOp.ARSH)) {
          const k = p.imm[pc]! & 63;
          const which = r.op === AluOp.LSH ? 0 : r.op === AluOp.RSH ? 1 : 2;
          if (k === 0) op = Op.NOP;
          else if (k < 32) { op = Op.LSH64_K_LO + which; words[b + F_IMM] = k; }
          else { op = Op.LSH64_K_HI + which; words[b + F_IMM] = k - 32; }
        }
        break;
      case 'movsx':
        op = r.is64 ? (r.width === 8 ? Op.MOVSX8_64 : r.width === 16 ? Op.MOVSX16_64 : Op.MOVSX32_64) : (r.width === 8 ? Op.MOVSX8_32 : Op.MOVSX16_32);
        break;
      case 'end': {
        const wi = r.width === 16 ? 0 : r.width === 32 ? 1 : 2;
        op = (r.is64 ? Op.BSWAP16 : r.source === 'X' ? Op.BE16 : Op.LE16) + wi;
        break;
      }
      case 'call':
        if (p.src[pc] === CallSrc.PSEUDO_CALL) op = Op.CALL_LOCAL;
        else if (p.src[pc] === CallSrc.KFUNC) op = Op.CALL_KFUNC;
        else if (p.imm[pc] === BPF_FUNC_TAIL_CALL) op = Op.TAIL_CALL;
        break;
      case 'lddw': {
        const src = p.src[pc]!;
        if (src === PseudoSrc.MAP_FD || src === PseudoSrc.MAP_IDX) {
          split(words, b, lookupMap(maps, p.imm[pc]!, pc).address);
        } else if (src === PseudoSrc.MAP_VALUE || src === PseudoSrc.MAP_IDX_VALUE) {
          const m = lookupMap(maps, p.imm[pc]!, pc);
          let a: bigint;
          try {
            a = m.directValueAddress(p.imm[pc + 1]! >>> 0);
          } catch (e) {
            if (e instanceof BpfError) throw new BpfError(e.code, e.detail, pc);
            throw e;
          }
          split(words, b, a);
        } else if (src === PseudoSrc.FUNC) {
          split(words, b, BigInt(pc + 1 + p.imm[pc]!));
        } else if (src === PseudoSrc.BTF_ID) {
          throw new BpfError(ErrorCode.Unsupported, 'ld_imm64 with BPF_PSEUDO_BTF_ID (kernel symbols) is not supported', pc);
        } else {
          words[b + F_IMMHI] = p.imm[pc + 1]!;
        }
        break;
      }
      case 'ldx': case 'ldxsx': case 'st': case 'stx': {
        const base = r.kind === 'ldx' || r.kind === 'ldxsx' ? p.src[pc]! : p.dst[pc]!;
        const o = STACK_BYTES + p.off[pc]!;
        if (!fpWritten && base === 10 && o >= 0 && o + ACCESS_SIZE[code & 0x18]! <= STACK_BYTES) {
          op = FP_OPS.get(code)!;
          words[b + F_OFF] = o;
        }
        break;
      }
      default:
        break;
    }
    words[b + F_OP] = op;
    const t = jumpTarget(p, pc);
    if (t !== undefined) words[b + F_TGT] = t * W;
  }
  return { words, length: n, program: p, writesR10: fpWritten, bad };
}
