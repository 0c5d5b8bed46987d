/**
 * Trace simulation: every call of a trace through a compiled policy, with the
 * kernel's action cache (kernel/seccomp.c seccomp_cache_check_allow: calls
 * whose number is const-allow for the arch never run the filter), and a
 * summary of what would be denied.
 */
import type { TraceCall } from '../trace/types.js';
import { decodeAction, formatAction } from './actions.js';
import { SeccompActionCache, X86_64_CACHE_ARCHES } from './action-cache.js';
import { compileClassic } from './compile/classic.js';
import { archByName, requireArch, syscallName, syscallNumber, type ArchInfo } from './arch.js';
import { makeEvaluator, type FormName } from './forms.js';
import type { Policy } from './policy.js';
import type { ClassicEngine } from './compile/run.js';

/** Options of {@link simulateTrace}. */
export interface SimulateOptions {
  /** Compiled form to run (default linear). */
  readonly form?: FormName;
  /** Engine for the classic forms: `fast` (default, the interpreter's seccomp fast path), `js` (compiled to JavaScript) or `interp`. */
  readonly engine?: ClassicEngine;
  /** ABI of calls that do not name one (default: the policy's native arch). */
  readonly arch?: string;
  /** Model the kernel's action cache (default true; x86_64/i386 kernels only, as the kernel caches those). */
  readonly cache?: boolean;
  /** Called for every decision (streaming output). */
  readonly onDecision?: (d: CallDecision) => void;
  /** Called every `progressEvery` calls. */
  readonly onProgress?: (calls: number) => void;
  readonly progressEvery?: number;
}

/** The decision for one traced call. */
export interface CallDecision {
  readonly line: number;
  readonly pid?: number;
  /** Syscall name (from the trace, or resolved from the number). */
  readonly name: string;
  /** Number used, or undefined when the name is unknown on the ABI. */
  readonly nr?: number;
  readonly arch: string;
  /** u32 filter value; undefined when the call could not be resolved. */
  readonly ret?: number;
  /** Action text (`ALLOW`, `ERRNO(1)`), or `UNRESOLVED`. */
  readonly action: string;
  /** The kernel would not have run the filter (action cache). */
  readonly cached: boolean;
  /** Some argument could not be resolved from the trace text (treated as 0). */
  readonly argsUnresolved: boolean;
}

/** One row of the denial summary. */
export interface DenialRow {
  readonly syscall: string;
  readonly nr?: number;
  readonly arch: string;
  readonly action: string;
  readonly count: number;
  readonly firstLine: number;
}

/** What a simulation found. */
export interface SimulationReport {
  readonly form: FormName;
  readonly calls: number;
  readonly allowed: number;
  /** Calls whose action is neither ALLOW nor LOG. */
  readonly denied: number;
  /** Calls the kernel's action cache would have answered without running the filter. */
  readonly cacheHits: number;
  /** Whether the cache was modelled. */
  readonly cacheModelled: boolean;
  readonly byAction: Readonly<Record<string, number>>;
  /** Denied calls grouped by syscall and action, in order of first appearance. */
  readonly denials: readonly DenialRow[];
  /** Names the syscall tables do not know (not evaluated). */
  readonly unresolved: readonly DenialRow[];
  /** Calls where a relevant argument was unresolved text (decided with 0). */
  readonly argsUnresolved: number;
}

/** True when an action lets the call run (ALLOW, LOG). */
export function actionAllows(ret: number): boolean {
  const a = decodeAction(ret).action;
  return a === 'ALLOW' || a === 'LOG';
}

/**
 * Simulates a policy over a stream of traced calls.
 * @throws BpfError from compilation (never from individual calls: unknown names are reported).
 */
