import { describe, it, expect } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import fc from 'fast-check';
import { InputError, BpfError } from '../../src/errors.js';
import {
  parseProfile, profileToPolicy, defaultProfile, loadPolicy, parseJsonExact, evaluatePolicy, actionValue, describeAction,
  syscallNumber, AUDIT_ARCH, syscallsOf, type Policy,
} from '../../src/seccomp/index.js';

const BAD: { name: string; profile: unknown; path: string; message: string }[] =
  JSON.parse(readFileSync(new URL('./vectors/bad-profiles.json', import.meta.url), 'utf8'));

const X86_64 = AUDIT_ARCH.X86_64;
function decide(p: Policy, name: string, args: bigint[] = [], arch = 'x86_64'): string {
  const nr = syscallNumber(arch, name)!;
  const audit = arch === 'x86' ? AUDIT_ARCH.I386 : X86_64;
  return describeAction(evaluatePolicy(p, { nr, arch: audit, args }).action);
}

describe('parseJsonExact', () => {
  it('keeps 64-bit integers exact', () => {
    expect(parseJsonExact('{"v": 18446744073709551615}')).toEqual({ v: 18446744073709551615n });
    expect(parseJsonExact('[1, -2, 3.5, "a\\u0041", true, null]')).toEqual([1, -2, 3.5, 'aA', true, null]);
  });
  it.each(['', '{', '[1,]', '{"a" 1}', '01', '"\\x"', 'nul', '[1] 2'])('rejects %j with a line', (t) => {
    expect(() => parseJsonExact(t)).toThrow(InputError);
    try { parseJsonExact(t); } catch (e) { expect((e as InputError).line).toBe(1); }
  });
  it('agrees with JSON.parse on random JSON', () => {
    fc.assert(fc.property(fc.json(), (t) => {
      const num = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)));
      expect(num(parseJsonExact(t))).toEqual(JSON.parse(t));
    }), { numRuns: 200 });
  });
});

describe('bad profiles name the JSON path', () => {
  it.each(BAD.map((b) => [b.name, b]))('%s', (_n, b) => {
    let caught: unknown;
    try { parseProfile(JSON.stringify(b.profile)); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).path).toBe(b.path);
    expect((caught as InputError).message).toContain(b.message);
  });
});

