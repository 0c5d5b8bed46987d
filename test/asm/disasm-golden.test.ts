/**
 * Golden disassembly in the three styles (kernel strings checked against the
 * running kernel by kernel-log.test.ts, llvm strings against llvm-objdump by
 * llvm-objdump.test.ts; this table keeps them pinned where neither exists).
 */
import { describe, expect, it } from 'vitest';
import { assemble, disasmInsn } from '../../src/asm/index.js';
import type { Insn } from '../../src/isa/index.js';

const X = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

const GOLDEN: [Insn, Insn | undefined, string, string, string][] = [
  [X(0xb7, 0, 0, 0, 0), undefined, 'r0 = 0', 'r0 = 0', 'mov %r0, 0'],
  [X(0x04, 0, 0, 0, 1), undefined, 'w0 += 1', 'w0 += 1', 'add32 %r0, 1'],
  [X(0x61, 0, 1, 4, 0), undefined, 'r0 = *(u32 *)(r1 +4)', 'r0 = *(u32 *)(r1 + 4)', 'ldxw %r0, [%r1+4]'],
  [X(0x7b, 10, 1, -8, 0), undefined, '*(u64 *)(r10 -8) = r1', '*(u64 *)(r10 - 8) = r1', 'stxdw [%r10-8], %r1'],
  [X(0x62, 10, 0, -4, -1), undefined, '*(u32 *)(r10 -4) = -1', '*(u32 *)(r10 - 4) = -1', 'stw [%r10-4], -1'],
  [X(0x25, 1, 0, 2, 5), undefined, 'if r1 > 0x5 goto pc+2', 'if r1 > 5 goto +2', 'jgt %r1, 5, +2'],
  [X(0xa6, 1, 0, -3, -1), undefined, 'if w1 < 0xffffffff goto pc-3', 'if w1 < -1 goto -3', 'jlt32 %r1, -1, -3'],
  [X(0x6d, 1, 2, 0, 0), undefined, 'if r1 s> r2 goto pc+0', 'if r1 s> r2 goto +0', 'jsgt %r1, %r2, +0'],
  [X(0x85, 0, 0, 0, 1), undefined, 'call bpf_map_lookup_elem#1', 'call 1', 'call 1'],
  [X(0x85, 0, 0, 0, 5000), undefined, 'call unknown#5000', 'call 5000', 'call 5000'],
  [X(0x85, 0, 1, 0, 3), undefined, 'call pc+3', 'call pc+3', 'call local +3'],
  [X(0x85, 0, 2, 0, 77), undefined, 'call kernel-function#77', 'call kernel-function#77', 'call runtime 77'],
  [X(0x8d, 2, 0, 0, 0), undefined, 'callx r2', 'callx r2', 'call %r2'],
  [X(0x18, 1, 0, 0, 0x1234), X(0, 0, 0, 0, 0), 'r1 = 0x1234', 'r1 = 4660 ll', 'lddw %r1, 0x1234'],
  [X(0x18, 1, 0, 0, -1), X(0, 0, 0, 0, -1), 'r1 = 0xffffffffffffffff', 'r1 = -1 ll', 'lddw %r1, 0xffffffffffffffff'],
  [X(0x18, 1, 1, 0, 3), X(0, 0, 0, 0, 0), 'r1 = map[id:3]', 'r1 = map[id:3] ll', 'lddw %r1, map[id:3]'],
  [X(0x18, 1, 2, 0, 3), X(0, 0, 0, 0, 8), 'r1 = map[id:3][0]+8', 'r1 = map[id:3][0]+8 ll', 'lddw %r1, map[id:3][0]+8'],
  [X(0x18, 1, 4, 0, -2), X(0, 0, 0, 0, 0), 'r1 = subprog[-2]', 'r1 = subprog[-2] ll', 'lddw %r1, subprog[-2]'],
  [X(0xdb, 2, 1, 0, 0x00), undefined, 'lock *(u64 *)(r2 +0) += r1', 'lock *(u64 *)(r2 + 0) += r1', 'lock add [%r2], %r1'],
  [X(0xc3, 2, 1, 8, 0x50), undefined, 'lock *(u32 *)(r2 +8) &= r1', 'lock *(u32 *)(r2 + 8) &= w1', 'lock and32 [%r2+8], %r1'],
  [X(0xdb, 2, 0, 0, 0x01), undefined, 'r0 = atomic64_fetch_add((u64 *)(r2 +0), r0)', 'r0 = atomic_fetch_add((u64 *)(r2 + 0), r0)', 'lock fetch add [%r2], %r0'],
  [X(0xc3, 2, 0, 0, 0xa1), undefined, 'r0 = atomic_fetch_xor((u32 *)(r2 +0), r0)', 'w0 = atomic_fetch_xor((u32 *)(r2 + 0), w0)', 'lock fetch xor32 [%r2], %r0'],
  [X(0xdb, 2, 1, 0, 0xe1), undefined, 'r1 = atomic64_xchg((u64 *)(r2 +0), r1)', 'r1 = xchg_64(r2 + 0, r1)', 'lock xchg [%r2], %r1'],
  [X(0xc3, 2, 1, 0, 0xf1), undefined, 'r0 = atomic_cmpxchg((u32 *)(r2 +0), r0, r1)', 'w0 = cmpxchg32_32(r2 + 0, w0, w1)', 'lock cmpxchg32 [%r2], %r1'],
  [X(0xdb, 0, 1, 0, 0x100), undefined, 'r0 = load_acquire((u64 *)(r1 +0))', 'r0 = load_acquire((u64 *)(r1 + 0))', 'load_acquiredw %r0, [%r1]'],
  [X(0xd3, 1, 2, -1, 0x110), undefined, 'store_release((u8 *)(r1 -1), r2)', 'store_release((u8 *)(r1 - 1), w2)', 'store_releaseb [%r1-1], %r2'],
  [X(0x05, 0, 0, 3, 0), undefined, 'goto pc+3', 'goto +3', 'ja +3'],
  [X(0x06, 0, 0, 0, -70000), undefined, 'gotol pc-70000', 'gotol -70000', 'ja32 -70000'],
  [X(0x95, 0, 0, 0, 0), undefined, 'exit', 'exit', 'exit'],
  [X(0xdc, 0, 0, 0, 16), undefined, 'r0 = be16 r0', 'r0 = be16 r0', 'be16 %r0'],
  [X(0xd4, 3, 0, 0, 64), undefined, 'r3 = le64 r3', 'r3 = le64 r3', 'le64 %r3'],
  [X(0xd7, 0, 0, 0, 16), undefined, 'r0 = bswap16 r0', 'r0 = bswap16 r0', 'swap16 %r0'],
  [X(0xbf, 0, 1, 8, 0), undefined, 'r0 = (s8)r1', 'r0 = (s8)r1', 'movsx864 %r0, %r1'],
  [X(0xbc, 0, 1, 16, 0), undefined, 'w0 = (s16)w1', 'w0 = (s16)w1', 'movsx1632 %r0, %r1'],
  [X(0x91, 0, 1, 0, 0), undefined, 'r0 = *(s8 *)(r1 +0)', 'r0 = *(s8 *)(r1 + 0)', 'ldxsb %r0, [%r1]'],
  [X(0x3f, 0, 1, 1, 0), undefined, 'r0 s/= r1', 'r0 s/= r1', 'sdiv %r0, %r1'],
  [X(0x94, 0, 0, 1, -7), undefined, 'w0 s%= -7', 'w0 s%= -7', 'smod32 %r0, -7'],
  [X(0x87, 4, 0, 0, 0), undefined, 'r4 = -r4', 'r4 = -r4', 'neg %r4'],
  [X(0xcc, 4, 5, 0, 0), undefined, 'w4 s>>= w5', 'w4 s>>= w5', 'arsh32 %r4, %r5'],
  [X(0x30, 0, 0, 0, 12), undefined, 'r0 = *(u8 *)skb[12]', 'r0 = *(u8 *)skb[12]', 'ldabsb 0xc'],
  [X(0x48, 0, 1, 0, 2), undefined, 'r0 = *(u16 *)skb[r1 + 2]', 'r0 = *(u16 *)skb[r1 + 2]', 'ldindh %r1, 2'],
  [X(0xb4, 0, 0, 0, 0x12345), undefined, 'w0 = 74565', 'w0 = 74565', 'mov32 %r0, 0x12345'],
  [X(0xb7, 0, 0, 0, -0x80000000), undefined, 'r0 = -2147483648', 'r0 = -2147483648', 'mov %r0, 0x80000000'],
];

