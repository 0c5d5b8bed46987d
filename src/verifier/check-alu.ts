/**
 * ALU instructions (kernel/bpf/verifier.c, Linux 6.18: check_alu_op,
 * adjust_reg_min_max_vals, adjust_ptr_min_max_vals, check_reg_sane_offset,
 * adjust_scalar_min_max_vals) for a privileged loader: pointer arithmetic is
 * bounded by BPF_MAX_VAR_OFF, no Spectre sanitation limits apply.
 */
import { AluOp, type OpcodeRow } from '../isa/opcodes.js';
import { BPF_MAX_VAR_OFF, type Env, Reject } from './env.js';
import {
  type AluName, type Scalar, scalarAlu, scalarConst, scalarEndian, scalarMovsx, scalarUnknown, tnumIsConst, zext32,
} from './scalar-api.js';
import { type Reg, cloneReg, isPtr, typeName, unknownReg } from './state.js';

/** `bpf_alu_string`: operator text by ALU op code >> 4. */
const ALU_STR = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian'];

const OP_NAME: Record<number, AluName> = {
  [AluOp.ADD]: 'add', [AluOp.SUB]: 'sub', [AluOp.MUL]: 'mul', [AluOp.DIV]: 'div', [AluOp.OR]: 'or', [AluOp.AND]: 'and',
  [AluOp.LSH]: 'lsh', [AluOp.RSH]: 'rsh', [AluOp.MOD]: 'mod', [AluOp.XOR]: 'xor', [AluOp.ARSH]: 'arsh',
};

const S64MIN = -(1n << 63n);

/** Kernel name of a pointer type in check_reg_sane_offset messages. */
function ptrTypeStr(r: Reg): string { return typeName(r); }

/** check_reg_sane_offset. */
function saneOffset(r: Reg, ptrType: string, pc: number, checkVarOnly = false): void {
  const known = tnumIsConst(r.s.var_off);
  const val = BigInt.asIntN(64, r.s.var_off.value);
  const M = BigInt(BPF_MAX_VAR_OFF);
  if (known && (val >= M || val <= -M)) throw new Reject(`math between ${ptrType} pointer and ${val} is not allowed`, pc, 'EACCES');
  if (!checkVarOnly && (r.off >= BPF_MAX_VAR_OFF || r.off <= -BPF_MAX_VAR_OFF)) throw new Reject(`${ptrType} pointer offset ${r.off} is not allowed`, pc, 'EACCES');
  if (r.s.smin === S64MIN) throw new Reject(`math between ${ptrType} pointer and register with unbounded min value is not allowed`, pc, 'EACCES');
  if (r.s.smin >= M || r.s.smin <= -M) throw new Reject(`value ${r.s.smin} makes ${ptrType} pointer be out of bounds`, pc, 'EACCES');
}

/**
 * adjust_ptr_min_max_vals: `dst = ptr op off` (ptr may be either operand for add).
 * Returns the new destination register.
 */
