import { describe, expect, it } from 'vitest';
import {
  CCls, CSize, CMode, CAluOp, CSrc, CRval, CBPF_OPCODES, cbpfOpcode, sockFilter as I, runCbpf, runCbpfDetailed, type PacketContext, decodeFilter, encodeFilter, filterToHex, filterFromHex, type SockFilter,
} from '../../src/cbpf/index.js';
import { buildSeccompData, parseSeccompData } from '../../src/seccomp/index.js';
import { BpfError } from '../../src/errors.js';
import { Memory } from '../../src/vm/memory.js';
import { Vm } from '../../src/vm/index.js';
import { translateCbpf, type CbpfContext } from '../../src/cbpf/index.js';
import { buildSkbModel, cbpfKernelFunctions } from '../../src/vm/cbpf-skb.js';
import { loadRunVectors } from './vectors.js';
import { runEbpf } from './mini-ebpf.js';

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

const P = pkt(0x45, 0x00, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x0f);
const alux = (op: number, a: number, x: number): SockFilter[] => [I(LD | CMode.IMM, 0, 0, a), I(LDX | CMode.IMM, 0, 0, x), I(ALU | op | CSrc.X, 0, 0, 0), retA];

/** Known-answer vectors (test/cbpf/vectors/run.json), run on every backend. */
const vectors = loadRunVectors();
const runVm = (t: ReturnType<typeof translateCbpf>, ctx: CbpfContext): number => {
  const memory = new Memory();
  const mem = ctx.kind === 'seccomp' ? ctx.data.slice() : buildSkbModel(memory, ctx);
  return Number(new Vm({ memory, helpers: cbpfKernelFunctions(ctx.kind === 'packet' ? ctx : undefined) }).load(t.program).run({ mem }).r0 & 0xffffffffn);
};
describe.each(vectors)('$name', ({ filter, ctx, ret }) => {
  it('classic interpreter returns the kernel value', () => {
    expect(runCbpf(filter, ctx)).toBe(ret);
  });
  it('the translation returns it on the eBPF oracle and on the VM', () => {
    const t = translateCbpf(filter, ctx.kind);
    expect(runEbpf(t.insns, ctx)).toBe(ret);
    expect(runVm(t, ctx)).toBe(ret);
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
