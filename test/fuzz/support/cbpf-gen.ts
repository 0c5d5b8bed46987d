/**
 * Random classic BPF filters for the kernel differentials: instructions drawn
 * from the classic opcode table (src/cbpf/opcodes.ts CBPF_OPCODES), plus a
 * share of unknown / near-miss codes, jump offsets in and out of range, and
 * `k` values at the edges that the checks care about (seccomp_data offsets,
 * aligned or not; scratch indexes 0..16; SKF_AD_OFF codes; division by 0).
 */
import { CBPF_OPCODES, type CbpfOpcodeRow, SKF_AD_OFF, type SockFilter, sockFilter } from '../../../src/index.js';
import type { Rand } from './rng.js';

const SECCOMP_ROWS = CBPF_OPCODES.filter((r) => r.seccomp);
const RET_ROWS = CBPF_OPCODES.filter((r) => r.kind === 'ret_k' || r.kind === 'ret_a');

/** seccomp return values (actions with data). */
export const SECCOMP_RETS = [0x7fff0000, 0x7ffc0000, 0x7ff00000, 0x7fc00000, 0x00050000, 0x00030000, 0x80000000, 0x00000000, 0x00010000];

function kFor(r: Rand, row: CbpfOpcodeRow | undefined, seccomp: boolean): number {
  const kind = row?.kind;
  if (kind === 'ld_abs' || kind === 'ld_ind' || kind === 'ldx_msh') {
    if (seccomp || r.chance(0.5)) {
      const x = r.int(10);
      if (x < 6) return 4 * r.int(16);
      if (x < 8) return r.int(72);
      return r.pick([64, 68, 0xffffffff, 0x80000000, 60, 63]);
    }
    return r.pick([SKF_AD_OFF + 4 * r.int(16), SKF_AD_OFF + r.int(70), -0x100000 + r.int(20), -0x200000 + r.int(20), r.int(64), 0x7fffffff]) >>> 0;
  }
  if (kind === 'ld_mem' || kind === 'ldx_mem' || kind === 'st' || kind === 'stx') return r.chance(0.9) ? r.int(16) : r.pick([16, 17, 0xffffffff]);
  if (kind === 'alu' || kind === 'jcond') {
    const x = r.int(8);
    if (x === 0) return 0;
    if (x < 3) return r.int(64);
    if (x < 4) return r.pick([31, 32, 33, 0xffffffff, 0x80000000, 0x7fffffff]);
    return r.next();
  }
  if (kind === 'ret_k') return seccomp ? (r.pick(SECCOMP_RETS) | (r.chance(0.5) ? r.int(4096) : 0)) >>> 0 : r.pick([0, 1, 0xffff, 0xffffffff, r.next()]);
  return r.chance(0.8) ? r.int(100) : r.next();
}

export interface CbpfGenOptions {
  /** Draw only seccomp-allowed opcodes (mostly). */
  seccomp: boolean;
  /** Probability of a deliberately broken instruction (unknown code, jump out of range, ...). */
  breakP: number;
  /** Length range. */
  minLen: number;
  maxLen: number;
  /** Bias toward filters the kernel accepts: scratch words stored up front, no constant division by 0. */
  valid?: boolean;
}

/** A random filter: mostly valid-looking, with `breakP` of broken fields. */
export function genCbpf(r: Rand, o: CbpfGenOptions): SockFilter[] {
  const n = r.range(o.minLen, o.maxLen);
  const out: SockFilter[] = [];
  const rows = o.seccomp && (o.valid || r.chance(0.9)) ? SECCOMP_ROWS : CBPF_OPCODES;
  const init: number[] = [];
  if (o.valid) for (let i = r.int(4); i > 0; i--) { const m = r.int(16); init.push(m); out.push(sockFilter(r.chance(0.5) ? 0x02 : 0x03, 0, 0, m)); }
  for (let pc = out.length; pc < n + init.length; pc++) {
    const remaining0 = n + init.length - pc - 1;
    const last = remaining0 === 0;
    let row: CbpfOpcodeRow | undefined = last && !r.chance(o.breakP) ? r.pick(RET_ROWS) : r.pick(rows);
    let code = row.code;
    if (r.chance(o.breakP / 2)) {
      code = r.chance(0.5) ? r.int(0x10000) : (code | r.pick([0x100, 0x8000, 0x18, 0x08, 0xe0])) & 0xffff;
      row = CBPF_OPCODES.find((x) => x.code === code);
    }
    const remaining = remaining0;
    let jt = 0, jf = 0;
    if (row?.kind === 'jcond') {
      jt = r.int(Math.max(1, Math.min(remaining, 256)));
      jf = r.int(Math.max(1, Math.min(remaining, 256)));
      if (r.chance(o.breakP)) { if (r.chance(0.5)) jt = remaining + r.int(3); else jf = remaining + r.int(3); }
      jt &= 0xff; jf &= 0xff;
    }
    let k = kFor(r, row, o.seccomp);
    if (o.valid && (row?.kind === 'ld_mem' || row?.kind === 'ldx_mem')) {
      if (init.length === 0) { code = 0x00; row = CBPF_OPCODES.find((x) => x.code === 0); k = r.next(); } else k = r.pick(init);
    }
    if (o.valid && row?.kind === 'alu' && (row.op === 0x60 || row.op === 0x70) && row.src === 'K') k &= 31;
    if (o.valid && row?.kind === 'alu' && k === 0 && (row.op === 0x30 || row.op === 0x90)) k = 1 + r.int(9);
    if (row?.kind === 'ja') k = r.chance(o.breakP) ? r.pick([remaining, remaining + 1, 0xffffffff]) : r.int(Math.max(1, remaining));
    if (row?.kind === 'jcond' && r.chance(0.3)) k = r.int(400); // syscall-number-like comparisons
    out.push(sockFilter(code, jt, jf, k >>> 0));
  }
  return out;
}

/** Edge seccomp inputs: nr (never 335/336, which bypass seccomp on x86_64 6.18) and six args. */
export function seccompInputs(r: Rand, f: readonly SockFilter[], count: number): bigint[][] {
  const ks = [...new Set(f.map((x) => x.k >>> 0))];
  const pick = (): bigint => {
    const x = r.int(10);
    if (x < 4 && ks.length) { const k = BigInt(r.pick(ks)); return r.chance(0.3) ? (BigInt(r.next()) << 32n) | k : k + BigInt(r.pick([0, 0, 1, -1]) ) & 0xffffffffffffffffn; }
    if (x < 6) return BigInt(r.int(500));
    if (x < 8) return r.pick([0n, 0xffffffffn, 0x80000000n, 0x7fffffffn, 0xffffffffffffffffn, 0x100000000n, 0xffffffff00000000n]);
    return (BigInt(r.next()) << 32n) | BigInt(r.next());
  };
  const out: bigint[][] = [];
  for (let i = 0; i < count; i++) {
    let nr = pick() & 0xffffffffn;
    if (nr === 335n || nr === 336n) nr = 334n;
    out.push([nr, pick(), pick(), pick(), pick(), pick(), pick()]);
  }
  return out;
}
