/**
 * Quick kernel differential, verifier (fixed seeds, a few seconds; for the
 * default suite): the minimised reproducers of docs/kernel-diff-findings.md
 * (open ones with `it.fails`), the ctx access sweep for socket_filter and
 * xdp, and 150 random mutated programs whose accept/reject must agree except
 * for the categories of still-open findings.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, verify } from '../../src/index.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { kernelMessage } from './support/exec-diff.js';
import { VERDICT_VECTORS } from './support/verdict-vectors.js';
import { verdictDifferential } from './support/verdict-diff.js';

/** Disagreement categories of open findings (regexes over Tally category names). */
const KNOWN_OPEN: ReadonlyArray<[string, RegExp]> = [
  ['V1', /bpfsim rejects: "(BPF_\w+(\/JMP32)?|BPF_LD_\[ABS\|IND\]) uses reserved fields|bpfsim rejects: "R1[1-5] is invalid/],
  ['V2', /kernel rejects "invalid bpf_context access off=N size=N", bpfsim accepts/],
  ['V3', /program of this type cannot use helper/],
  ['V10', /kernel rejects ".*", bpfsim accepts/],
  ['V11', /unknown opcode/],
  ['V12', /kernel accepts, bpfsim rejects: "BPF program is too large/],
];

describe.skipIf(!koracleAvailable())('kernel differential (quick): verifier', () => {
  describe.each(VERDICT_VECTORS.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    (v.open ? it.fails : it)(`${v.finding}: same verdict${v.message ? ' and message' : ''} as the kernel`, () => {
      const [k] = koracleBatch('ebpf-load', [{ prog: v.hex, type: v.progType, log_level: 1, maps: v.arrayMap ? ['array,key=4,value=64,entries=1'] : [] }]);
      const maps = v.arrayMap ? [{ type: 'array' as const, keySize: 4, valueSize: 64, maxEntries: 1, flags: 0 }] : [];
      // V12 vectors explode in bpfsim: a reduced budget keeps the quick test quick (the kernel needs < 1,000 insns).
      const b = verify(hexToBytes(v.hex), { progType: v.progType, maps, insnLimit: v.arrayMap ? 50_000 : undefined });
      expect(b.accepted, `kernel: ${k!.status} ${kernelMessage(k!)}; bpfsim: ${b.message}`).toBe(k!.status === 'accepted');
      if (v.message && !b.accepted) expect(b.message).toBe(kernelMessage(k!));
    });
  });
  it('random mutated programs: no disagreement outside the open findings', () => {
    const { verdict } = verdictDifferential(0x0dd5eed6, 150, false, 5_000);
    const unknown = [...verdict.disagree.keys()].filter((c) => !KNOWN_OPEN.some(([, re]) => re.test(c)));
    expect(verdict.agree).toBeGreaterThan(110);
    expect(unknown, verdict.summary()).toEqual([]);
  });
  it('the vectors are well-formed hex', () => {
    for (const v of VERDICT_VECTORS) expect(bytesToHex(hexToBytes(v.hex))).toBe(v.hex);
  });
});
