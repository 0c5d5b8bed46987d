/**
 * The simulator's fast paths change nothing: every classic engine and the
 * model give the same report and the same per-call decisions; sync and async
 * call streams give the same report; unresolved arguments are flagged only
 * where the policy has argument rules for the call.
 */
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import {
  simulateTrace, profileToPolicy, defaultProfile, syscallsOf, type CallDecision, type SimulationReport,
} from '../../src/seccomp/index.js';
import { readTraceFile } from '../../src/trace/index.js';
import type { TraceCall } from '../../src/trace/types.js';

const policy = profileToPolicy(defaultProfile(), { arch: 'x86_64', kernel: '6.1', caps: [] });
const TRACE = join(import.meta.dirname, '../../data/traces/example.strace');

function synthetic(n: number): TraceCall[] {
  const table = syscallsOf('x86_64');
  const vals = [0n, 8n, 0x20000n, 0x7e020000n, undefined, 0xffffffffn, 1n << 40n];
  const out: TraceCall[] = [];
  let s = 99;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const e = table[s % table.length]!;
    const c: TraceCall = i % 97 === 0
      ? { line: i + 1, name: 'no_such_call', args: [] }
      : i % 13 === 0
        ? { line: i + 1, nr: e.nr, arch: i % 26 === 0 ? 'x86' : 'x86_64', args: [vals[s % 7], vals[(s >>> 3) % 7]] }
        : { line: i + 1, pid: 7, name: e.name, args: [vals[s % 7], 1n, vals[(s >>> 5) % 7], 0n, 0n, 0n, 5n] };
    out.push(c);
  }
  return out;
}

async function run(calls: Iterable<TraceCall> | AsyncIterable<TraceCall>, opts: Parameters<typeof simulateTrace>[2]): Promise<{ report: SimulationReport; decisions: CallDecision[] }> {
  const decisions: CallDecision[] = [];
  const report = await simulateTrace(policy, calls, { ...opts, onDecision: (d) => decisions.push(d) });
  return { report, decisions };
}

async function* asAsync<T>(xs: T[]): AsyncGenerator<T> {
  for (const x of xs) yield x;
}

describe('simulation fast paths', () => {
  const calls = synthetic(4000);

  it('all classic engines, the model and the array form give the same report and decisions', async () => {
    const ref = await run(calls, { form: 'linear', engine: 'interp' });
    expect(ref.report.calls).toBe(4000);
    expect(ref.report.denied).toBeGreaterThan(0);
    expect(ref.report.unresolved.length).toBe(1);
    for (const o of [{ form: 'linear', engine: 'fast' }, { form: 'linear', engine: 'js' }, { form: 'tree', engine: 'js' }, { form: 'tree', engine: 'fast' }] as const) {
      const got = await run(calls, o);
      expect({ ...got.report, form: 'linear' }, JSON.stringify(o)).toEqual(ref.report);
      expect(got.decisions).toEqual(ref.decisions);
    }
    for (const form of ['model', 'array'] as const) {
      const got = await run(calls, { form });
      expect({ ...got.report, form: 'linear' }, form).toEqual(ref.report);
      expect(got.decisions).toEqual(ref.decisions);
    }
  });

  it('without the action cache too', async () => {
    const ref = await run(calls, { form: 'model', cache: false });
    const got = await run(calls, { form: 'linear', engine: 'js', cache: false });
    expect(got.report.cacheHits).toBe(0);
    expect({ ...got.report, form: 'model' }).toEqual(ref.report);
    expect(got.decisions).toEqual(ref.decisions);
  });

  it('sync and async streams give the same report', async () => {
    const a = await run(calls, {});
    const b = await run(asAsync(calls), {});
    expect(b).toEqual(a);
  });

  it('unresolved arguments count only for calls with argument rules', async () => {
    const r = await simulateTrace(policy, [
      { line: 1, name: 'personality', args: [undefined] },
      { line: 2, name: 'read', args: [undefined, undefined, undefined] },
      { line: 3, name: 'clone', args: [undefined] },
    ]);
    const withRules = new Set(policy.arches.flatMap((p) => p.rules.filter((x) => x.conditions.length > 0).map((x) => x.nr)));
    expect(withRules.has(135)).toBe(true); // personality has argument rules in the default profile
    expect(withRules.has(0)).toBe(false);
    expect(r.argsUnresolved).toBe([135, 0, 56].filter((nr) => withRules.has(nr)).length);
    expect(r.argsUnresolved).toBeGreaterThanOrEqual(1);
  });

  it('the bundled trace: engines agree on the real strace file', async () => {
    const a = await run(readTraceFile(TRACE), { engine: 'interp' });
    const b = await run(readTraceFile(TRACE), { engine: 'js' });
    expect(a.report.calls).toBeGreaterThan(1000);
    expect(b).toEqual(a);
  });
});
