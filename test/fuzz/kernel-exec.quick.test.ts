/**
 * Quick kernel differential, eBPF execution (fixed seed, a few seconds; for
 * the default suite): 240 random kernel-accepted programs (straight-line,
 * loops, bpf-to-bpf calls) over the whole opcode table; r0 and memory must
 * equal the kernel's on the interpreter and the JIT.
 */
import { describe, expect, it } from 'vitest';
import { koracleAvailable } from '../support/koracle.js';
import { execDifferential } from './support/exec-diff.js';

describe.skipIf(!koracleAvailable())('kernel differential (quick): eBPF execution', () => {
  it('r0 and memory agree with the kernel', () => {
    const t = execDifferential(0x0dd5eed1, 240);
    expect(t.agree, t.summary()).toBeGreaterThan(200);
    expect(t.disagreements, t.summary()).toBe(0);
  });
});
