import { describe, expect, it } from 'vitest';
import {
  CCls, CSize, CMode, CAluOp, CJmpOp, CSrc, CRval, CMiscOp, SKF_AD, SKF_AD_OFF, SKF_NET_OFF, SKF_LL_OFF,
  CBPF_OPCODES, cbpfOpcode, sockFilter as I, runCbpf, runCbpfDetailed, type PacketContext, buildSeccompData,
  decodeFilter, encodeFilter, filterToHex, filterFromHex, parseSeccompData, type SockFilter,
} from '../../src/cbpf/index.js';
import { BpfError } from '../../src/errors.js';

const LD = CCls.LD, LDX = CCls.LDX, ALU = CCls.ALU, JMP = CCls.JMP, RET = CCls.RET;
const retA = I(RET | CRval.A, 0, 0, 0);
const pkt = (...b: number[]): PacketContext => ({ kind: 'packet', bytes: Uint8Array.from(b) });
const sc = (o: Parameters<typeof buildSeccompData>[0]) => ({ kind: 'seccomp' as const, data: buildSeccompData(o) });

describe('opcode table', () => {
  it('has exactly the kernel chk_code_allowed whitelist (49 codes) and the seccomp subset', () => {
    expect(CBPF_OPCODES.length).toBe(49);
    expect(CBPF_OPCODES.filter((r) => r.seccomp).length).toBe(41);
    expect(Math.max(...CBPF_OPCODES.map((r) => r.code))).toBe(0xb1);
    for (let c = 0; c < 0x10000; c += c < 256 ? 1 : 0x101) {
      const r = cbpfOpcode(c);
      if (r) expect(r.code).toBe(c);
    }
    expect(cbpfOpcode(CCls.RET | CRval.X)).toBeUndefined();
    expect(cbpfOpcode(0x120)).toBeUndefined();
  });
});

describe('sock_filter codec', () => {
  it('encodes little-endian u16 code, u8 jt, u8 jf, u32 k', () => {
    const f = [I(0x15, 1, 2, 0xc000003e), I(0x06, 0, 0, 0x7fff0000)];
    expect(filterToHex(f)).toBe('150001023e0000c0' + '060000000000ff7f');
    expect(filterFromHex(filterToHex(f))).toEqual(f);
    expect(decodeFilter(encodeFilter(f))).toEqual(f);
    expect(() => decodeFilter(new Uint8Array(7))).toThrow(BpfError);
  });
});

describe('seccomp_data', () => {
  it('has the kernel layout', () => {
    const d = buildSeccompData({ nr: -1, arch: 0xc000003e, ip: 0x1122334455667788n, args: [1n, 0xffffffffffffffffn, 3] });
    expect(d.length).toBe(64);
    const dv = new DataView(d.buffer);
    expect(dv.getInt32(0, true)).toBe(-1);
    expect(dv.getUint32(4, true)).toBe(0xc000003e);
    expect(dv.getBigUint64(8, true)).toBe(0x1122334455667788n);
    expect(dv.getBigUint64(16, true)).toBe(1n);
    expect(dv.getUint32(24, true)).toBe(0xffffffff);
    expect(dv.getUint32(28, true)).toBe(0xffffffff);
    expect(dv.getBigUint64(32, true)).toBe(3n);
    expect(parseSeccompData(d).args[1]).toBe(0xffffffffffffffffn);
  });
});

