/**
 * Stacked seccomp filters as a task accumulates them (kernel/seccomp.c:
 * seccomp_attach_filter, seccomp_run_filters, __seccomp_filter).
 *
 * - Attaching checks the filter as seccomp(SECCOMP_SET_MODE_FILTER) does
 *   (EINVAL with the reason) and enforces the path-length limit: the new
 *   filter's length plus, for every filter already attached, its length + 4
 *   must not exceed MAX_INSNS_PER_PATH (32768), else ENOMEM.
 * - Running: if the action cache says the call is always allowed, the
 *   filters do not run. Otherwise every filter runs, newest first; a result
 *   replaces the current one only when its action is strictly less
 *   permissive (signed compare of `ret & 0xffff0000`), so on a tie the newest
 *   filter's return value (and its data) wins. All-ALLOW yields exactly
 *   SECCOMP_RET_ALLOW.
 */
import { ErrnoError, ErrorCode, InputError } from '../errors.js';
import type { SockFilter } from '../cbpf/insn.js';
import { CbpfProgram, runCbpf } from '../cbpf/interpreter.js';
import { checkSeccompFilter } from '../cbpf/check.js';
import { SECCOMP_RET, actionOnly, decodeAction, type SeccompVerdict } from './actions.js';
import { type SeccompDataInit, buildSeccompData, SECCOMP_DATA_SIZE } from './data.js';
import { type CacheArch, SeccompActionCache, X86_64_CACHE_ARCHES } from './action-cache.js';

/** MAX_INSNS_PER_PATH: ((1 << 18) / sizeof(struct sock_filter)). */
export const MAX_INSNS_PER_PATH = 32768;
/** Instructions charged per already-attached filter on top of its length. */
export const FILTER_PENALTY_INSNS = 4;

/** Result of {@link SeccompFilterStack.run}. */
export interface StackResult extends SeccompVerdict {
  /** Index (0 = oldest) of the filter whose value was taken; undefined when all allowed or cached. */
  filter: number | undefined;
  /** The action cache answered; no filter ran. */
  cached: boolean;
}

/** Options for {@link SeccompFilterStack}. */
export interface StackOptions {
  /** Cached arches for the action cache (default an x86_64 kernel's); `[]` disables the cache. */
  cacheArches?: readonly CacheArch[];
}

/** The filters of one task, oldest first. */
export class SeccompFilterStack {
  private readonly filters: { filter: readonly SockFilter[]; prog: CbpfProgram }[] = [];
  /** The task's action cache. */
  readonly cache: SeccompActionCache;

  constructor(opts: StackOptions = {}) {
    this.cache = new SeccompActionCache(opts.cacheArches ?? X86_64_CACHE_ARCHES);
  }

  /** Number of attached filters. */
  get length(): number {
    return this.filters.length;
  }

  /** The attached filters, oldest first. */
  get programs(): readonly (readonly SockFilter[])[] {
    return this.filters.map((f) => f.filter);
  }

  /** Instructions counted against MAX_INSNS_PER_PATH if a filter of `len` instructions were attached now. */
  pathLength(len: number): number {
    return this.filters.reduce((s, f) => s + f.filter.length + FILTER_PENALTY_INSNS, len);
  }

  /**
   * Attaches a filter (it becomes the newest).
   * @throws ErrnoError EINVAL (code CBPF_CHECK) when the kernel rejects the
   *   filter, naming the pc and reason; ENOMEM (code SECCOMP) when the path
   *   length would exceed MAX_INSNS_PER_PATH.
   */
  attach(filter: readonly SockFilter[]): void {
    const c = checkSeccompFilter(filter);
    if (!c.ok) throw new ErrnoError('EINVAL', c.pc === undefined ? c.message : `pc ${c.pc}: ${c.message}`, ErrorCode.CbpfCheck);
    const total = this.pathLength(filter.length);
    if (total > MAX_INSNS_PER_PATH) {
      throw new ErrnoError('ENOMEM', `total filter length ${total} (each earlier filter counts its length + ${FILTER_PENALTY_INSNS}) exceeds MAX_INSNS_PER_PATH ${MAX_INSNS_PER_PATH}`, ErrorCode.Seccomp);
    }
    const copy = filter.map((f) => ({ ...f }));
    this.filters.push({ filter: copy, prog: new CbpfProgram(copy) });
    this.cache.addFilter(copy);
  }

  /**
   * Evaluates a system call against every filter as seccomp_run_filters does.
   * @throws InputError for malformed seccomp data.
   */
  run(call: SeccompDataInit | Uint8Array): StackResult {
    const data = call instanceof Uint8Array ? call : buildSeccompData(call);
    if (this.filters.length === 0) return verdict(SECCOMP_RET.ALLOW, undefined, false);
    if (data.length < SECCOMP_DATA_SIZE) throw new InputError(`seccomp_data needs ${SECCOMP_DATA_SIZE} bytes, got ${data.length}`);
    const nr = data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24);
    const arch = (data[4]! | (data[5]! << 8) | (data[6]! << 16) | (data[7]! << 24)) >>> 0;
    if (this.cache.isCachedAllow(nr, arch)) return verdict(SECCOMP_RET.ALLOW, undefined, true);
    let ret: number = SECCOMP_RET.ALLOW;
    let match: number | undefined;
    const ctx = { kind: 'seccomp' as const, data };
    for (let i = this.filters.length - 1; i >= 0; i--) {
      const cur = runCbpf(this.filters[i]!.prog, ctx);
      if (actionOnly(cur) < actionOnly(ret)) {
        ret = cur;
        match = i;
      }
    }
    return verdict(ret, match, false);
  }
}

function verdict(ret: number, filter: number | undefined, cached: boolean): StackResult {
  const v = decodeAction(ret) as StackResult;
  v.filter = filter;
  v.cached = cached;
  return v;
}
