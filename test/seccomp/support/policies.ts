/** fast-check arbitraries for policies. */
import fc from 'fast-check';
import { action, syscallsOf, type Policy, type PolicyRule, type ArgCondition, type CompareOp, type ArchName } from '../../../src/seccomp/index.js';

const OPS: CompareOp[] = ['EQ', 'NE', 'LT', 'LE', 'GT', 'GE', 'MASKED_EQ'];
const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 10n }),
  fc.constantFrom(0xffffffffn, 1n << 32n, (1n << 64n) - 1n, 1n << 63n, 0x100000001n),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);
const cond: fc.Arbitrary<ArgCondition> = fc.record({
  index: fc.integer({ min: 0, max: 5 }), op: fc.constantFrom(...OPS), value: u64, valueTwo: u64,
});
const act = fc.oneof(
  fc.constant(action('ALLOW')), fc.constant(action('KILL_PROCESS')), fc.constant(action('LOG')),
  fc.integer({ min: 0, max: 0xffff }).map((d) => action('ERRNO', d)), fc.integer({ min: 0, max: 0xffff }).map((d) => action('TRACE', d)),
);

/** Random policies over a few ABIs with small syscall sets. */
export function policyArb(arches: ArchName[][] = [['x86_64'], ['x86_64', 'x32', 'x86'], ['x32'], ['aarch64', 'arm'], ['s390x'], ['mipsel64n32']]): fc.Arbitrary<Policy> {
  return fc.constantFrom(...arches).chain((abis) => fc.record({
    defaultAction: act,
    badArchAction: fc.constantFrom(action('KILL_THREAD'), action('ERRNO', 38)),
    arches: fc.tuple(...abis.map((a) => fc.array(fc.record({
      pick: fc.nat(), action: act, conditions: fc.array(cond, { maxLength: 3 }),
    }), { maxLength: 12 }).map((rs) => {
      const table = syscallsOf(a);
      const rules: PolicyRule[] = rs.map((r) => {
        const s = table[r.pick % Math.min(table.length, 40)]!;
        return { nr: s.nr, name: s.name, action: r.action, conditions: r.conditions };
      });
      return { arch: a, rules };
    }))),
    flags: fc.constant([] as string[]),
    warnings: fc.constant([] as string[]),
    // runc's -ENOSYS stub: per ABI, maybe a largest-named syscall
    stub: fc.option(fc.tuple(...abis.map(() => fc.option(fc.nat(), { nil: undefined }))), { nil: undefined }),
  }).map(({ stub, ...p }) => {
    if (stub === undefined) return p as Policy;
    const enosys = abis.flatMap((a, i) => {
      const pick = stub[i];
      if (pick === undefined) return [];
      const table = syscallsOf(a);
      return [{ arch: a, max: table[pick % table.length]!.nr }];
    });
    return enosys.length > 0 ? { ...p, enosys } : (p as Policy);
  }));
}