type Case = [name: string, prog: SockFilter[], ctx: Parameters<typeof runCbpf>[1], expected: number];
const P = pkt(0x45, 0x00, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x0f);
const alu = (op: number, a: number, k: number): SockFilter[] => [I(LD | CMode.IMM, 0, 0, a), I(ALU | op | CSrc.K, 0, 0, k), retA];
const alux = (op: number, a: number, x: number): SockFilter[] => [I(LD | CMode.IMM, 0, 0, a), I(LDX | CMode.IMM, 0, 0, x), I(ALU | op | CSrc.X, 0, 0, 0), retA];
const jmp = (op: number, a: number, k: number): SockFilter[] => [I(LD | CMode.IMM, 0, 0, a), I(JMP | op | CSrc.K, 1, 0, k), I(RET, 0, 0, 0), I(RET, 0, 0, 1)];
const jmpx = (op: number, a: number, x: number): SockFilter[] => [I(LD | CMode.IMM, 0, 0, a), I(LDX | CMode.IMM, 0, 0, x), I(JMP | op | CSrc.X, 1, 0, 0), I(RET, 0, 0, 0), I(RET, 0, 0, 1)];
const cases: Case[] = [
  ['ret #k', [I(RET, 0, 0, 0xdeadbeef)], P, 0xdeadbeef],
  ['ld #k', [I(LD, 0, 0, 7), retA], P, 7],
  ['ld [k] word big-endian', [I(LD | CSize.W | CMode.ABS, 0, 0, 4), retA], P, 0xdeadbeef],
  ['ldh [k]', [I(LD | CSize.H | CMode.ABS, 0, 0, 2), retA], P, 0x1234],
  ['ldb [k]', [I(LD | CSize.B | CMode.ABS, 0, 0, 4), retA], P, 0xde],
  ['ld [k] out of bounds returns 0', [I(LD, 0, 0, 9), I(LD | CSize.W | CMode.ABS, 0, 0, 6), retA], P, 0],
  ['ldb [k] last byte', [I(LD | CSize.B | CMode.ABS, 0, 0, 8), retA], P, 0x0f],
  ['ldb [k] one past the end', [I(LD | CSize.B | CMode.ABS, 0, 0, 9), I(RET, 0, 0, 1)], P, 0],
  ['ld [x+k]', [I(LDX | CMode.IMM, 0, 0, 3), I(LD | CSize.H | CMode.IND, 0, 0, 1), retA], P, 0xdead],
  ['ld [x+k] wraps to negative → fails', [I(LDX | CMode.IMM, 0, 0, 0xffffffff), I(LD | CSize.B | CMode.IND, 0, 0, 0), I(RET, 0, 0, 5)], P, 0],
  ['ld #len', [I(LD | CSize.W | CMode.LEN, 0, 0, 0), retA], P, 9],
  ['ldx #len', [I(LDX | CSize.W | CMode.LEN, 0, 0, 0), I(CCls.MISC | CMiscOp.TXA, 0, 0, 0), retA], P, 9],
  ['ldxb 4*([k]&0xf)', [I(LDX | CSize.B | CMode.MSH, 0, 0, 0), I(CCls.MISC | CMiscOp.TXA, 0, 0, 0), retA], P, 20],
  ['ldxb msh keeps A', [I(LD, 0, 0, 77), I(LDX | CSize.B | CMode.MSH, 0, 0, 0), retA], P, 77],
  ['ldxb msh out of bounds', [I(LDX | CSize.B | CMode.MSH, 0, 0, 100), I(RET, 0, 0, 3)], P, 0],
  ['st/ld M[]', [I(LD, 0, 0, 5), I(CCls.ST, 0, 0, 15), I(LD, 0, 0, 0), I(LD | CMode.MEM, 0, 0, 15), retA], P, 5],
  ['stx/ldx M[]', [I(LDX, 0, 0, 6), I(CCls.STX, 0, 0, 3), I(LDX | CMode.MEM, 0, 0, 3), I(CCls.MISC | CMiscOp.TXA, 0, 0, 0), retA], P, 6],
  ['tax/txa', [I(LD, 0, 0, 9), I(CCls.MISC | CMiscOp.TAX, 0, 0, 0), I(LD, 0, 0, 0), I(CCls.MISC | CMiscOp.TXA, 0, 0, 0), retA], P, 9],
  ['add wraps', alu(CAluOp.ADD, 0xffffffff, 2), P, 1],
  ['sub wraps', alu(CAluOp.SUB, 1, 2), P, 0xffffffff],
  ['mul 32-bit', alu(CAluOp.MUL, 0x10000, 0x10001), P, 0x10000],
  ['div unsigned', alu(CAluOp.DIV, 0xffffffff, 2), P, 0x7fffffff],
  ['mod', alu(CAluOp.MOD, 17, 5), P, 2],
  ['and', alu(CAluOp.AND, 0xf0f0, 0xff00), P, 0xf000],
  ['or', alu(CAluOp.OR, 0xf0, 0x0f), P, 0xff],
  ['xor', alu(CAluOp.XOR, 0xff, 0x0f), P, 0xf0],
  ['lsh', alu(CAluOp.LSH, 0x80000001, 1), P, 2],
  ['rsh logical', alu(CAluOp.RSH, 0x80000000, 31), P, 1],
  ['neg', [I(LD, 0, 0, 1), I(ALU | CAluOp.NEG, 0, 0, 0), retA], P, 0xffffffff],
  ['div x', alux(CAluOp.DIV, 100, 7), P, 14],
  ['div x by 0 returns 0', alux(CAluOp.DIV, 100, 0), P, 0],
  ['mod x by 0 returns 0', alux(CAluOp.MOD, 100, 0), P, 0],
  ['lsh x masks the count to 5 bits', alux(CAluOp.LSH, 1, 33), P, 2],
  ['sub x', alux(CAluOp.SUB, 5, 7), P, 0xfffffffe],
  ['ja', [I(JMP, 0, 0, 1), I(RET, 0, 0, 1), I(RET, 0, 0, 2)], P, 2],
  ['jeq true', jmp(CJmpOp.JEQ, 5, 5), P, 1],
  ['jeq false', jmp(CJmpOp.JEQ, 5, 6), P, 0],
  ['jgt unsigned', jmp(CJmpOp.JGT, 0x80000000, 1), P, 1],
  ['jgt equal false', jmp(CJmpOp.JGT, 4, 4), P, 0],
  ['jge equal', jmp(CJmpOp.JGE, 4, 4), P, 1],
  ['jset', jmp(CJmpOp.JSET, 6, 2), P, 1],
  ['jset none', jmp(CJmpOp.JSET, 6, 1), P, 0],
  ['jgt x', jmpx(CJmpOp.JGT, 3, 2), P, 1],
  ['jeq x', jmpx(CJmpOp.JEQ, 3, 2), P, 0],
  ['jge k negative as u32', jmp(CJmpOp.JGE, 0xfffffffe, 0xffffffff), P, 0],
  ['anc proto', [I(LD | CSize.H | CMode.ABS, 0, 0, SKF_AD_OFF + SKF_AD.proto), retA], { ...P, meta: { protocol: 0x0800 } }, 0x800],
  ['anc xor_x', [I(LD, 0, 0, 0xff), I(LDX, 0, 0, 0x0f), I(LD | CMode.ABS, 0, 0, SKF_AD_OFF + SKF_AD.xor_x), retA], P, 0xf0],
  ['anc ifidx without dev returns A', [I(LD, 0, 0, 42), I(LD | CMode.ABS, 0, 0, SKF_AD_OFF + SKF_AD.ifidx), I(RET, 0, 0, 1)], { ...P, meta: { hasDev: false } }, 42],
  ['net header load', [I(LD | CSize.B | CMode.ABS, 0, 0, SKF_NET_OFF + 1), retA], { ...pkt(1, 2, 3, 4), netOffset: 2 }, 4],
  ['ll header load unset → 0', [I(LD | CSize.B | CMode.ABS, 0, 0, SKF_LL_OFF), I(RET, 0, 0, 9)], pkt(1, 2), 0],
  ['ll header load', [I(LD | CSize.B | CMode.ABS, 0, 0, SKF_LL_OFF), retA], { ...pkt(1, 2), macOffset: 1 }, 2],
  ['packet data offset', [I(LD | CSize.B | CMode.ABS, 0, 0, 0), retA], { ...pkt(1, 2, 3), dataOffset: 2 }, 3],
  ['seccomp nr', [I(LD | CMode.ABS, 0, 0, 0), retA], sc({ nr: 231, arch: 0xc000003e }), 231],
  ['seccomp arch', [I(LD | CMode.ABS, 0, 0, 4), retA], sc({ nr: 231, arch: 0xc000003e }), 0xc000003e],
  ['seccomp args[1] high half (native LE)', [I(LD | CMode.ABS, 0, 0, 28), retA], sc({ nr: 0, arch: 0, args: [0, 0x1234567800000000n] }), 0x12345678],
  ['seccomp len is 64', [I(LD | CSize.W | CMode.LEN, 0, 0, 0), retA], sc({ nr: 0, arch: 0 }), 64],
];

