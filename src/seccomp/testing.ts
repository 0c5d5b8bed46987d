/**
 * Test matchers for seccomp policies (vitest / jest `expect.extend`):
 *
 * ```ts
 * // vitest.setup.ts
 * import { expect } from 'vitest';
 * import { installMatchers, type SeccompMatchers } from 'bpfsim';
 * installMatchers(expect);
 * declare module 'vitest' { interface Assertion<T = any> extends SeccompMatchers<T> {} }
 *
 * // a test
 * const policy = loadPolicy('profiles/app.json', { kernel: '6.1' });
 * expect(policy).toAllow('openat', { args: [-100, 0, 0x80000] });
 * expect(policy).toDeny('ptrace');
 * expect(policy).toReturnAction('personality', 'ERRNO(38)', { args: [0x40000] });
 * ```
 *
 * The received value is a {@link Policy}, a parsed {@link SeccompProfile}
 * (translated with the options' target), or an {@link Evaluator} (a compiled form).
 * The library never imports a test framework: `installMatchers` takes `expect`.
 */
import { decodeAction, formatAction, parseAction } from './actions.js';
import { requireArch, resolveSyscall } from './arch.js';
import { makeEvaluator, type Evaluator, type FormName } from './forms.js';
import { evaluatePolicy, type Policy } from './policy.js';
import { profileToPolicy, type TranslateOptions } from './profile/translate.js';
import type { SeccompProfile } from './profile/types.js';

/** Options of the matchers. */
export interface CallOptions extends TranslateOptions {
  /** Up to six arguments (numbers, bigints, decimal / 0x strings; negatives wrap to u64). */
  readonly args?: readonly (number | bigint | string)[];
  /** ABI of the call (default: the policy's native arch). */
  readonly abi?: string;
  /** Evaluate through a compiled form instead of the model (linear, tree, array). */
  readonly form?: FormName;
}

/** The matcher signatures, for declaration merging into your framework's Assertion type. */
export interface SeccompMatchers<R = unknown> {
  /** The call is allowed (ALLOW or LOG). */
  toAllow(syscall: string | number, opts?: CallOptions): R;
  /** The call is not allowed (any action other than ALLOW / LOG). */
  toDeny(syscall: string | number, opts?: CallOptions): R;
  /**
   * The call gets exactly this action (`'ERRNO(1)'`, `'KILL_PROCESS'`, `'ALLOW'`) or u32 value.
   * (Not named `toReturn`: vitest and jest already use that name for mock functions.)
   */
  toReturnAction(syscall: string | number, expected: string | number, opts?: CallOptions): R;
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

function isPolicy(v: unknown): v is Policy {
  return typeof v === 'object' && v !== null && Array.isArray((v as Policy).arches) && 'defaultAction' in (v as object) && 'badArchAction' in (v as object);
}
function isProfile(v: unknown): v is SeccompProfile {
  return typeof v === 'object' && v !== null && typeof (v as SeccompProfile).defaultAction === 'string' && Array.isArray((v as SeccompProfile).syscalls);
}
function isEvaluator(v: unknown): v is Evaluator {
  return typeof v === 'object' && v !== null && typeof (v as Evaluator).run === 'function' && typeof (v as Evaluator).form === 'string';
}

function u64(v: number | bigint | string): bigint {
  const b = typeof v === 'bigint' ? v : BigInt(typeof v === 'string' ? v.trim() : Math.trunc(v));
  return BigInt.asUintN(64, b);
}

/**
 * Evaluates one call against a policy, profile or compiled form.
 * @returns the u32 filter value and a label of the call.
 * @throws TypeError-free: BpfError for unknown syscalls / arches; an Error for an unsupported received value.
 */
export function evaluateCall(received: unknown, syscall: string | number, opts: CallOptions = {}): { ret: number; label: string } {
  let policy: Policy | undefined;
  let ev: Evaluator | undefined;
  if (isPolicy(received)) policy = received;
  else if (isProfile(received)) policy = profileToPolicy(received, opts);
  else if (isEvaluator(received)) ev = received;
  else throw new Error('expected a seccomp Policy, SeccompProfile or compiled Evaluator');
  const abiName = opts.abi ?? policy?.arches[0]?.arch ?? opts.arch ?? 'x86_64';
  const abi = requireArch(abiName);
  const nr = resolveSyscall(abi, syscall);
  const args = (opts.args ?? []).map(u64);
  if (policy && opts.form !== undefined && opts.form !== 'model') ev = makeEvaluator(policy, opts.form);
  const call = { nr, arch: abi.audit, args };
  const ret = ev ? ev.run(call) : evaluatePolicy(policy!, call).ret;
  const label = `${typeof syscall === 'number' ? `syscall ${syscall}` : syscall}(${args.map((a) => '0x' + a.toString(16)).join(', ')}) on ${abi.name}`;
  return { ret, label };
}

function allows(ret: number): boolean {
  const a = decodeAction(ret).action;
  return a === 'ALLOW' || a === 'LOG';
}

/** The matcher implementations (plain functions, usable with any `expect.extend`). */
export const seccompMatchers = {
  toAllow(received: unknown, syscall: string | number, opts?: CallOptions): MatcherResult {
    const { ret, label } = evaluateCall(received, syscall, opts);
    const pass = allows(ret);
    return { pass, message: () => (pass ? `expected ${label} not to be allowed, but it gets ${formatAction(ret)}` : `expected ${label} to be allowed, but it gets ${formatAction(ret)}`) };
  },
  toDeny(received: unknown, syscall: string | number, opts?: CallOptions): MatcherResult {
    const { ret, label } = evaluateCall(received, syscall, opts);
    const pass = !allows(ret);
    return { pass, message: () => (pass ? `expected ${label} not to be denied, but it gets ${formatAction(ret)}` : `expected ${label} to be denied, but it gets ${formatAction(ret)}`) };
  },
  toReturnAction(received: unknown, syscall: string | number, expected: string | number, opts?: CallOptions): MatcherResult {
    const { ret, label } = evaluateCall(received, syscall, opts);
    const want = typeof expected === 'number' ? expected >>> 0 : parseAction(expected);
    const pass = ret === want;
    return { pass, message: () => `expected ${label} ${pass ? 'not ' : ''}to return ${formatAction(want)}, got ${formatAction(ret)}` };
  },
};

/** Registers the matchers with a test framework's `expect` (vitest, jest). */
export function installMatchers(expect: { extend(matchers: Record<string, (...a: never[]) => unknown>): void }): void {
  expect.extend(seccompMatchers as unknown as Record<string, (...a: never[]) => unknown>);
}
