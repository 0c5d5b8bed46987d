/**
 * Kernel-differential: random valid seccomp filters evaluated by the running
 * kernel (koracle seccomp-eval, arch x86_64) and by the classic interpreter.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { filterToHex, runCbpf, type SockFilter, cbpfOpcode } from '../../src/cbpf/index.js';
import { buildSeccompData, formatAction } from '../../src/seccomp/index.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { validProgram } from './gen.js';

const X86_64 = 0xc000003e;
const readsIp = (p: SockFilter[]) => p.some((f) => cbpfOpcode(f.code)?.kind === 'ld_abs' && (f.k === 8 || f.k === 12));

function inputsFor(p: SockFilter[], rnd: () => number): bigint[][] {
  const ks = [...new Set(p.map((f) => f.k >>> 0))];
  const pick = (): bigint => {
    const r = rnd();
    if (r < 0.4 && ks.length) return BigInt(ks[Math.floor(rnd() * ks.length)]!);
    if (r < 0.6) return BigInt(Math.floor(rnd() * 500));
    if (r < 0.8) return (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(ks.length ? ks[Math.floor(rnd() * ks.length)]! : 0);
    return BigInt(Math.floor(rnd() * 2 ** 32)) << 32n | BigInt(Math.floor(rnd() * 2 ** 32));
  };
  const out: bigint[][] = [];
  for (let i = 0; i < 12; i++) {
    let nr = pick() & 0xffffffffn;
    if (nr === 335n || nr === 336n) nr = 1n; // uretprobe/uprobe bypass seccomp on x86_64 (koracle README §5)
    out.push([nr, pick(), pick(), pick(), pick(), pick(), pick()]);
  }
  return out;
}

/** A seeded linear congruential generator of floats in [0, 1). */
function lcg(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

describe.skipIf(!koracleAvailable())('kernel-differential: random seccomp filters (koracle seccomp-eval)', () => {
  it('return the same 32-bit values as the kernel', () => {
    const rnd = lcg(12345);
    const progs = fc.sample(validProgram('seccomp', 32), { numRuns: 120, seed: 7 }).filter((p) => !readsIp(p));
    const cases = progs.map((p) => ({ prog: p, inputs: inputsFor(p, rnd) }));
    const res = koracleBatch('seccomp-eval', cases.map((c) => ({
      prog: filterToHex(c.prog), arch: 'x86_64', inputs: c.inputs.map((a) => a.map((v) => '0x' + v.toString(16))),
    })));
    let compared = 0, retA = 0;
    const seen = new Set<string>();
    cases.forEach((c, i) => {
      const r = res[i]!;
      expect(r.status, JSON.stringify(r)).toBe('ok');
      if (r.ret_a) retA++;
      c.inputs.forEach((a, j) => {
        const mine = runCbpf(c.prog, { kind: 'seccomp', data: buildSeccompData({ nr: Number(a[0]!) | 0, arch: X86_64, args: a.slice(1) }) });
        const kern = r.results[j];
        if (kern === null) return;
        compared++;
        seen.add(formatAction(mine).replace(/\(.*/, ''));
        expect({ prog: filterToHex(c.prog), input: a.map(String), value: mine }).toEqual({ prog: filterToHex(c.prog), input: a.map(String), value: kern });
      });
    });
    expect(compared).toBeGreaterThan(1000);
    expect(retA).toBeGreaterThan(10);
  });
  it('i386 (int $0x80): the kernel sees arch AUDIT_ARCH_I386 and 32-bit nr/args, zero-extended', () => {
    const rnd = lcg(777);
    const progs = fc.sample(validProgram('seccomp', 32), { numRuns: 60, seed: 8 }).filter((p) => !readsIp(p));
    const cases = progs.map((p) => ({ prog: p, inputs: inputsFor(p, rnd) }));
    const res = koracleBatch('seccomp-eval', cases.map((c) => ({
      prog: filterToHex(c.prog), arch: 'i386', inputs: c.inputs.map((a) => a.map((v) => '0x' + v.toString(16))),
    })));
    let compared = 0;
    cases.forEach((c, i) => {
      const r = res[i]!;
      expect(r.status, JSON.stringify(r)).toBe('ok');
      c.inputs.forEach((a, j) => {
        const kern = r.results[j];
        if (kern === null) return;
        compared++;
        const args = a.slice(1).map((v) => v & 0xffffffffn);
        const mine = runCbpf(c.prog, { kind: 'seccomp', data: buildSeccompData({ nr: Number(a[0]! & 0xffffffffn) | 0, arch: 0x40000003, args }) });
        expect({ prog: filterToHex(c.prog), input: a.map(String), value: mine }).toEqual({ prog: filterToHex(c.prog), input: a.map(String), value: kern });
      });
    });
    expect(compared).toBeGreaterThan(500);
  });
});
