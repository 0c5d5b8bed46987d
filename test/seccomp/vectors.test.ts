/** Evaluation vectors (test/seccomp/vectors/eval-cases.json) run on the model and every compiled form. */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  defaultProfile, parseProfile, profileToPolicy, makeEvaluator, requireArch, resolveSyscall, parseAction, formatAction,
  FORM_NAMES, parseJsonExact, type Evaluator, type JsonValue,
} from '../../src/seccomp/index.js';

interface Case {
  name: string;
  profile: 'default' | Record<string, unknown>;
  target: { arch: string; kernel: string; caps?: string[] };
  calls: { syscall: string | number; abi?: string; args?: (number | string)[]; expect: string }[];
}
// parseJsonExact keeps 64-bit profile values exact (JSON.parse would round them)
const CASES = parseJsonExact(readFileSync(new URL('./vectors/eval-cases.json', import.meta.url), 'utf8')) as unknown as Case[];

describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
  const prof = c.profile === 'default' ? defaultProfile() : parseProfile(c.profile as unknown as JsonValue);
  const policy = profileToPolicy(prof, c.target);
  const evs: Evaluator[] = FORM_NAMES.map((f) => makeEvaluator(policy, f));
  it.each(c.calls.map((k) => [`${k.syscall}${k.abi ? `@${k.abi}` : ''}(${(k.args ?? []).join(', ')}) → ${k.expect}`, k] as const))('%s', (_t, k) => {
    const abi = requireArch(k.abi ?? policy.arches[0]!.arch);
    const nr = resolveSyscall(abi, k.syscall);
    const args = (k.args ?? []).map((a) => BigInt(a));
    for (const ev of evs) {
      expect(formatAction(ev.run({ nr, arch: abi.audit, args })), ev.form).toBe(formatAction(parseAction(k.expect)));
    }
  });
});
