import { describe, it, expect } from 'vitest';
import { installMatchers, loadPolicy, defaultProfile, makeEvaluator, type SeccompMatchers } from '../../src/seccomp/index.js';

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T = any> extends SeccompMatchers<T> {}
}
installMatchers(expect);

describe('vitest matchers', () => {
  const policy = loadPolicy(undefined, { kernel: '6.1' });
  it('toAllow / toDeny / toReturn on a policy', () => {
    expect(policy).toAllow('openat', { args: [-100, 0, 0x80000] });
    expect(policy).toDeny('kexec_load');
    expect(policy).not.toDeny('read');
    expect(policy).toReturnAction('personality', 'ERRNO(38)', { args: [0x40000] });
    expect(policy).toReturnAction('personality', 0x7fff0000, { args: ['0xffffffff'] });
    expect(policy).toDeny('kexec_load', { abi: 'x86' });
    expect(policy).toDeny('read', { abi: 'aarch64' }); // not in the policy: bad-arch action
  });
  it('on a profile (translated with the options) and a compiled form', () => {
    expect(defaultProfile()).toAllow('bpf', { caps: ['CAP_SYS_ADMIN'], kernel: '6.1' });
    expect(defaultProfile()).toDeny('bpf', { kernel: '6.1' });
    expect(makeEvaluator(policy, 'array')).toAllow('ptrace');
    expect(policy).toReturnAction('ptrace', 'ALLOW', { form: 'tree' });
  });
  it('fails with a readable message', () => {
    expect(() => expect(policy).toAllow('kexec_load')).toThrow(/expected kexec_load\(\) on x86_64 to be allowed, but it gets ERRNO\(1\)/);
    expect(() => expect(policy).toReturnAction('read', 'KILL_PROCESS')).toThrow(/to return KILL_PROCESS, got ALLOW/);
    expect(() => expect({}).toAllow('read')).toThrow(/expected a seccomp Policy/);
  });
});