function ptrArith(env: Env, row: OpcodeRow, dstno: number, ptr: Reg, offReg: Reg, offIsDst: boolean, pc: number): Reg {
  const op = row.op;
  const o = offReg.s;
  const known = tnumIsConst(o.var_off);
  if ((known && (o.smin !== o.smax || o.umin !== o.umax)) || o.smin > o.smax || o.umin > o.umax) return unknownReg();
  if (!row.is64) {
    if (op === AluOp.SUB) return unknownReg();
    throw new Reject(`R${dstno} 32-bit pointer arithmetic prohibited`, pc);
  }
  if (ptr.maybeNull) throw new Reject(`R${dstno} pointer arithmetic on ${typeName(ptr)} prohibited, null-check it first`, pc);
  switch (ptr.type) {
    case 'ctx': case 'map_value': case 'map_key': case 'fp': case 'pkt_meta': case 'pkt': case 'mem': case 'ringbuf_mem':
      break;
    default:
      if (ptr.type === 'map_ptr' && known && o.smin === 0n && op === AluOp.ADD) break;
      throw new Reject(`R${dstno} pointer arithmetic on ${typeName(ptr)} prohibited`, pc);
  }
  const ptype = ptrTypeStr(ptr);
  saneOffset(offReg, ptype, pc, true);
  saneOffset(ptr, ptype, pc);
  const d = cloneReg(ptr);
  const isPkt = ptr.type === 'pkt' || ptr.type === 'pkt_meta';
  switch (op) {
    case AluOp.ADD: {
      const sum = ptr.off + Number(o.smin);
      if (known && sum === (sum | 0)) { d.off = sum; break; }
      d.s = scalarAlu('add', true, ptr.s, o);
      if (isPkt) { d.id = ++env.idGen; d.range = 0; }
      break;
    }
    case AluOp.SUB: {
      if (offIsDst) throw new Reject(`R${dstno} tried to subtract pointer from scalar`, pc);
      if (ptr.type === 'fp') throw new Reject(`R${dstno} subtraction from stack pointer prohibited`, pc);
      const diff = ptr.off - Number(o.smin);
      if (known && diff === (diff | 0)) { d.off = diff; break; }
      d.s = scalarAlu('sub', true, ptr.s, o);
      if (isPkt) { d.id = ++env.idGen; if (o.smin < 0n) d.range = 0; }
      break;
    }
    case AluOp.AND: case AluOp.OR: case AluOp.XOR:
      throw new Reject(`R${dstno} bitwise operator ${ALU_STR[op >> 4]} on pointer prohibited`, pc);
    default:
      throw new Reject(`R${dstno} pointer arithmetic with ${ALU_STR[op >> 4]} operator prohibited`, pc);
  }
  // pointer types carry no 32-bit bounds
  saneOffset(d, ptype, pc);
  return d;
}

/** Constant folding: the abstract result of an op on two constants is that constant (fast path). */
function constFold(op: number, is64: boolean, a: bigint, b: bigint): bigint | undefined {
  const w = is64 ? 64 : 32;
  const x = BigInt.asUintN(w, a), y = BigInt.asUintN(w, b);
  let r: bigint;
  switch (op) {
    case AluOp.ADD: r = x + y; break;
    case AluOp.SUB: r = x - y; break;
    case AluOp.MUL: r = x * y; break;
    case AluOp.OR: r = x | y; break;
    case AluOp.AND: r = x & y; break;
    case AluOp.XOR: r = x ^ y; break;
    case AluOp.LSH: if (y >= BigInt(w)) return undefined; r = x << y; break;
    case AluOp.RSH: if (y >= BigInt(w)) return undefined; r = x >> y; break;
    case AluOp.ARSH: if (y >= BigInt(w)) return undefined; r = BigInt.asIntN(w, x) >> y; break;
    default: return undefined;
  }
  return BigInt.asUintN(w, r);
}

function scalarOp(row: OpcodeRow, dst: Scalar, src: Scalar, off: number): Scalar {
  const op = row.op;
  if (tnumIsConst(dst.var_off) && tnumIsConst(src.var_off)) {
    const v = constFold(op, row.is64, dst.var_off.value, src.var_off.value);
    if (v !== undefined) return scalarConst(v);
  }
  let name = OP_NAME[op]!;
  if (off === 1 && (op === AluOp.DIV || op === AluOp.MOD)) name = op === AluOp.DIV ? 'sdiv' : 'smod';
  // Division, modulo and shifts by a non-constant or too large amount give an unknown
  // 64-bit scalar in 6.18, even in 32-bit form (the scalar module models this).
  return scalarAlu(name, row.is64, dst, src);
}

/**
 * check_alu_op for ALU/ALU64 (incl. neg, byte swaps, movsx). Mutates `regs`.
 * @throws Reject
 */