describe('translation', () => {
  const base = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'] };
  it('ANDs different indexes, ORs a repeated index', () => {
    const p = profileToPolicy(parseProfile(JSON.stringify({
      ...base, syscalls: [
        { names: ['mmap'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 2, op: 'SCMP_CMP_EQ' }] },
        { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
      ],
    })), { kernel: '6.1' });
    expect(decide(p, 'mmap', [1n, 2n])).toBe('ALLOW');
    expect(decide(p, 'mmap', [1n, 3n])).toBe('ERRNO(1)');
    expect(decide(p, 'read', [1n])).toBe('ALLOW');
    expect(decide(p, 'read', [2n])).toBe('ALLOW');
    expect(decide(p, 'read', [3n])).toBe('ERRNO(1)');
    expect(p.arches.map((a) => a.arch)).toEqual(['x86_64', 'x86']);
    expect(p.arches[0]!.rules.filter((r) => r.name === 'read')).toHaveLength(2);
  });
  it('skips unknown syscalls with a warning and drops default-action rules', () => {
    const p = profileToPolicy(parseProfile(JSON.stringify({
      ...base, defaultErrnoRet: 38, syscalls: [
        { names: ['read', 'no_such_syscall'], action: 'SCMP_ACT_ALLOW' },
        { names: ['write'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
        { names: ['close'], action: 'SCMP_ACT_ERRNO' },
      ],
    })), { kernel: '6.1' });
    expect(p.warnings.join('\n')).toMatch(/unknown syscall 'no_such_syscall' skipped/);
    expect(p.arches[0]!.rules.map((r) => r.name)).toEqual(['read', 'close']);
    expect(decide(p, 'close')).toBe('ERRNO(1)');
    expect(decide(p, 'write')).toBe('ERRNO(38)');
  });
  it('selects by arch, caps and kernel', () => {
    const prof = parseProfile(JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO', syscalls: [
        { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
        { names: ['bpf'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
        { names: ['chroot'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_CHROOT'] } },
      ],
    }));
    const a = profileToPolicy(prof, { kernel: '4.4.0', caps: [], enosysStub: false });
    // with runc's -ENOSYS stub, bpf (321) lies above the largest syscall passed on (chroot, 161)
    expect(decide(profileToPolicy(prof, { kernel: '4.4.0', caps: [] }), 'bpf')).toBe('ERRNO(38)');
    expect(decide(profileToPolicy(prof, { kernel: '4.4.0', caps: [] }), 'chroot')).toBe('ALLOW');
    expect(decide(a, 'arch_prctl')).toBe('ALLOW');
    expect(decide(a, 'bpf')).toBe('ERRNO(1)');
    expect(decide(a, 'ptrace')).toBe('ERRNO(1)');
    expect(decide(a, 'chroot')).toBe('ALLOW');
    const b = profileToPolicy(prof, { kernel: '5.10', caps: ['SYS_ADMIN', 'CAP_SYS_CHROOT'] });
    expect(decide(b, 'bpf')).toBe('ALLOW');
    expect(decide(b, 'ptrace')).toBe('ALLOW');
    expect(decide(b, 'chroot')).toBe('ERRNO(1)');
    const c = profileToPolicy(prof, { arch: 'aarch64', kernel: '6.1' });
    expect(c.arches[0]!.rules.some((r) => r.name === 'arch_prctl')).toBe(false);
  });
  it("runc's -ENOSYS stub: above the largest named syscall per ABI, not for ENOSYS / permissive defaults", () => {
    const prof = (d: Record<string, unknown>) => parseProfile(JSON.stringify({
      ...base, ...d, syscalls: [{ names: ['read', 'openat', 'ptrace'], action: 'SCMP_ACT_ALLOW' }, { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    }));
    const p = profileToPolicy(prof({}), { kernel: '6.1' });
    expect(p.enosys).toEqual([{ arch: 'x86_64', max: 257 }, { arch: 'x86', max: 295 }]);
    expect(decide(p, 'openat')).toBe('ALLOW');
    expect(decide(p, 'sched_yield')).toBe('ERRNO(1)'); // 24, below the largest
    expect(decide(p, 'fchmodat')).toBe('ERRNO(38)'); // 268 > 257
    expect(decide(p, 'sched_yield', [], 'x86')).toBe('ERRNO(1)'); // 158 <= 295
    expect(decide(p, 'fchmodat', [], 'x86')).toBe('ERRNO(38)'); // 306 > 295
    expect(profileToPolicy(prof({ defaultErrnoRet: 38 }), { kernel: '6.1' }).enosys).toBeUndefined();
    expect(profileToPolicy(prof({ defaultAction: 'SCMP_ACT_LOG' }), { kernel: '6.1' }).enosys).toBeUndefined();
    expect(profileToPolicy(prof({}), { kernel: '6.1', enosysStub: false }).enosys).toBeUndefined();
  });
  it('an unconditional rule overrides conditional ones (libseccomp database)', () => {
    const p = profileToPolicy(parseProfile(JSON.stringify({
      ...base, syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
        { names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 },
      ],
    })), { kernel: '6.1' });
    expect(decide(p, 'read', [1n])).toBe('ERRNO(5)');
  });
  it('legacy name, null args, kept listener fields and flags', () => {
    const prof = parseProfile(JSON.stringify({
      defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/run/agent.sock', listenerMetadata: 'x', flags: ['SECCOMP_FILTER_FLAG_LOG'],
      syscalls: [{ name: 'read', action: 'SCMP_ACT_ALLOW', args: null }],
    }));
    const p = profileToPolicy(prof, { kernel: '6.1' });
    expect(p.listenerPath).toBe('/run/agent.sock');
    expect(p.listenerMetadata).toBe('x');
    expect(p.flags).toEqual(['SECCOMP_FILTER_FLAG_LOG']);
    expect(decide(p, 'read')).toBe('ALLOW');
    expect(decide(p, 'write')).toBe('USER_NOTIF');
  });
  it('32-bit ABIs compare the low 32 bits', () => {
    const p = profileToPolicy(parseProfile(JSON.stringify({
      ...base, syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 4294967295, op: 'SCMP_CMP_EQ' }] }],
    })), { kernel: '6.1' });
    expect(decide(p, 'personality', [0xffffffffn])).toBe('ALLOW');
    expect(decide(p, 'personality', [0xffffffffffffffffn])).toBe('ERRNO(1)');
    expect(decide(p, 'personality', [0xffffffffffffffffn], 'x86')).toBe('ALLOW');
  });
});

describe('embedded default profile', () => {
  it('parses and allows the usual calls', () => {
    const prof = defaultProfile();
    expect(prof.warnings).toEqual([]);
    const p = profileToPolicy(prof, { kernel: '6.1' });
    expect(decide(p, 'read')).toBe('ALLOW');
    expect(decide(p, 'ptrace')).toBe('ALLOW');
    expect(decide(p, 'kexec_load')).toBe('ERRNO(1)');
    expect(decide(p, 'bpf')).toBe('ERRNO(1)');
    expect(decide(p, 'personality', [8n])).toBe('ALLOW');
    expect(decide(p, 'personality', [9n])).toBe('ERRNO(38)');
    expect(decide(p, 'socket', [16n, 3n, 9n])).toBe('ALLOW'); // default caps include CAP_AUDIT_WRITE
    const noAudit = profileToPolicy(prof, { kernel: '6.1', caps: [] });
    expect(decide(noAudit, 'socket', [16n, 3n, 9n])).toBe('ERRNO(22)');
    expect(decide(noAudit, 'socket', [2n, 1n, 0n])).toBe('ALLOW');
    expect(p.arches.map((a) => a.arch)).toEqual(['x86_64', 'x86', 'x32']);
    expect(loadPolicy(undefined, { kernel: '6.1' }).arches).toHaveLength(3);
  });
  const DEBIAN = '/usr/share/containers/seccomp.json';
  it.skipIf(!existsSync(DEBIAN))('decides like containers-common seccomp.json on every syscall number', () => {
    for (const arch of ['x86_64', 'aarch64', 's390x', 'ppc64le', 'riscv64', 'mips64']) {
      const ours = profileToPolicy(defaultProfile(), { kernel: '6.1', arch });
      const theirs = loadPolicy(DEBIAN, { kernel: '6.1', arch });
      for (const ap of ours.arches) {
        const audit = { x86_64: X86_64 }[ap.arch as 'x86_64'];
        void audit;
        for (const { nr } of syscallsOf(ap.arch)) {
          for (const args of [[], [8n], [16n, 3n, 9n], [0xffffffffn]]) {
            const call = { nr, arch: archAudit(ap.arch), args };
            expect(actionValue(evaluatePolicy(ours, call).action)).toBe(actionValue(evaluatePolicy(theirs, call).action));
          }
        }
      }
    }
  });
});

import { archByName } from '../../src/seccomp/arch.js';
function archAudit(name: string): number { return archByName(name)!.audit; }

describe('fuzzed profiles never crash', () => {
  const valid = readFileSync(new URL('../../data/default-profile.json', import.meta.url), 'utf8');
  it('random JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      try { profileToPolicy(parseProfile(JSON.stringify(v)), { kernel: '6.1' }); } catch (e) { expect(e).toBeInstanceOf(BpfError); }
    }), { numRuns: 300 });
  });
  it('profile-shaped random values', () => {
    const arg = fc.record({ index: fc.oneof(fc.integer({ min: -2, max: 8 }), fc.string()), value: fc.oneof(fc.bigInt({ min: -5n, max: 1n << 65n }), fc.string()), op: fc.constantFrom('SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_MASKED_EQ', 'X') }, { requiredKeys: [] });
    const sc = fc.record({ names: fc.array(fc.constantFrom('read', 'write', 'nope', 1)), name: fc.constantFrom('read', ''), action: fc.constantFrom('SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'bad'), args: fc.oneof(fc.constant(null), fc.array(arg, { maxLength: 4 })), errnoRet: fc.integer({ min: -1, max: 70000 }) }, { requiredKeys: [] });
    const prof = fc.record({ defaultAction: fc.constantFrom('SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 3), architectures: fc.array(fc.constantFrom('SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_FOO')), syscalls: fc.array(sc, { maxLength: 5 }) }, { requiredKeys: [] });
    fc.assert(fc.property(prof, (v) => {
      const text = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x));
      try { profileToPolicy(parseProfile(text), { kernel: '6.1' }); } catch (e) { expect(e).toBeInstanceOf(InputError); }
    }), { numRuns: 300 });
  });
  it('truncated and mutated real profile text', () => {
    fc.assert(fc.property(fc.nat(valid.length), fc.nat(valid.length), fc.string({ maxLength: 3 }), (a, b, ins) => {
      const t = valid.slice(0, Math.min(a, b)) + ins + valid.slice(Math.max(a, b));
      try { parseProfile(t); } catch (e) { expect(e).toBeInstanceOf(InputError); }
    }), { numRuns: 200 });
  });
});
