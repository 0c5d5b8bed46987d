import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assembleCbpf, runCbpf, sockFilter as I, CCls } from '../../src/cbpf/index.js';
import {
  SeccompFilterStack, MAX_INSNS_PER_PATH, isConstAllow, constAllowSet, SeccompActionCache, X86_64_CACHE_ARCHES,
  buildSeccompData, SECCOMP_RET, decodeAction, formatAction, parseAction, lessPermissive,
} from '../../src/seccomp/index.js';
import { ErrnoError } from '../../src/errors.js';
import { validProgram } from './gen.js';

const X64 = 0xc000003e, I386 = 0x40000003;
const retFor = (nr: number, ret: number, other = SECCOMP_RET.ALLOW) => assembleCbpf(`ld [0]\njeq #${nr}, hit\nret #${other}\nhit: ret #${ret >>> 0}`);

describe('seccomp actions', () => {
  it('decodes, formats and parses', () => {
    expect(decodeAction(0x00050000 | 5000)).toMatchObject({ action: 'ERRNO', data: 5000, errno: 4095, effective: 'ERRNO' });
    expect(decodeAction(0x7ffe0000)).toMatchObject({ action: 'UNKNOWN', effective: 'KILL_PROCESS' });
    expect(decodeAction(0x00010000)).toMatchObject({ action: 'UNKNOWN', effective: 'KILL_PROCESS' });
    expect(formatAction(0x7ffe0001)).toBe('UNKNOWN(0x7ffe0001)');
    expect(formatAction(0x00030007)).toBe('TRAP(7)');
    expect(parseAction('ERRNO(1)')).toBe(0x50001);
    expect(parseAction('seccomp_ret_trace(0x10)')).toBe(0x7ff00010);
    expect(parseAction('kill')).toBe(0);
    expect(parseAction('0x7fff0000')).toBe(0x7fff0000);
    expect(() => parseAction('ERRNO(70000)')).toThrow(/0xffff/);
    expect(() => parseAction('NOPE')).toThrow(/unknown seccomp action/);
  });
  it('orders actions by the signed compare: KILL_PROCESS < KILL_THREAD < TRAP < ERRNO < USER_NOTIF < TRACE < LOG < ALLOW', () => {
    const order = ['KILL_PROCESS', 'KILL_THREAD', 'TRAP', 'ERRNO', 'USER_NOTIF', 'TRACE', 'LOG', 'ALLOW'] as const;
    for (let i = 0; i + 1 < order.length; i++) expect(lessPermissive(SECCOMP_RET[order[i]!], SECCOMP_RET[order[i + 1]!])).toBe(true);
    expect(lessPermissive(0x7ffe0000, SECCOMP_RET.ALLOW)).toBe(true);
    expect(lessPermissive(SECCOMP_RET.LOG, 0x7ffe0000)).toBe(true);
  });
});

describe('stacked filters (seccomp_run_filters)', () => {
  it('least permissive wins; ties keep the newest filter data', () => {
    const s = new SeccompFilterStack({ cacheArches: [] });
    s.attach(retFor(2, 0x50001));
    s.attach(retFor(2, 0x50002));
    s.attach(retFor(3, SECCOMP_RET.TRAP | 9));
    s.attach(retFor(4, SECCOMP_RET.KILL_PROCESS));
    s.attach(retFor(4, SECCOMP_RET.KILL_THREAD));
    s.attach(retFor(5, 0x7fff0005));
    expect(s.run({ nr: 2, arch: X64 })).toMatchObject({ ret: 0x50002, filter: 1, errno: 2 });
    expect(s.run({ nr: 3, arch: X64 })).toMatchObject({ ret: 0x30009, filter: 2 });
    expect(s.run({ nr: 4, arch: X64 })).toMatchObject({ ret: 0x80000000, filter: 3, action: 'KILL_PROCESS' });
    expect(s.run({ nr: 5, arch: X64 })).toMatchObject({ ret: 0x7fff0000, filter: undefined });
    expect(s.run({ nr: 6, arch: X64 })).toMatchObject({ ret: 0x7fff0000, cached: false });
  });
  it('rejects invalid filters with EINVAL and the reason', () => {
    const s = new SeccompFilterStack();
    expect(() => s.attach([I(CCls.LD | 0x20, 0, 0, 2), I(CCls.RET, 0, 0, 0)])).toThrow(ErrnoError);
    expect(() => s.attach([I(CCls.LD | 0x20, 0, 0, 2), I(CCls.RET, 0, 0, 0)])).toThrow(/EINVAL: pc 0: .*aligned/);
  });
  it('enforces MAX_INSNS_PER_PATH counting 4 extra per attached filter', () => {
    const big = [...Array(4095).fill(I(CCls.LD, 0, 0, 0)), I(CCls.RET, 0, 0, SECCOMP_RET.ALLOW)];
    const s = new SeccompFilterStack();
    for (let i = 0; i < 7; i++) s.attach(big);
    expect(s.pathLength(4096)).toBe(4096 + 7 * 4100);
    expect(() => s.attach(big)).toThrow(/ENOMEM/);
    // 32768 - 7 * 4100 = 4068 instructions still fit.
    s.attach([...Array(4067).fill(I(CCls.LD, 0, 0, 0)), I(CCls.RET, 0, 0, SECCOMP_RET.ALLOW)]);
    expect(s.length).toBe(8);
    expect(MAX_INSNS_PER_PATH).toBe(32768);
  });
});