export function checkAlu(env: Env, regs: Reg[], row: OpcodeRow, dst: number, src: number, off: number, imm: number, pc: number): void {
  const need = (r: number) => { if (regs[r]!.type === 'not_init') throw new Reject(`R${r} !read_ok`, pc); };
  const writeDst = () => { if (dst === 10) throw new Reject('frame pointer is read only', pc); };
  const op = row.op;
  if (row.kind === 'neg' || row.kind === 'end') {
    need(dst);
    writeDst();
    const d = regs[dst]!;
    if (isPtr(d)) { regs[dst] = unknownReg(); return; }
    let s: Scalar;
    if (row.kind === 'neg') s = scalarAlu('neg', row.is64, d.s, d.s);
    else s = byteSwap(d.s, row);
    regs[dst] = unknownReg(); regs[dst]!.s = s;
    return;
  }
  if (op === AluOp.MOV) {
    if (row.source === 'X') need(src);
    writeDst();
    if (row.source === 'K') {
      const v = row.is64 ? BigInt(imm) : BigInt(imm >>> 0);
      regs[dst] = unknownReg(); regs[dst]!.s = scalarConst(v);
      return;
    }
    const s = regs[src]!;
    if (row.kind === 'movsx') {
      if (isPtr(s)) { regs[dst] = unknownReg(); if (!row.is64) regs[dst]!.s = zext32(scalarUnknown()); return; }
      regs[dst] = unknownReg(); regs[dst]!.s = scalarMovsx(row.is64, (row.width / 8) as 1 | 2 | 4, s.s);
      return;
    }
    if (row.is64) {
      if (s.type === 'scalar' && s.id === 0 && !tnumIsConst(s.s.var_off)) s.id = ++env.idGen;
      regs[dst] = cloneReg(s);
      return;
    }
    if (isPtr(s)) { regs[dst] = unknownReg(); regs[dst]!.s = zext32(scalarUnknown()); return; }
    // 32-bit move: links survive only when the upper half is already zero.
    const d = cloneReg(s);
    d.s = zext32(s.s);
    if (!(s.s.umax <= 0xffffffffn)) d.id = 0;
    else if (s.id === 0 && !tnumIsConst(s.s.var_off)) { s.id = ++env.idGen; d.id = s.id; }
    regs[dst] = d;
    return;
  }
  if (row.source === 'X') need(src);
  need(dst);
  if ((op === AluOp.DIV || op === AluOp.MOD) && row.source === 'K' && imm === 0) throw new Reject('div by zero', pc, 'EINVAL');
  if ((op === AluOp.LSH || op === AluOp.RSH || op === AluOp.ARSH) && row.source === 'K') {
    const size = row.is64 ? 64 : 32;
    if (imm < 0 || imm >= size) throw new Reject(`invalid shift ${imm}`, pc, 'EINVAL');
  }
  writeDst();
  const d = regs[dst]!;
  const srcReg: Reg = row.source === 'X' ? regs[src]! : (() => { const k = unknownReg(); k.s = scalarConst(BigInt(imm)); return k; })();
  if (row.source === 'X' && isPtr(srcReg)) {
    if (isPtr(d)) {
      if (op === AluOp.SUB) { regs[dst] = unknownReg(); return; }
      throw new Reject(`R${dst} pointer ${ALU_STR[op >> 4]} pointer prohibited`, pc);
    }
    regs[dst] = ptrArith(env, row, dst, srcReg, d, true, pc);
    return;
  }
  if (isPtr(d)) {
    regs[dst] = ptrArith(env, row, dst, d, srcReg, false, pc);
    return;
  }
  const res = unknownReg();
  res.s = scalarOp(row, d.s, srcReg.s, off);
  regs[dst] = res;
}

function byteSwap(s: Scalar, row: OpcodeRow): Scalar {
  const kind = row.is64 ? 'bswap' : row.source === 'X' ? 'be' : 'le';
  return scalarEndian(kind, row.width as 16 | 32 | 64, s);
}
