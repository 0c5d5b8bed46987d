/**
 * The pre-decoded program image that execution engines run: one 8-word
 * record per instruction slot in a single Int32Array (struct-of-arrays packed
 * for locality), with the dispatch id, register indices pre-scaled for the
 * interleaved lo/hi register file, sign-split immediates, resolved jump
 * targets and resolved ld_imm64 constants (map addresses included).
 *
 * Built once per load from a validated {@link Program}; derived from the
 * opcode table (src/isa/opcodes.ts), never from a second opcode list.
 */

import { BpfError, ErrorCode } from '../errors.js';
import { AluOp, AtomicOp, CallSrc, PseudoSrc } from '../isa/opcodes.js';
import { type Program, ROW_LDDW_HI, jumpTarget } from '../isa/insn.js';
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
 * Builds the image of a validated program, resolving ld_imm64 pseudo sources
 * through `maps` (src 1/5: the map's address, src 2/6: its direct value
 * address at the second slot's imm; src 4: the target slot number).
 * @throws BpfError (BAD_PROGRAM) for a missing map, (UNSUPPORTED) for src 3 (BTF ids).
 */
export function buildImage(p: Program, maps?: MapTable): ProgramImage {
  const n = p.length;
  const words = new Int32Array(n * W);
  let fpWritten = false;
  for (let pc = 0; pc < n; pc++) if (p.row[pc] !== ROW_LDDW_HI && writesR10(p, pc)) fpWritten = true;
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
    const r = p.rowAt(pc);
    if (r === undefined) throw new BpfError(ErrorCode.BadOpcode, `unknown opcode ${code.toString(16).padStart(2, '0')}`, pc);
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
  return { words, length: n, program: p, writesR10: fpWritten };
}
