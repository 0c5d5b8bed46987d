import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CCls, CMode, CSize, CAluOp, CJmpOp, CSrc, CRval, sockFilter as I, translateCbpf, runCbpf, type CbpfContext, type PacketContext,
} from '../../src/cbpf/index.js';
import { buildSeccompData } from '../../src/seccomp/index.js';
import { validProgram } from './gen.js';
import { runEbpf } from './mini-ebpf.js';
import { Memory } from '../../src/vm/memory.js';
import { Vm } from '../../src/vm/index.js';
import { buildSkbModel, cbpfKernelFunctions } from '../../src/vm/cbpf-skb.js';

const LD = CCls.LD, ALU = CCls.ALU, JMP = CCls.JMP, RET = CCls.RET;
const hex = (t: ReturnType<typeof translateCbpf>) => t.insns.map((x) => `${x.code.toString(16).padStart(2, '0')} ${x.dst} ${x.src} ${x.off} ${x.imm}`);

describe('bpf_convert_filter shapes', () => {
  it('prologue, seccomp load and RET K', () => {
    const t = translateCbpf([I(LD | CMode.ABS, 0, 0, 4), I(RET, 0, 0, 0x7fff0000)], 'seccomp');
    expect(hex(t)).toEqual(['ac 0 0 0 0', 'ac 7 7 0 0', 'bf 6 1 0 0', '61 0 6 4 0', 'b4 0 0 0 2147418112', '95 0 0 0 0']);
    expect(t.seenLdAbs).toBe(false);
  });
  it('jeq with both branches → jeq + ja; jt = 0 → jne; negative k → mov32 tmp', () => {
    const t = translateCbpf([
      I(JMP | CJmpOp.JEQ | CSrc.K, 1, 2, 5), I(JMP | CJmpOp.JEQ, 0, 1, 0x80000000), I(RET, 0, 0, 1), I(RET, 0, 0, 2),
    ], 'seccomp');
    expect(hex(t).slice(3)).toEqual([
      '15 0 0 3 5', '05 0 0 4 0', // jeq → classic 2 (eBPF 7), ja → classic 3 (eBPF 9)
      'b4 2 0 0 -2147483648', '5d 0 2 2 0', // w2 = k; jne r0, r2 → classic 3
      'b4 0 0 0 1', '95 0 0 0 0', 'b4 0 0 0 2', '95 0 0 0 0',
    ]);
  });
  it('div x inserts the zero check; M[] lives on the stack', () => {
    const t = translateCbpf([I(CCls.STX, 0, 0, 3), I(ALU | CAluOp.DIV | CSrc.X, 0, 0, 0), I(LD | CMode.MEM, 0, 0, 3), I(RET | CRval.A, 0, 0, 0)], 'seccomp');
    expect(hex(t).slice(3)).toEqual(['63 10 7 -16 0', 'bc 7 7 0 0', '55 7 0 2 0', 'ac 0 0 0 0', '95 0 0 0 0', '3c 0 7 0 0', '61 0 10 -16 0', '95 0 0 0 0']);
    expect(t.stackDepth).toBe(16);
  });
  it('packet loads cache skb->data and headlen', () => {
    const t = translateCbpf([I(LD | CSize.H | CMode.ABS, 0, 0, 12), I(RET | CRval.A, 0, 0, 0)], 'packet');
    expect(t.seenLdAbs).toBe(true);
    expect(t.insns.length).toBe(3 + 4 + 6 + 8 + 1);
  });
});

const seccompInput = fc.record({
  nr: fc.integer({ min: -5, max: 600 }), arch: fc.constantFrom(0xc000003e, 0x40000003, 0xc00000b7, 0),
  ip: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  args: fc.array(fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 64n })), { minLength: 6, maxLength: 6 }),
}).map((d): CbpfContext => ({ kind: 'seccomp', data: buildSeccompData(d) }));

const packetInput = fc.record({
  bytes: fc.uint8Array({ minLength: 0, maxLength: 48 }),
  dataOffset: fc.integer({ min: 0, max: 4 }),
  net: fc.integer({ min: 0, max: 20 }),
  meta: fc.record({ protocol: fc.integer({ min: 0, max: 0xffff }), mark: fc.integer({ min: 0, max: 0xffffffff }), ifindex: fc.nat(100), hasDev: fc.boolean(), cpu: fc.nat(8), vlanPresent: fc.nat(1), vlanTci: fc.nat(0xffff), vlanTpid: fc.nat(0xffff), pkttype: fc.nat(7), rxhash: fc.nat(), queue: fc.nat(0xffff), hatype: fc.nat(0xffff), random: fc.nat(), payOffset: fc.nat(60) }),
}).map(({ bytes, dataOffset, net, meta }): PacketContext => ({
  kind: 'packet', bytes, dataOffset: Math.min(dataOffset, bytes.length), netOffset: Math.min(net, bytes.length), meta,
}));

describe('equivalence: classic interpreter vs eBPF running the translation', () => {
  it('seccomp context', () => {
    fc.assert(fc.property(validProgram('seccomp', 40), fc.array(seccompInput, { minLength: 1, maxLength: 4 }), (p, inputs) => {
      const t = translateCbpf(p, 'seccomp');
      for (const ctx of inputs) expect(runEbpf(t.insns, ctx)).toBe(runCbpf(p, ctx));
    }), { numRuns: 200 });
  });
  it('packet context', () => {
    fc.assert(fc.property(validProgram('packet', 40), fc.array(packetInput, { minLength: 1, maxLength: 4 }), (p, inputs) => {
      const t = translateCbpf(p, 'packet');
      for (const ctx of inputs) expect(runEbpf(t.insns, ctx)).toBe(runCbpf(p, ctx));
    }), { numRuns: 200 });
  });
});

describe('equivalence on the bpfsim eBPF VM (src/vm)', () => {
  const runVm = (t: ReturnType<typeof translateCbpf>, ctx: CbpfContext): number => {
    const memory = new Memory();
    const mem = ctx.kind === 'seccomp' ? ctx.data.slice() : buildSkbModel(memory, ctx);
    const vm = new Vm({ memory, helpers: cbpfKernelFunctions(ctx.kind === 'packet' ? ctx : undefined) });
    return Number(vm.load(t.program).run({ mem }).r0 & 0xffffffffn);
  };
  it('seccomp context', () => {
    fc.assert(fc.property(validProgram('seccomp', 40), fc.array(seccompInput, { minLength: 1, maxLength: 4 }), (p, inputs) => {
      const t = translateCbpf(p, 'seccomp');
      for (const ctx of inputs) expect(runVm(t, ctx)).toBe(runCbpf(p, ctx));
    }), { numRuns: 100 });
  });
  it('packet context', () => {
    fc.assert(fc.property(validProgram('packet', 40), fc.array(packetInput, { minLength: 1, maxLength: 4 }), (p, inputs) => {
      const t = translateCbpf(p, 'packet');
      for (const ctx of inputs) expect(runVm(t, ctx)).toBe(runCbpf(p, ctx));
    }), { numRuns: 100 });
  });
});