describe.each(cases)('%s', (_name, prog, ctx, expected) => {
  it('returns the kernel value', () => {
    expect(runCbpf(prog, ctx)).toBe(expected >>> 0);
  });
});

describe('interpreter guards', () => {
  it('reports how the run ended', () => {
    expect(runCbpfDetailed(alux(CAluOp.DIV, 1, 0), P)).toMatchObject({ value: 0, exit: 'div0', pc: 2 });
    expect(runCbpfDetailed([I(LD | CMode.ABS, 0, 0, 100), retA], P)).toMatchObject({ exit: 'load', pc: 0 });
  });
  it('throws BpfError (never TypeError) on programs the kernel would reject', () => {
    expect(() => runCbpf([I(LD, 0, 0, 0)], P)).toThrow(/fell off/);
    expect(() => runCbpf([I(LD | CMode.MEM, 0, 0, 16), retA], P)).toThrow(BpfError);
    expect(() => runCbpf([I(LD | CMode.ABS, 0, 0, 2), retA], sc({ nr: 0, arch: 0 }))).toThrow(/aligned/);
    expect(() => runCbpf([I(LD | CSize.H | CMode.ABS, 0, 0, 0), retA], sc({ nr: 0, arch: 0 }))).toThrow(/seccomp/);
    expect(() => runCbpf([I(0xff, 0, 0, 0)], P)).toThrow(/unknown classic opcode/);
    expect(() => runCbpf([I(JMP, 0, 0, 5), retA], P)).toThrow(BpfError);
    expect(() => runCbpf([], P)).toThrow(BpfError);
  });
});
