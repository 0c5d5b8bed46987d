/**
 * Targeted kernel-differential cases for the parts the random harness
 * (kdiff.ts) leaves out: the path fork of `maybe_fork_scalars` (aluFork) and
 * the scalars produced by narrow loads of unknown map-value bytes
 * (scalarLoadUnknown: coerce_reg_to_size / coerce_reg_to_size_sx).
 */
import { describe, expect, it } from 'vitest';
import {
  type AluOpName, aluFork, formatScalar, scalarAlu, scalarConst, scalarLoadUnknown, scalarUnknown,
} from '../../../src/verifier/scalar/index.js';
import { koracleAvailable, koracleBatch } from '../../support/koracle.js';

function insn(code: number, dst: number, src: number, off: number, imm: number): string {
  const b = Buffer.alloc(8);
  b[0] = code;
  b[1] = dst | (src << 4);
  b.writeInt16LE(off, 2);
  b.writeInt32LE(imm | 0, 4);
  return b.toString('hex');
}

/** `R<reg>=...` printed after the instruction at `pc` (first visit) and at the start of branches from `pc`. */
function regAt(log: string, pc: number, reg: number): { after?: string; branch?: string } {
  const out: { after?: string; branch?: string } = {};
  for (const line of log.split('\n')) {
    const m = new RegExp(`^${pc}: \\([0-9a-f]{2}\\)[^;]*; (.*)$`).exec(line);
    const f = new RegExp(`^from ${pc} to \\d+: (.*)$`).exec(line);
    const text = m?.[1] ?? f?.[1];
    if (text === undefined) continue;
    const r = new RegExp(`(?:^|\\s)R${reg}=(\\S*?(?:\\(0x[0-9a-f]+; 0x[0-9a-f]+\\)\\))?)(?=\\s|$)`).exec(text);
    if (!r) continue;
    if (m && out.after === undefined) out.after = r[1];
    if (f) out.branch = r[1];
  }
  return out;
}

const UNKNOWN_R6 = [insn(0x85, 0, 0, 0, 5), insn(0xbf, 6, 0, 0, 0), insn(0xa7, 6, 0, 0, 0)];
const EXIT = [insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)];

describe.skipIf(!koracleAvailable())('kernel: maybe_fork_scalars', () => {
  // r6 in [-1, 0] from an arithmetic shift (64-bit: s>>= 63; 32-bit: w s>>= 31), then and/or with a constant.
  const cases: [string, boolean, AluOpName, number][] = [
    ['r6 s>>= 63; r6 &= 5', true, 'and', 5], ['r6 s>>= 63; r6 |= 6', true, 'or', 6],
    ['w6 s>>= 31; w6 &= 7', false, 'and', 7], ['w6 s>>= 31; w6 |= 0x100', false, 'or', 0x100],
  ];
  const progs = cases.map(([, is64, op, k]) => [
    ...UNKNOWN_R6,
    insn(is64 ? 0xc7 : 0xc4, 6, 0, 0, is64 ? 63 : 31),
    insn((is64 ? 0x07 : 0x04) | (op === 'and' ? 0x50 : 0x40), 6, 0, 0, k),
    ...EXIT,
  ].join(''));
  const res = koracleAvailable() ? koracleBatch('ebpf-load', progs.map((prog) => ({ prog, log_level: 2 }))) : [];
  it.each(cases.map((c, i) => [c[0], i] as const))('%s', (_name, i) => {
    const [, is64, op, k] = cases[i]!;
    const shifted = scalarAlu('arsh', is64, scalarUnknown(), scalarConst(is64 ? 63n : 31n));
    const fork = aluFork(op, shifted, scalarConst(BigInt(k)));
    expect(fork).not.toBeNull();
    const [cur, pushed] = fork!;
    const log = String(res[i]!.log);
    const at = regAt(log, 4, 6);
    expect(at.after).toBe(formatScalar(scalarAlu(op, is64, cur, scalarConst(BigInt(k)))));
    // the pushed branch re-executes the same insn with the 0 variant: "from 4 to 4: ... R6=0"
    expect(regAt(log, 4, 6).branch).toBe(formatScalar(pushed));
  });
});

describe.skipIf(!koracleAvailable())('kernel: narrow loads of unknown map-value bytes', () => {
  const loads: [string, number, 1 | 2 | 4 | 8, boolean][] = [
    ['u8', 0x71, 1, false], ['u16', 0x69, 2, false], ['u32', 0x61, 4, false], ['u64', 0x79, 8, false],
    ['s8', 0x91, 1, true], ['s16', 0x89, 2, true], ['s32', 0x81, 4, true],
  ];
  const prog = (code: number): string => [
    insn(0x18, 1, 1, 0, 0), insn(0, 0, 0, 0, 0), // r1 = map[0]
    insn(0xbf, 2, 10, 0, 0), insn(0x07, 2, 0, 0, -4), insn(0x62, 10, 0, -4, 0), // r2 = fp-4; *(u32 *)(fp-4) = 0
    insn(0x85, 0, 0, 0, 1), // call map_lookup_elem
    insn(0x15, 0, 0, 1, 0), // if r0 == 0 goto +1
    insn(code, 6, 0, 0, 0), // pc 7 (ld_imm64 takes two slots): r6 = *(size *)(r0 + 0)
    ...EXIT,
  ].join('');
  const res = koracleAvailable()
    ? koracleBatch('ebpf-load', loads.map(([, code]) => ({ prog: prog(code), log_level: 2, maps: ['array,key=4,value=16,entries=1'] })))
    : [];
  it.each(loads.map((l, i) => [l[0], i] as const))('%s', (_name, i) => {
    const [, , size, sx] = loads[i]!;
    expect(res[i]!.status).toBe('accepted');
    expect(regAt(String(res[i]!.log), 7, 6).after).toBe(formatScalar(scalarLoadUnknown(size, sx)));
  });
});
