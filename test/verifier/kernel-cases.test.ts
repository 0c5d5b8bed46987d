/**
 * The 540 socket_filter core cases of the Linux verifier selftests, as decided
 * by a real Linux 6.18 kernel (root): accept/reject must agree on ≥ 95%.
 * Writes a report of disagreements by group to $BPFSIM_REPORT_DIR (default: <tmpdir>/bpfsim-verifier-reports).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/verifier/index.js';
import { sharedPath } from '../support/shared.js';
import { type KernelCase, caseInput, readCases } from './kernel-cases.js';

const CORE = sharedPath('conformance', 'kernel-verifier', 'kernel_cases_socket_filter_core.jsonl');
const FULL = sharedPath('conformance', 'kernel-verifier', 'kernel_cases.jsonl');

interface Outcome { c: KernelCase; accepted: boolean; message: string }

function runAll(cases: KernelCase[]): Outcome[] {
  return cases.map((c) => {
    const inp = caseInput(c);
    const r = verify(inp.bytes, { progType: inp.progType, maps: inp.maps, progFlags: inp.progFlags, insnLimit: 1_000_000 });
    return { c, accepted: r.accepted, message: r.message };
  });
}

function report(title: string, out: Outcome[]): { agree: number; msgAgree: number; text: string } {
  const bad = out.filter((o) => o.accepted !== (o.c.kernel_here === 'accept'));
  const msgAgree = out.filter((o) => o.accepted === (o.c.kernel_here === 'accept') && (o.accepted || o.message === o.c.kernel_msg)).length;
  const byGroup = new Map<string, Outcome[]>();
  for (const o of bad) { const l = byGroup.get(o.c.group) ?? []; l.push(o); byGroup.set(o.c.group, l); }
  const lines = [`# ${title}`, `agreement ${out.length - bad.length}/${out.length} (${(100 * (out.length - bad.length) / out.length).toFixed(1)}%), message agreement ${msgAgree}/${out.length}`, ''];
  for (const [g, l] of [...byGroup].sort((a, b) => b[1].length - a[1].length)) {
    lines.push(`## ${g} (${l.length})`);
    for (const o of l) lines.push(`- ${o.c.name}: kernel ${o.c.kernel_here} "${o.c.kernel_msg}" / bpfsim ${o.accepted ? 'accept' : `reject "${o.message}"`}`);
  }
  return { agree: out.length - bad.length, msgAgree, text: lines.join('\n') + '\n' };
}

function writeReport(name: string, text: string): void {
  const dir = process.env.BPFSIM_REPORT_DIR ?? join(tmpdir(), 'bpfsim-verifier-reports');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), text);
}

describe.skipIf(!CORE)('kernel verifier cases: socket_filter core (Linux 6.18, root)', () => {
  it('agrees with the kernel on at least 95% of the 540 cases', () => {
    const cases = readCases(CORE!);
    expect(cases.length).toBe(540);
    const out = runAll(cases);
    const r = report('socket_filter core', out);
    writeReport('socket-filter-core.md', r.text);
    console.log(r.text.split('\n').slice(0, 2).join('\n'));
    expect(r.agree / cases.length).toBeGreaterThanOrEqual(0.95);
  });
});

describe.skipIf(!FULL)('kernel verifier cases: all 1,273 (informational)', () => {
  it('writes the full report; never accepts what the kernel rejects', () => {
    const out = runAll(readCases(FULL!));
    const r = report('all kernel cases (informational: agreement not asserted)', out);
    writeReport('all-cases.md', r.text);
    console.log(r.text.split('\n').slice(0, 2).join('\n'));
    expect(out.length).toBe(1273);
    // Where bpfsim disagrees it must be the stricter side (unmodelled helpers and contexts).
    const looser = out.filter((o) => o.accepted && o.c.kernel_here === 'reject').map((o) => o.c.name);
    expect(looser).toEqual([]);
  });
});
