import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { fakeIo as io } from '../support/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import { decodeFilter } from '../../src/cbpf/insn.js';
import { ClassicRunner, profileToPolicy, defaultProfile, evaluatePolicy, AUDIT_ARCH } from '../../src/seccomp/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfsim-seccomp-'));
const TRACE = new URL('../../data/traces/example.strace', import.meta.url).pathname;
const K = ['--kernel', '6.1'];

describe('bpfsim seccomp', () => {
  it('start simulates the default profile over the bundled trace', async () => {
    const c = io();
    expect(await main(['start'], c)).toBe(0);
    expect(c.out).toMatch(/calls: \d+ allowed, 1 would be denied/);
    expect(c.out).toMatch(/personality\s+x86_64\s+ERRNO\(38\)\s+1\s+\d+/);
    expect(c.out).toMatch(/action cache: \d+ calls/);
  });
  it('simulate exits 2 on denials, 0 otherwise; --json gives per-call lines and a summary', async () => {
    const prof = join(dir, 'p.json');
    writeFileSync(prof, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['openat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }));
    const c = io();
    expect(await main(['seccomp', 'simulate', '--profile', prof, '--trace', TRACE, '--json', ...K], c)).toBe(2);
    const lines = c.out.trim().split('\n').map((l) => JSON.parse(l));
    const summary = lines.pop().summary;
    expect(summary.denials[0]).toMatchObject({ syscall: 'openat', action: 'ERRNO(13)' });
    expect(lines.length).toBe(summary.calls);
    expect(lines.filter((l) => l.name === 'openat').every((l) => l.action === 'ERRNO(13)')).toBe(true);
    const allow = join(dir, 'allow.json');
    writeFileSync(allow, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW' }));
    for (const form of ['linear', 'tree', 'array']) {
      const d = io();
      expect(await main(['seccomp', 'simulate', '--profile', allow, '--trace', TRACE, '--form', form, ...K], d)).toBe(0);
      expect(d.out).toMatch(/Nothing would be denied/);
    }
  });
  it('shows progress on a terminal for large traces (JSON-lines trace)', async () => {
    const t = join(dir, 'big.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 60_000; i++) lines.push(JSON.stringify({ nr: i % 3 === 0 ? 101 : 0, args: [i] }));
    writeFileSync(t, lines.join('\n') + '\n');
    const c = { ...io(), isTTY: true };
    const cap = io();
    const tty: CliIo = { ...c, stdout: (x) => cap.stdout(x), stderr: (x) => cap.stderr(x) };
    expect(await main(['seccomp', 'simulate', '--trace', t, ...K], tty)).toBe(0);
    expect(cap.err).toMatch(/50000 calls/);
    expect(cap.out).toMatch(/60000 calls: 60000 allowed/);
  });
  it('compile writes raw sock_filter bytes that decide like the model', async () => {
    const out = join(dir, 'f.bpf');
    expect(await main(['seccomp', 'compile', 'default', '--form', 'tree', '--out', out, ...K], io())).toBe(0);
    const f = decodeFilter(new Uint8Array(readFileSync(out)));
    const p = profileToPolicy(defaultProfile(), { kernel: '6.1' });
    const r = new ClassicRunner(f);
    for (let nr = 0; nr < 460; nr++) expect(r.run({ nr, arch: AUDIT_ARCH.X86_64 })).toBe(evaluatePolicy(p, { nr, arch: AUDIT_ARCH.X86_64 }).ret);
    const l = io();
    await main(['seccomp', 'compile', 'default', '--form', 'linear', ...K], l);
    expect(l.out).toMatch(/A = arch/);
    const a = io();
    await main(['seccomp', 'compile', 'default', '--form', 'array', ...K], a);
    expect(a.out).toMatch(/BPF_F_RDONLY_PROG, frozen/);
    expect(a.out).toMatch(/call/);
  });
  it('eval: single call and batch', async () => {
    const c = io();
    await main(['seccomp', 'eval', 'default', '--syscall', 'personality', '--args', '0x40000', ...K], c);
    expect(c.out).toMatch(/personality \(x86_64 nr 135\): ERRNO\(38\) — default action/);
    const b = io('{"id":1,"nr":"ptrace"}\n{"id":2,"nr":135,"arch":"x86_64","args":["0xffffffff"]}\n{"id":3,"nr":"kexec_load","arch":"x86"}\n');
    expect(await main(['seccomp', 'eval', 'default', '--batch', '--form', 'array', ...K], b)).toBe(0);
    expect(b.out.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { id: 1, ret: '0x7fff0000', action: 'ALLOW', data: 0 },
      { id: 2, ret: '0x7fff0000', action: 'ALLOW', data: 0 },
      { id: 3, ret: '0x00050001', action: 'ERRNO', data: 1, errno: 1 },
    ]);
    const bad = io('{"id":1,"nr":"nosuchcall"}\n');
    expect(await main(['seccomp', 'eval', 'default', '--batch', ...K], bad)).toBe(1);
    expect(bad.err).toMatch(/line 1/);
  });
  it('explain and diff', async () => {
    const e = io();
    await main(['seccomp', 'explain', 'default', '--arch', 'x86_64', ...K], e);
    expect(e.out).toMatch(/x86_64\s+135\s+personality\s+a0 EQ 0x0 → ALLOW/);
    expect(e.out).toMatch(/x86_64\s+246\s+kexec_load\s+ERRNO\(1\)/);
    const p2 = join(dir, 'p2.json');
    const prof = JSON.parse(readFileSync(new URL('../../data/default-profile.json', import.meta.url), 'utf8'));
    prof.syscalls[1].names = prof.syscalls[1].names.filter((n: string) => n !== 'mkdir');
    writeFileSync(p2, JSON.stringify(prof));
    const d = io();
    expect(await main(['seccomp', 'diff', 'default', p2, '--arch', 'x86_64', ...K], d)).toBe(1);
    expect(d.out).toMatch(/x86_64\s+83\s+mkdir\s+ALLOW\s+ERRNO\(38\)/);
    expect(d.out.trim().split('\n')).toHaveLength(2);
  });
  it('bad profiles report the JSON path', async () => {
    const p = join(dir, 'bad.json');
    writeFileSync(p, JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 7, op: 'SCMP_CMP_EQ', value: 1 }] }] }));
    const c = io();
    expect(await main(['seccomp', 'explain', p], c)).toBe(1);
    expect(c.err).toMatch(/\$\.syscalls\[0\]\.args\[0\]\.index: argument index 7 out of range/);
  });
});