export async function simulateTrace(policy: Policy, calls: AsyncIterable<TraceCall> | Iterable<TraceCall>, opts: SimulateOptions = {}): Promise<SimulationReport> {
  const form = opts.form ?? 'linear';
  const ev = makeEvaluator(policy, form, opts.engine === undefined ? {} : { engine: opts.engine });
  const defArch = requireArch(opts.arch ?? policy.arches[0]?.arch ?? 'x86_64');
  const cacheOn = opts.cache !== false;
  const cache = new SeccompActionCache(X86_64_CACHE_ARCHES);
  if (cacheOn) cache.addFilter(ev.classic ?? compileClassic(policy, 'linear'));
  const byAction: Record<string, number> = {};
  const denials = new Map<string, DenialRow & { count: number }>();
  const unresolved = new Map<string, DenialRow & { count: number }>();
  // per-call work is kept allocation-free: verdict text per return value, the
  // syscall numbers with argument rules per ABI, and one reused call object
  const verdicts = new Map<number, { action: string; allows: boolean }>();
  const argRules = new Map<string, Set<number>>();
  for (const p of policy.arches) {
    let set = argRules.get(p.arch);
    if (set === undefined) argRules.set(p.arch, (set = new Set()));
    for (const r of p.rules) if (r.conditions.length > 0) set.add(r.nr);
  }
  const args: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n];
  const call = { nr: 0, arch: 0, args };
  const onDecision = opts.onDecision;
  const onProgress = opts.onProgress;
  let n = 0;
  let allowed = 0;
  let denied = 0;
  let cacheHits = 0;
  let argsUnresolved = 0;
  const every = opts.progressEvery ?? 10_000;
  const step = (c: TraceCall): void => {
    n++;
    let abi: ArchInfo = defArch;
    if (c.arch !== undefined) abi = archByName(c.arch) ?? defArch;
    const nr = c.nr ?? (c.name === undefined ? undefined : syscallNumber(abi, c.name));
    const name = c.name ?? (nr === undefined ? '?' : syscallName(abi, nr) ?? `syscall_${nr}`);
    if (nr === undefined) {
      const k = `${name}|${abi.name}`;
      const u = unresolved.get(k);
      if (u) u.count++;
      else unresolved.set(k, { syscall: name, arch: abi.name, action: 'UNRESOLVED', count: 1, firstLine: c.line });
      byAction.UNRESOLVED = (byAction.UNRESOLVED ?? 0) + 1;
      if (onDecision !== undefined) {
        const base = { line: c.line, name, arch: abi.name, ...(c.pid === undefined ? {} : { pid: c.pid }) };
        onDecision({ ...base, action: 'UNRESOLVED', cached: false, argsUnresolved: false });
      }
      return;
    }
    const ca = c.args;
    let hasUnknownArg = false;
    for (let i = 0; i < ca.length; i++) if (ca[i] === undefined) { hasUnknownArg = true; break; }
    let ret: number;
    let cached = false;
    if (cacheOn && cache.isCachedAllow(nr, abi.audit)) {
      cached = true;
      cacheHits++;
      ret = 0x7fff0000;
    } else {
      for (let i = 0; i < 6; i++) args[i] = ca[i] ?? 0n;
      call.nr = nr;
      call.arch = abi.audit;
      ret = ev.run(call);
    }
    let v = verdicts.get(ret);
    if (v === undefined) verdicts.set(ret, (v = { action: formatAction(ret), allows: actionAllows(ret) }));
    const action = v.action;
    byAction[action] = (byAction[action] ?? 0) + 1;
    // an unresolved argument matters only where the policy has argument rules for this call
    const relevant = hasUnknownArg && argRules.get(abi.name)?.has(nr) === true;
    if (relevant) argsUnresolved++;
    if (v.allows) allowed++;
    else {
      denied++;
      const k = `${name}|${abi.name}|${action}`;
      const d = denials.get(k);
      if (d) d.count++;
      else denials.set(k, { syscall: name, nr, arch: abi.name, action, count: 1, firstLine: c.line });
    }
    if (onDecision !== undefined) {
      const base = { line: c.line, name, arch: abi.name, ...(c.pid === undefined ? {} : { pid: c.pid }) };
      onDecision({ ...base, nr, ret, action, cached, argsUnresolved: relevant });
    }
    if (onProgress !== undefined && n % every === 0) onProgress(n);
  };
  if (Symbol.asyncIterator in calls) {
    for await (const c of calls) step(c);
  } else {
    for (const c of calls) step(c);
  }
  return {
    form, calls: n, allowed, denied, cacheHits, cacheModelled: cacheOn, byAction,
    denials: [...denials.values()], unresolved: [...unresolved.values()], argsUnresolved,
  };
}
