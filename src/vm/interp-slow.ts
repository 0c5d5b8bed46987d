/**
 * The interpreter's less frequent instructions, kept out of the dispatch loop
 * (src/vm/interpreter.ts) and shared with the JIT: atomics (RFC 9669 §5.3,
 * Linux load-acquire / store-release), legacy LD_ABS / LD_IND (kernel
 * bpf_skb_load_helper semantics) and rewritten ctx loads (ctx.ts).
 */

import { ErrorCode, type RuntimeFault } from '../errors.js';
import { AtomicOp } from '../isa/opcodes.js';
import { CtxField, SKF_NET_OFF, type ExecContext } from './exec.js';
import type { ProgramImage } from './image.js';
import type { Region } from './memory.js';

/** The region a pointer's high word names, or undefined. */
export function rgn(regions: (Region | undefined)[], h: number): Region | undefined {
  return h > 0 && h < regions.length ? regions[h] : undefined;
}

/**
 * The fault of an executed slot with bad reserved fields or register numbers
 * (Op.BAD_INSN): the kernel's do_check message at the slot.
 */
export function badInsn(ex: ExecContext, image: ProgramImage, pc: number): RuntimeFault {
  const m = image.bad.get(pc) ?? 'invalid instruction';
  return ex.fault(/^R\d+ is invalid$/.test(m) ? ErrorCode.BadRegister : ErrorCode.ReservedField, m, pc);
}

/** A rewritten 32-bit ctx load (xdp_md / __sk_buff data, data_end, data_meta): the full packet pointer. */
export function ctxLoad(ex: ExecContext, d: number, field: number): void {
  const R = ex.regs;
  const pkt = ex.pktId;
  if (pkt === 0) { R[d] = 0; R[d + 1] = 0; return; }
  const len = ex.mem.regions[pkt]!.bytes.length;
  R[d + 1] = pkt;
  R[d] = field === CtxField.DATA_END ? len : ex.pktDataOff;
}

/** LD_ABS / LD_IND: r0 = big-endian value at packet offset `off`; false when out of bounds. */
export function ldAbs(ex: ExecContext, off: number, size: number): boolean {
  if (ex.pktId === 0) return false;
  const rg = ex.mem.regions[ex.pktId]!;
  let o = off;
  if (o < 0) {
    if (o < SKF_NET_OFF) return false; // SKF_LL_OFF (mac header) is not modelled
    o -= SKF_NET_OFF;
  }
  o += ex.pktDataOff;
  if (o + size > rg.bytes.length) return false;
  const R = ex.regs;
  R[0] = size === 4 ? rg.view.getInt32(o, false) : size === 2 ? rg.view.getUint16(o, false) : rg.bytes[o]!;
  R[1] = 0;
  return true;
}

/** STX | ATOMIC: the read-modify-write operations, load-acquire and store-release. */
export function atomic(ex: ExecContext, words: Int32Array, b: number, pc: number): void {
  const R = ex.regs;
  const code = words[b]!;
  const d = words[b + 1]!, s = words[b + 2]!, off = words[b + 3]!, op = words[b + 4]!;
  const sz = code & 0x18;
  const size = sz === 0x18 ? 8 : sz === 0x00 ? 4 : sz === 0x08 ? 2 : 1;
  const base = op === AtomicOp.LOAD_ACQ ? s : d;
  const h = R[base + 1]!;
  let o = (R[base]! >>> 0) + off;
  const perm = op === AtomicOp.LOAD_ACQ ? 1 : op === AtomicOp.STORE_REL ? 2 : 3;
  let rg = rgn(ex.mem.regions, h);
  // A failed check may be a 64-bit address whose offset carries into the region id (retryAccess).
  if (rg === undefined || o < 0 || o + size > rg.bytes.length || (rg.perm & perm) !== perm) { rg = ex.retryAccess(pc, h, o, size, perm); o = ex.accOff; }
  const v = rg.view;
  if (op === AtomicOp.LOAD_ACQ) {
    R[d] = size === 8 ? v.getInt32(o, true) : size === 4 ? v.getInt32(o, true) : size === 2 ? v.getUint16(o, true) : rg.bytes[o]!;
    R[d + 1] = size === 8 ? v.getInt32(o + 4, true) : 0;
    return;
  }
  if (op === AtomicOp.STORE_REL) {
    if (size === 8) { v.setInt32(o, R[s]!, true); v.setInt32(o + 4, R[s + 1]!, true); }
    else if (size === 4) v.setInt32(o, R[s]!, true);
    else if (size === 2) v.setInt16(o, R[s]!, true);
    else rg.bytes[o] = R[s]!;
    return;
  }
  const ol = v.getInt32(o, true);
  const oh = size === 8 ? v.getInt32(o + 4, true) : 0;
  const sl = R[s]!, sh = size === 8 ? R[s + 1]! : 0;
  let nl: number, nh: number;
  switch (op & ~AtomicOp.FETCH) {
    case AtomicOp.ADD: {
      const x = (ol >>> 0) + (sl >>> 0);
      nl = x | 0; nh = (oh + sh + (x > 0xffffffff ? 1 : 0)) | 0;
      break;
    }
    case AtomicOp.OR: nl = ol | sl; nh = oh | sh; break;
    case AtomicOp.AND: nl = ol & sl; nh = oh & sh; break;
    case AtomicOp.XOR: nl = ol ^ sl; nh = oh ^ sh; break;
    case AtomicOp.XCHG & ~AtomicOp.FETCH: nl = sl; nh = sh; break;
    case AtomicOp.CMPXCHG & ~AtomicOp.FETCH: {
      const eq = size === 8 ? R[0] === ol && R[1] === oh : R[0] === ol;
      nl = eq ? sl : ol; nh = eq ? sh : oh;
      // r0 = old value (32-bit form: zero-extended).
      R[0] = ol; R[1] = oh;
      if (eq) write(v, o, size, nl, nh);
      return;
    }
    default:
      throw ex.fault(ErrorCode.BadOpcode, `invalid atomic operation 0x${op.toString(16)}`, pc);
  }
  write(v, o, size, nl, nh);
  if ((op & AtomicOp.FETCH) !== 0) { R[s] = ol; R[s + 1] = oh; }
}

function write(v: DataView, o: number, size: number, lo: number, hi: number): void {
  v.setInt32(o, lo, true);
  if (size === 8) v.setInt32(o + 4, hi, true);
}
