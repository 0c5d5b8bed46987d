/**
 * The seccomp action cache (Linux 5.11+, kernel/seccomp.c:
 * seccomp_cache_prepare, seccomp_cache_prepare_bitmap, seccomp_is_const_allow,
 * seccomp_cache_check_allow).
 *
 * When a filter is attached, the kernel emulates it once per syscall number
 * for each cached architecture with only `nr` and `arch` known. The emulator
 * follows the single concrete path: `ld [0]` / `ld [4]` load nr / arch, `and
 * #k`, `ja`, and `jeq/jge/jgt/jset #k` are followed; any other instruction
 * (an argument or instruction-pointer load, an X operand, M[], ...) gives up.
 * Reaching `ret #0x7fff0000` exactly (SECCOMP_RET_ALLOW with data 0) marks
 * the number as always allowed. A new filter's bitmap starts as a copy of
 * the previous filter's, so with stacked filters the cache is the AND over
 * all of them. A cached call skips the filters entirely.
 *
 * The x86_64 uretprobe (335) and uprobe (336) calls are the kernel's
 * exception (seccomp_uprobe_exception): always "allowed" for the native
 * arch. Bitmap sizes are the kernel's NR_syscalls (6.18: 470 for x86_64 and
 * its i386 compat table; numbers at or above it are never cached).
 */
import type { SockFilter } from '../cbpf/insn.js';
import { CAluOp, CCls, CJmpOp, CMode, CSize, CSrc, CRval } from '../cbpf/opcodes.js';
import { SECCOMP_RET } from './actions.js';

/** One cached architecture. */
export interface CacheArch {
  /** AUDIT_ARCH_* value. */
  audit: number;
  /** Bitmap size: the kernel's NR_syscalls for this ABI. */
  nrSyscalls: number;
  /** Syscall numbers exempt from filtering (seccomp_uprobe_exception); native x86_64: [335, 336]. */
  exempt?: readonly number[];
}

/** The arches an x86_64 kernel caches (SECCOMP_ARCH_NATIVE and SECCOMP_ARCH_COMPAT), Linux 6.18 sizes. */
export const X86_64_CACHE_ARCHES: readonly CacheArch[] = Object.freeze([
  { audit: 0xc000003e, nrSyscalls: 470, exempt: [335, 336] },
  { audit: 0x40000003, nrSyscalls: 470 },
]);

const LD_W_ABS = CCls.LD | CSize.W | CMode.ABS;
const RET_K = CCls.RET | CRval.K;
const JA = CCls.JMP | CJmpOp.JA;
const AND_K = CCls.ALU | CAluOp.AND | CSrc.K;

/**
 * seccomp_is_const_allow: does `filter` return exactly SECCOMP_RET_ALLOW for
 * (nr, arch) whatever the arguments and instruction pointer? `exempt`
 * numbers answer true without looking at the filter.
 */
export function isConstAllow(filter: readonly SockFilter[], nr: number, arch: number, exempt: readonly number[] = []): boolean {
  if (exempt.includes(nr)) return true;
  let reg = 0;
  for (let pc = 0; pc < filter.length; pc++) {
    const f = filter[pc]!;
    const k = f.k >>> 0;
    switch (f.code) {
      case LD_W_ABS:
        if (k === 0) reg = nr >>> 0;
        else if (k === 4) reg = arch >>> 0;
        else return false;
        break;
      case RET_K:
        return k === SECCOMP_RET.ALLOW;
      case JA:
        pc += k;
        break;
      case CCls.JMP | CJmpOp.JEQ | CSrc.K: pc += reg === k ? f.jt : f.jf; break;
      case CCls.JMP | CJmpOp.JGE | CSrc.K: pc += reg >= k ? f.jt : f.jf; break;
      case CCls.JMP | CJmpOp.JGT | CSrc.K: pc += reg > k ? f.jt : f.jf; break;
      case CCls.JMP | CJmpOp.JSET | CSrc.K: pc += (reg & k) !== 0 ? f.jt : f.jf; break;
      case AND_K:
        reg = (reg & k) >>> 0;
        break;
      default:
        return false;
    }
  }
  return false; // ran off the end (the kernel WARNs)
}