describe('action cache (seccomp_is_const_allow)', () => {
  const denyExecve = assembleCbpf(`
    ld [4]
    jne #0xc000003e, kill
    ld [0]
    jeq #59, kill
    jeq #1, args
    and #0xfff0
    jeq #0x10, kill
    ret #0x7fff0000
    args: ld [16]
    jeq #1, ok, kill
    ok: ret #0x7fff0000
    kill: ret #0x80000000`);
  it('caches exactly the numbers whose single path reaches ret ALLOW without reading args', () => {
    const set = constAllowSet([denyExecve], X64);
    expect(set.has(0)).toBe(true);
    expect(set.has(59)).toBe(false);
    expect(set.has(1)).toBe(false); // reads args[0]
    for (let nr = 0x10; nr < 0x20; nr++) expect(set.has(nr)).toBe(false); // (nr & 0xfff0) == 0x10
    expect(set.has(335)).toBe(true);
    expect(set.has(469)).toBe(true);
    expect(set.has(470)).toBe(false); // beyond NR_syscalls
    expect(set.size).toBe(470 - 1 - 1 - 16);
    expect(constAllowSet([denyExecve], I386).size).toBe(0); // wrong arch → kill path
    expect(constAllowSet([denyExecve], 0xc00000b7).size).toBe(0); // an arch the kernel does not cache
  });
  it('uprobe/uretprobe are exempt on native x86_64 only', () => {
    const killAll = assembleCbpf('ret #0');
    expect([...constAllowSet([killAll], X64)]).toEqual([335, 336]);
    expect(constAllowSet([killAll], I386).size).toBe(0);
    expect(isConstAllow(killAll, 335, X64, X86_64_CACHE_ARCHES[0]!.exempt)).toBe(true);
  });
  it('ALLOW with data is not cached; stacked filters AND', () => {
    expect(isConstAllow(assembleCbpf('ret #0x7fff0001'), 0, X64)).toBe(false);
    const c = new SeccompActionCache();
    c.addFilter(assembleCbpf('ret #0x7fff0000'));
    expect(c.isCachedAllow(59, X64)).toBe(true);
    c.addFilter(denyExecve);
    expect(c.isCachedAllow(59, X64)).toBe(false);
    expect(c.isCachedAllow(0, X64)).toBe(true);
    expect(c.isCachedAllow(-1, X64)).toBe(false);
    expect(c.isCachedAllow(0, I386)).toBe(false);
  });
  it('the stack skips filters for cached numbers and gets the same answer', () => {
    const s = new SeccompFilterStack();
    s.attach(denyExecve);
    expect(s.run({ nr: 0, arch: X64 })).toMatchObject({ ret: SECCOMP_RET.ALLOW, cached: true });
    expect(s.run({ nr: 59, arch: X64 })).toMatchObject({ ret: SECCOMP_RET.KILL_PROCESS, cached: false });
    expect(s.run({ nr: 335, arch: X64 })).toMatchObject({ cached: true });
  });
  it('is sound: a const-allow number returns ALLOW for any args and ip', () => {
    fc.assert(fc.property(
      validProgram('seccomp', 24), fc.integer({ min: 0, max: 470 }), fc.constantFrom(X64, I386),
      fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 6, maxLength: 6 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      (p, nr, arch, args, ip) => {
        if (!isConstAllow(p, nr, arch)) return;
        expect(runCbpf(p, { kind: 'seccomp', data: buildSeccompData({ nr, arch, args, ip }) })).toBe(SECCOMP_RET.ALLOW);
      }), { numRuns: 500 });
  });
});