describe.each(GOLDEN)('%j', (insn, hi, kernel, llvm, ubpf) => {
  it('prints in each style and assembles back', () => {
    const texts = { kernel, llvm, ubpf } as const;
    for (const style of ['kernel', 'llvm', 'ubpf'] as const) {
      expect(disasmInsn(insn, hi, { style })).toBe(texts[style]);
      const r = assemble(texts[style], { syntax: style, validate: false });
      expect(r.insns).toEqual(hi ? [insn, hi] : [insn]);
    }
  });
});

describe('kernel options', () => {
  it('code prefix, strict and callbacks', () => {
    expect(disasmInsn(X(0xb7, 0, 0, 0, 0), undefined, { code: true })).toBe('(b7) r0 = 0');
    expect(disasmInsn(X(0x8d, 2, 0, 0, 0), undefined, { strict: true })).toBe('call bpf_unspec#0');
    expect(disasmInsn(X(0x18, 1, 1, 0, 3), X(0, 0, 0, 0, 0), { strict: true })).toBe('r1 = 0x3');
    expect(disasmInsn(X(0x18, 1, 1, 0, 3), X(0, 0, 0, 0, 0), { immText: (_x, v) => `map_ptr_${v}` })).toBe('r1 = map_ptr_3');
    expect(disasmInsn(X(0x85, 0, 2, 0, 77), undefined, { callName: () => 'bpf_rcu_read_lock' })).toBe('call bpf_rcu_read_lock#77');
    expect(assemble('call bpf_rcu_read_lock#77\nexit').insns[0]).toEqual(X(0x85, 0, 2, 0, 77));
  });
});