/**
 * The cache bitmap for one arch after attaching `filters` (oldest first):
 * bit nr set ⇔ every filter is const-allow for nr.
 */
export function constAllowBitmap(filters: readonly (readonly SockFilter[])[], arch: CacheArch): Uint8Array {
  const bm = new Uint8Array(Math.ceil(arch.nrSyscalls / 8)).fill(0xff);
  for (const f of filters) {
    for (let nr = 0; nr < arch.nrSyscalls; nr++) {
      if (!(bm[nr >> 3]! & (1 << (nr & 7)))) continue;
      if (!isConstAllow(f, nr, arch.audit, arch.exempt)) bm[nr >> 3]! &= ~(1 << (nr & 7));
    }
  }
  return bm;
}

/**
 * The syscall numbers the kernel never runs the filters for on `arch`.
 * `arch` is an AUDIT_ARCH value (looked up in `arches`, default x86_64's) or a {@link CacheArch}.
 * @returns an empty set for an arch the kernel does not cache.
 */
export function constAllowSet(filters: readonly (readonly SockFilter[])[], arch: number | CacheArch, arches: readonly CacheArch[] = X86_64_CACHE_ARCHES): Set<number> {
  const a = typeof arch === 'number' ? arches.find((x) => x.audit === (arch >>> 0)) : arch;
  const out = new Set<number>();
  if (a === undefined || filters.length === 0) return out;
  const bm = constAllowBitmap(filters, a);
  for (let nr = 0; nr < a.nrSyscalls; nr++) if (bm[nr >> 3]! & (1 << (nr & 7))) out.add(nr);
  return out;
}

/** The per-task cache as the kernel keeps it, updated filter by filter. */
export class SeccompActionCache {
  private readonly arches: readonly CacheArch[];
  private readonly bitmaps = new Map<number, Uint8Array>();
  private lastAudit = -1;
  private lastBm: Uint8Array | undefined;
  private lastSize = 0;

  /** @param arches the cached arches (default: an x86_64 kernel's native and compat). */
  constructor(arches: readonly CacheArch[] = X86_64_CACHE_ARCHES) {
    this.arches = arches;
  }

  /** seccomp_cache_prepare: AND the new filter into every arch's bitmap. */
  addFilter(filter: readonly SockFilter[]): void {
    for (const a of this.arches) {
      const prev = this.bitmaps.get(a.audit);
      const bm = prev ? prev.slice() : new Uint8Array(Math.ceil(a.nrSyscalls / 8)).fill(0xff);
      for (let nr = 0; nr < a.nrSyscalls; nr++) {
        if (!(bm[nr >> 3]! & (1 << (nr & 7)))) continue;
        if (!isConstAllow(filter, nr, a.audit, a.exempt)) bm[nr >> 3]! &= ~(1 << (nr & 7));
      }
      this.bitmaps.set(a.audit, bm);
    }
    this.lastAudit = -1;
  }

  /** seccomp_cache_check_allow: true when the kernel returns ALLOW for (nr, arch) without running the filters. */
  isCachedAllow(nr: number, arch: number): boolean {
    // one lookup per call (this runs for every simulated call): the last arch is remembered
    const au = arch >>> 0;
    if (au !== this.lastAudit) {
      this.lastAudit = au;
      const a = this.arches.find((x) => x.audit === au);
      this.lastBm = a === undefined ? undefined : this.bitmaps.get(au);
      this.lastSize = a === undefined ? 0 : a.nrSyscalls;
    }
    const bm = this.lastBm;
    const n = nr | 0;
    if (bm === undefined || n < 0 || n >= this.lastSize) return false;
    return (bm[n >> 3]! & (1 << (n & 7))) !== 0;
  }
}
