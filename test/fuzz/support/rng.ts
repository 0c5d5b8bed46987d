/**
 * Seeded randomness and reporting shared by the kernel-differential fuzzers
 * (test/fuzz/kernel-*.test.ts).
 *
 * Environment: FUZZ_SEED (base seed, default fixed), FUZZ_COUNT (cases per
 * differential, each file has its own default), FUZZ_VERBOSE=1 (print every
 * disagreement, not only the first few per category).
 */
import { bytesToHex } from '../../../src/index.js';

import { mulberry32 } from '../../support/rng.js';

export { mulberry32 };

/** Convenience wrapper over a u32 source. */
export class Rand {
  constructor(readonly next: () => number) {}
  static seeded(seed: number): Rand { return new Rand(mulberry32(seed)); }
  /** Integer in [0, n). */
  int(n: number): number { return this.next() % n; }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  /** True with probability p. */
  chance(p: number): boolean { return this.next() / 0x1_0000_0000 < p; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]!; }
  bytes(n: number): Uint8Array { return Uint8Array.from({ length: n }, () => this.int(256)); }
  /** A signed 32-bit immediate biased toward edge values. */
  imm32(): number {
    switch (this.int(7)) {
      case 0: return this.int(16);
      case 1: return -1 - this.int(16);
      case 2: return this.pick([0x7fffffff, -0x80000000, 0x7ffffffe, -0x7fffffff, 0xffff, 0x8000, 0x7fff, 255, 128, 127, 32, 31, 63, 64, 65]);
      case 3: return this.pick([0, 1, -1, 2, -2]);
      default: return this.next() | 0;
    }
  }
  /** An unsigned 64-bit value biased toward edge values. */
  u64(): bigint {
    switch (this.int(6)) {
      case 0: return BigInt(this.int(100));
      case 1: return BigInt.asUintN(64, -BigInt(1 + this.int(100)));
      case 2: return this.pick([0x8000000000000000n, 0x7fffffffffffffffn, 0xffffffffn, 0x80000000n, 0x7fffffffn,
        0x100000000n, 0xffffffff80000000n, 0xffffffff7fffffffn, 0x8000n, 0xffffn, 0xff80n, 0n, 1n, 0xffffffffffffffffn]);
      case 3: return BigInt(this.next()); // 32-bit only
      case 4: return BigInt.asUintN(64, BigInt(this.next() | 0)); // sign-extended 32-bit
      default: return (BigInt(this.next()) << 32n) | BigInt(this.next());
    }
  }
}

/** Base seed from FUZZ_SEED (decimal or 0x hex) or the default. */
export function baseSeed(dflt: number): number {
  const s = process.env.FUZZ_SEED;
  return s === undefined || s === '' ? dflt : Number(s) >>> 0;
}

/** Case count from FUZZ_COUNT or the default. */
export function caseCount(dflt: number): number {
  const s = process.env.FUZZ_COUNT;
  const n = s === undefined || s === '' ? dflt : Number(s);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : dflt;
}

/** Tally of a differential run: agreements and disagreements by category, with examples. */
export class Tally {
  cases = 0;
  agree = 0;
  skipped = new Map<string, number>();
  disagree = new Map<string, { n: number; examples: string[] }>();
  info = new Map<string, number>();
  constructor(readonly name: string) {}
  /** Counts something informative (not an agreement or disagreement). */
  note(what: string): void { this.info.set(what, (this.info.get(what) ?? 0) + 1); }
  ok(): void { this.cases++; this.agree++; }
  skip(why: string): void { this.cases++; this.skipped.set(why, (this.skipped.get(why) ?? 0) + 1); }
  bad(category: string, example: string): void {
    this.cases++;
    const d = this.disagree.get(category) ?? { n: 0, examples: [] };
    d.n++;
    if (d.examples.length < (process.env.FUZZ_VERBOSE ? 1000 : 3)) d.examples.push(example);
    this.disagree.set(category, d);
  }
  get disagreements(): number { let n = 0; for (const d of this.disagree.values()) n += d.n; return n; }
  /** Multi-line summary: cases, agreements, skips, disagreements by category with examples. */
  summary(): string {
    const lines = [`[${this.name}] cases ${this.cases}, agree ${this.agree}, disagree ${this.disagreements}`];
    for (const [k, v] of this.info) lines.push(`  (${k}): ${v}`);
    for (const [k, v] of this.skipped) lines.push(`  skipped (${k}): ${v}`);
    const cats = [...this.disagree.entries()].sort((a, b) => b[1].n - a[1].n);
    for (const [k, v] of cats) {
      lines.push(`  DISAGREE ${k}: ${v.n}`);
      for (const e of v.examples) lines.push('    ' + e.replace(/\n/g, '\n    '));
    }
    return lines.join('\n');
  }
}

/** Hex of bytes (re-export for fuzzers). */
export const hex = bytesToHex;
