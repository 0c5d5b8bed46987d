/**
 * Scalar comparisons for state pruning, after Linux 6.18 kernel/bpf/verifier.c
 * `regsafe` (SCALAR_VALUE case): an old, already verified scalar covers the
 * current one when `range_within(old, cur)` and `tnum_in(old->var_off,
 * cur->var_off)` both hold. Precision marks, ids and `explore_alu_limits`
 * exactness are the caller's (the verifier's) business.
 */
import { type Scalar, rangeWithinBounds, scalarsEqual } from './bounds.js';
import { tnumIn } from './tnum.js';

/**
 * True where every value `cur` may hold is allowed by `old` as regsafe judges
 * it: all eight bounds of `cur` within `old`'s and cur's tnum inside old's.
 */
export function rangeWithin(old: Scalar, cur: Scalar): boolean {
  return rangeWithinBounds(old, cur) && tnumIn(old.var_off, cur.var_off);
}

export { rangeWithinBounds, scalarsEqual };
