/**
 * The kernel's verifier-log rendering of a scalar register, after Linux 6.18
 * kernel/bpf/log.c: `print_reg_state` for SCALAR_VALUE, `print_scalar_ranges`
 * (omits unbounded fields, merges equal neighbours such as `smin=smin32=0`,
 * never merges a negative signed value with a non-negative one),
 * `verbose_snum` / `verbose_unum` (decimal for small values, `%#llx`
 * otherwise) and the `(%#llx; %#llx)` var_off.
 */
import type { Scalar } from './bounds.js';
import { tnumIsConst, tnumIsUnknown, tnumStr } from './tnum.js';
import { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, U64_MAX, s64, u32, u64 } from './u64.js';

const hex = (v: bigint): string => `0x${u64(v).toString(16)}`;
const isUnumDecimal = (v: bigint): boolean => u64(v) <= 0xffffn;
const isSnumDecimal = (v: bigint): boolean => s64(v) >= -0x8000n && s64(v) <= 0x7fffn;

/** verbose_unum: decimal up to 65535, else `%#llx`. */
export function formatUnum(v: bigint): string {
  return isUnumDecimal(v) ? u64(v).toString() : hex(v);
}

/** verbose_snum: decimal in [-32768, 32767], else `%#llx` of the 64-bit pattern. */
export function formatSnum(v: bigint): string {
  return isSnumDecimal(v) ? s64(v).toString() : hex(v);
}

/** The comma-separated ranges of print_scalar_ranges (possibly empty). */
export function formatScalarRanges(s: Scalar): string {
  const s32v = (v: bigint): bigint => (isSnumDecimal(v) ? u64(v) : u32(v));
  const m = [
    { name: 'smin', val: u64(s.smin), omit: s.smin === S64_MIN },
    { name: 'smax', val: u64(s.smax), omit: s.smax === S64_MAX },
    { name: 'umin', val: s.umin, omit: s.umin === 0n },
    { name: 'umax', val: s.umax, omit: s.umax === U64_MAX },
    { name: 'smin32', val: s32v(s.s32min), omit: s.s32min === S32_MIN },
    { name: 'smax32', val: s32v(s.s32max), omit: s.s32max === S32_MAX },
    { name: 'umin32', val: s.u32min, omit: s.u32min === 0n },
    { name: 'umax32', val: s.u32max, omit: s.u32max === U32_MAX },
  ];
  const parts: string[] = [];
  for (let i = 0; i < m.length; i++) {
    const m1 = m[i]!;
    if (m1.omit) continue;
    const neg1 = m1.name[0] === 's' && s64(m1.val) < 0n;
    let text = `${m1.name}=`;
    for (let j = i + 2; j < m.length; j += 2) {
      const m2 = m[j]!;
      if (m2.omit || m2.val !== m1.val) continue;
      const neg2 = m2.name[0] === 's' && s64(m2.val) < 0n;
      if (neg2 !== neg1) continue;
      m2.omit = true;
      text += `${m2.name}=`;
    }
    text += m1.name[0] === 's' ? formatSnum(m1.val) : formatUnum(m1.val);
    parts.push(text);
  }
  return parts.join(',');
}

/** Extra register attributes printed around a scalar. */
export interface ScalarFormatOptions {
  /** Prefix `P` (reg->precise). */
  precise?: boolean;
  /** `id=N` (reg->id without the BPF_ADD_CONST flag); 0/undefined = none. */
  id?: number;
  /** With `id`: the linked-register delta printed as `%+d` (reg->id & BPF_ADD_CONST). */
  delta?: number;
}

/**
 * A scalar register exactly as the 6.18 verifier log prints it after `R0=`:
 * `1`, `-2`, `0x10000` for a constant; otherwise
 * `scalar(id=..,smin=..,..,var_off=(0x..; 0x..))`, fields the kernel omits
 * left out, `scalar()` for an unknown value.
 */
export function formatScalar(s: Scalar, opts: ScalarFormatOptions = {}): string {
  const p = opts.precise ? 'P' : '';
  if (tnumIsConst(s.var_off)) return p + formatSnum(s.var_off.value);
  const parts: string[] = [];
  if (opts.id) parts.push(`id=${opts.id}${opts.delta !== undefined ? (opts.delta >= 0 ? `+${opts.delta}` : `${opts.delta}`) : ''}`);
  const ranges = formatScalarRanges(s);
  if (ranges !== '') parts.push(ranges);
  if (!tnumIsUnknown(s.var_off)) parts.push(`var_off=${tnumStr(s.var_off)}`);
  return `${p}scalar(${parts.join(',')})`;
}
