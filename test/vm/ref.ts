/**
 * Two independent reference models of the eBPF ALU and JMP operations with
 * the kernel's semantics, for property tests: one on BigInt, one on the
 * `long` package. Operation names are the opcode table's base mnemonics
 * without the `32` suffix (`add`, `sdiv`, `jsgt`, ...).
 */
import fc from 'fast-check';
import Long from 'long';

const M64 = (1n << 64n) - 1n;
const M32 = 0xffffffffn;
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);

/** ALU result (unsigned 64-bit) of `dst op src`; `src` is already the operand (sign-extended imm for 64-bit K). */
export function aluBig(op: string, is64: boolean, dst: bigint, src: bigint): bigint {
  const m = is64 ? M64 : M32;
  const sx = is64 ? s64 : s32;
  const shMask = is64 ? 63n : 31n;
  const a = dst & m, b = src & m;
  switch (op) {
    case 'add': return (a + b) & m;
    case 'sub': return (a - b) & m;
    case 'mul': return (a * b) & m;
    case 'div': return b === 0n ? 0n : a / b;
    case 'mod': return b === 0n ? a : a % b;
    case 'sdiv': return b === 0n ? 0n : (sx(a) / sx(b)) & m;
    case 'smod': return b === 0n ? a : (sx(a) % sx(b)) & m;
    case 'or': return a | b;
    case 'and': return a & b;
    case 'xor': return a ^ b;
    case 'lsh': return (a << (b & shMask)) & m;
    case 'rsh': return a >> (b & shMask);
    case 'arsh': return (sx(a) >> (b & shMask)) & m;
    case 'mov': return b;
    case 'neg': return (-a) & m;
  }
  throw new Error(`no reference for ${op}`);
}

/** JMP condition `dst op src` on 64 or 32 bits. */
export function jmpBig(op: string, is64: boolean, dst: bigint, src: bigint): boolean {
  const m = is64 ? M64 : M32;
  const a = dst & m, b = src & m;
  const sa = is64 ? s64(a) : s32(a), sb = is64 ? s64(b) : s32(b);
  switch (op) {
    case 'jeq': return a === b;
    case 'jne': return a !== b;
    case 'jset': return (a & b) !== 0n;
    case 'jgt': return a > b;
    case 'jge': return a >= b;
    case 'jlt': return a < b;
    case 'jle': return a <= b;
    case 'jsgt': return sa > sb;
    case 'jsge': return sa >= sb;
    case 'jslt': return sa < sb;
    case 'jsle': return sa <= sb;
  }
  throw new Error(`no reference for ${op}`);
}

const toLong = (v: bigint, unsigned: boolean): Long =>
  Long.fromBits(Number(v & M32) | 0, Number((BigInt.asUintN(64, v) >> 32n) & M32) | 0, unsigned);
const fromLong = (l: Long): bigint => BigInt(l.toUnsigned().toString());

/** The same ALU model on the `long` package (64-bit) and on 32-bit Long values (32-bit forms). */
export function aluLong(op: string, is64: boolean, dst: bigint, src: bigint): bigint {
  if (is64) {
    const a = toLong(dst, true), b = toLong(src, true);
    const sa = a.toSigned(), sb = b.toSigned();
    const sh = b.low & 63;
    let r: Long;
    switch (op) {
      case 'add': r = a.add(b); break;
      case 'sub': r = a.subtract(b); break;
      case 'mul': r = a.multiply(b); break;
      case 'div': r = b.isZero() ? Long.UZERO : a.divide(b); break;
      case 'mod': r = b.isZero() ? a : a.modulo(b); break;
      case 'sdiv': r = b.isZero() ? Long.ZERO : sa.divide(sb); break;
      case 'smod': r = b.isZero() ? a : sb.eq(Long.NEG_ONE) ? Long.ZERO : sa.modulo(sb); break;
      case 'or': r = a.or(b); break;
      case 'and': r = a.and(b); break;
      case 'xor': r = a.xor(b); break;
      case 'lsh': r = a.shiftLeft(sh); break;
      case 'rsh': r = a.shiftRightUnsigned(sh); break;
      case 'arsh': r = sa.shiftRight(sh); break;
      case 'mov': r = b; break;
      case 'neg': r = sa.negate(); break;
      default: throw new Error(`no reference for ${op}`);
    }
    return fromLong(r);
  }
  // 32-bit: operate on Long values holding the zero-extended halves, truncate with and(0xffffffff).
  const mask = Long.fromBits(-1, 0, true);
  const a = toLong(dst, true).and(mask), b = toLong(src, true).and(mask);
  const sa = Long.fromInt(a.low), sb = Long.fromInt(b.low);
  const sh = b.low & 31;
  let r: Long;
  switch (op) {
    case 'add': r = a.add(b); break;
    case 'sub': r = a.subtract(b); break;
    case 'mul': r = a.multiply(b); break;
    case 'div': r = b.isZero() ? Long.UZERO : a.divide(b); break;
    case 'mod': r = b.isZero() ? a : a.modulo(b); break;
    case 'sdiv': r = b.isZero() ? Long.ZERO : sa.divide(sb); break;
    case 'smod': r = b.isZero() ? a : sa.modulo(sb); break;
    case 'or': r = a.or(b); break;
    case 'and': r = a.and(b); break;
    case 'xor': r = a.xor(b); break;
    case 'lsh': r = a.shiftLeft(sh); break;
    case 'rsh': r = a.shiftRightUnsigned(sh); break;
    case 'arsh': r = sa.shiftRight(sh); break;
    case 'mov': r = b; break;
    case 'neg': r = sa.negate(); break;
    default: throw new Error(`no reference for ${op}`);
  }
  return fromLong(r.and(mask));
}

/** The JMP model on `long`. */
export function jmpLong(op: string, is64: boolean, dst: bigint, src: bigint): boolean {
  let a: Long, b: Long;
  if (is64) { a = toLong(dst, true); b = toLong(src, true); } else {
    a = Long.fromBits(Number(dst & M32) | 0, 0, true); b = Long.fromBits(Number(src & M32) | 0, 0, true);
  }
  const sa = is64 ? a.toSigned() : Long.fromInt(a.low), sb = is64 ? b.toSigned() : Long.fromInt(b.low);
  switch (op) {
    case 'jeq': return a.eq(b);
    case 'jne': return a.neq(b);
    case 'jset': return !a.and(b).isZero();
    case 'jgt': return a.gt(b);
    case 'jge': return a.gte(b);
    case 'jlt': return a.lt(b);
    case 'jle': return a.lte(b);
    case 'jsgt': return sa.gt(sb);
    case 'jsge': return sa.gte(sb);
    case 'jslt': return sa.lt(sb);
    case 'jsle': return sa.lte(sb);
  }
  throw new Error(`no reference for ${op}`);
}

const EDGES = [0n, 1n, 2n, 3n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x1fffffffffffffn, 0x20000000000000n,
  0x7fffffffffffffffn, 0x8000000000000000n, 0xfffffffffffffffen, 0xffffffffffffffffn, 0xffffffff00000000n];
/** 64-bit values: edges, small, 32-bit, below 2^53 and full range. */
export const u64Arb = fc.oneof(
  fc.constantFrom(...EDGES),
  fc.bigInt(0n, 255n),
  fc.bigInt(0n, 0xffffffffn),
  fc.bigInt(0n, (1n << 53n) - 1n).map((v) => v),
  fc.bigInt(0n, (1n << 64n) - 1n),
  fc.bigInt(-(1n << 40n), 1n << 40n).map((v) => BigInt.asUintN(64, v)),
);

