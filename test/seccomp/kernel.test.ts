/**
 * Kernel-differential: classic filters compiled by bpfsim, installed and
 * evaluated by the running kernel (koracle seccomp-eval, x86_64 and i386
 * calling conventions), return what the policy model says.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { filterToHex } from '../../src/cbpf/insn.js';
import {
  compileClassic, defaultProfile, evaluatePolicy, profileToPolicy, AUDIT_ARCH, type Policy, type SyscallCall,
} from '../../src/seccomp/index.js';
import { sweepCalls } from './support/sweep.js';
import { policyArb } from './support/policies.js';

function kernelCheck(policy: Policy, form: 'linear' | 'tree', maxInputs = 4000, arch: 'x86_64' | 'i386' = 'x86_64'): void {
  const hex = filterToHex(compileClassic(policy, form));
  const audit = arch === 'i386' ? AUDIT_ARCH.I386 : AUDIT_ARCH.X86_64;
  const calls: SyscallCall[] = [];
  for (const c of sweepCalls(policy, { foreign: false })) {
    if ((c.arch >>> 0) !== audit) continue;
    // int $0x80 passes 32-bit registers: the kernel sees nr and args truncated to 32 bits
    if (arch === 'i386') {
      if (c.nr > 0xffff) continue;
      calls.push({ ...c, args: (c.args ?? []).map((a) => a & 0xffffffffn) });
    } else calls.push(c);
  }
  // keep every call with arguments, sample the plain nr sweep
  const pick = calls.filter((c, i) => (c.args?.some((a) => a !== 0n) ?? false) || i % Math.max(1, Math.ceil(calls.length / maxInputs)) === 0);
  const inputs = pick.map((c) => [String(c.nr), ...[0, 1, 2, 3, 4, 5].map((i) => '0x' + (c.args?.[i] ?? 0n).toString(16))]);
  const [res] = koracleBatch('seccomp-eval', [{ prog: hex, inputs, arch }]);
  expect(res!.status).toBe('ok');
  let compared = 0;
  pick.forEach((c, i) => {
    const want = evaluatePolicy(policy, c).ret;
    if (res!.results[i] === null) return; // koracle could not evaluate this nr (reported as BYPASS)
    compared++;
    if (res!.results[i] !== want) {
      throw new Error(`${form}: nr=${c.nr} args=${c.args?.join(',')}: kernel ${res!.results[i]}, model ${want}`);
    }
  });
  expect(compared).toBeGreaterThan(pick.length * 0.8);
}

describe.skipIf(!koracleAvailable())('kernel evaluates compiled classic filters like the model', () => {
  it.each(['linear', 'tree'] as const)('default profile, %s', (form) => {
    kernelCheck(profileToPolicy(defaultProfile(), { kernel: '6.1' }), form);
  });
  it.each(['linear', 'tree'] as const)('default profile, i386 calls (int $0x80), %s', (form) => {
    kernelCheck(profileToPolicy(defaultProfile(), { kernel: '6.1' }), form, 4000, 'i386');
  });
  it('random x86_64 policies', () => {
    fc.assert(fc.property(policyArb([['x86_64'], ['x86_64', 'x32'], ['x86_64', 'x86']]), fc.constantFrom('linear', 'tree' as const), (p, form) => {
      kernelCheck(p, form as 'linear' | 'tree', 1500);
      if (p.arches.some((a) => a.arch === 'x86')) kernelCheck(p, form as 'linear' | 'tree', 1500, 'i386');
    }), { numRuns: 8 });
  });
});
