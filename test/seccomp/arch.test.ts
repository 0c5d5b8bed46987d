import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  ARCHES, AUDIT_ARCH, archByName, archByValue, syscallName, syscallNumber, syscallsOf, resolveSyscall, requireArch,
} from '../../src/seccomp/arch.js';
import { InputError } from '../../src/errors.js';

describe('audit arch constants', () => {
  it('match include/uapi/linux/audit.h', () => {
    expect(AUDIT_ARCH.X86_64).toBe(0xc000003e);
    expect(AUDIT_ARCH.I386).toBe(0x40000003);
    expect(AUDIT_ARCH.AARCH64).toBe(0xc00000b7);
    expect(AUDIT_ARCH.ARM).toBe(0x40000028);
    expect(AUDIT_ARCH.RISCV64).toBe(0xc00000f3);
    expect(AUDIT_ARCH.S390X).toBe(0x80000016);
    expect(AUDIT_ARCH.PPC64LE).toBe(0xc0000015);
    expect(AUDIT_ARCH.MIPS64N32).toBe(0xa0000008);
    expect(AUDIT_ARCH.MIPSEL64N32).toBe(0xe0000008);
  });
  it('x32 shares x86_64 audit arch and is told apart by the nr bit', () => {
    const x32 = archByName('SCMP_ARCH_X32')!;
    expect(x32.audit).toBe(0xc000003e);
    expect(x32.nrBit).toBe(0x40000000);
    expect(archByValue(0xc000003e, 0x40000000 + 257)!.name).toBe('x32');
    expect(archByValue(0xc000003e, 257)!.name).toBe('x86_64');
    expect(archByValue(0xc000003e)!.name).toBe('x86_64');
    expect(archByValue(0x12345678)).toBeUndefined();
  });
  it('names and aliases', () => {
    expect(archByName('amd64')!.name).toBe('x86_64');
    expect(archByName('scmp_arch_aarch64')!.name).toBe('aarch64');
    expect(archByName('arm64')!.name).toBe('aarch64');
    expect(archByName('nope')).toBeUndefined();
    expect(() => requireArch('nope')).toThrow(InputError);
    for (const a of ARCHES) expect(archByValue(a.audit, a.nrBit)!.audit).toBe(a.audit);
  });
});

describe('syscall tables', () => {
  it('well-known numbers', () => {
    expect(syscallNumber('x86_64', 'openat')).toBe(257);
    expect(syscallNumber('x86_64', 'read')).toBe(0);
    expect(syscallNumber('x86', 'socketcall')).toBe(102);
    expect(syscallNumber('x32', 'openat')).toBe(0x40000000 + 257);
    expect(syscallNumber('x32', 'readv')).toBe(0x40000000 + 515);
    expect(syscallNumber('aarch64', 'openat')).toBe(56);
    expect(syscallNumber('aarch64', 'open')).toBeUndefined();
    expect(syscallNumber('mips', 'openat')).toBe(4288);
    expect(syscallNumber('arm', 'cacheflush')).toBe(0x0f0002);
    expect(syscallName('x86_64', 59)).toBe('execve');
    expect(syscallName('x86_64', 100000)).toBeUndefined();
  });
  it.each(ARCHES.map((a) => [a.name]))('%s: name <-> number round-trips', (name) => {
    const list = syscallsOf(name);
    expect(list.length).toBeGreaterThan(250);
    for (const { name: n, nr } of list) {
      expect(syscallNumber(name, n)).toBe(nr);
      expect(syscallNumber(name, syscallName(name, nr)!)).toBe(nr);
    }
  });
  it('resolveSyscall accepts names and numbers', () => {
    expect(resolveSyscall('x86_64', 'ptrace')).toBe(101);
    expect(resolveSyscall('x86_64', '0x65')).toBe(101);
    expect(resolveSyscall('x86_64', 7)).toBe(7);
    expect(() => resolveSyscall('x86_64', 'no_such_call')).toThrow(/unknown syscall/);
  });
});

const RESOLVER = '/usr/bin/scmp_sys_resolver';
describe.skipIf(!existsSync(RESOLVER))('differential against scmp_sys_resolver', () => {
  it.each(ARCHES.map((a) => [a.name]))('%s matches a sample', (name) => {
    const list = syscallsOf(name);
    const sample = list.filter((_, i) => i % 37 === 0);
    for (const { name: n, nr } of sample) {
      // number -> name (name -> number maps socket/ipc calls to their multiplexers on some arches)
      const out = execFileSync(RESOLVER, ['-a', name, String(nr)], { encoding: 'utf8' }).trim();
      expect(out).toBe(n);
    }
  });
});
