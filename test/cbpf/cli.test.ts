import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { fakeIo as io } from '../support/cli.js';
import { assembleCbpf, encodeFilter, filterToHex } from '../../src/cbpf/index.js';


const dir = mkdtempSync(join(tmpdir(), 'cbpf-cli-'));
const SRC = `
  ld [4]
  jne #0xc000003e, kill
  ld [0]
  jeq #257, deny
  jeq #1, wr
  ret #0x7fff0000
wr: ld [16]
  jeq #1, ok, deny
ok: ret #0x7fff0000
deny: ret #0x50001
kill: ret #0x80000000
`;
const asmFile = join(dir, 'f.bpf_asm');
writeFileSync(asmFile, SRC);
const binFile = join(dir, 'f.bpf');
writeFileSync(binFile, encodeFilter(assembleCbpf(SRC)));

describe('bpfsim cbpf', () => {
  it('run --seccomp on a raw export and on asm text', async () => {
    for (const f of [binFile, asmFile]) {
      const t = io();
      expect(await main(['cbpf', 'run', f, '--seccomp', '{"nr":"openat","arch":"x86_64"}'], t)).toBe(0);
      expect(t.out).toBe('0x00050001 ERRNO errno 1\n');
    }
    const t = io();
    await main(['cbpf', 'run', binFile, '--json', '--seccomp', '{"id":7,"nr":1,"args":["0x1"]}'], t);
    expect(JSON.parse(t.out)).toEqual({ id: 7, ret: '0x7fff0000', action: 'ALLOW', data: 0, cached: false });
  });
  it('run --batch: JSON lines in, one result per line, errors name line and path', async () => {
    const lines = [
      '{"id":"a","nr":1,"arch":"x86_64","args":[1]}',
      '{"id":"b","nr":1,"arch":3221225534,"args":["18446744073709551617"]}',
      '{"id":"c","nr":1,"arch":"x86_64","args":["0x100000002"]}',
      '{"id":"d","nr":0,"arch":"i386"}',
      '{"id":"e","nr":0,"arch":"x86_64","ip":"0x7fffffffffff"}',
      '',
      '{"id":"f","nr":1,"args":[1,2,18014398509481985]}',
      '{"id":"g","nr":1,"args":[1],"bogus":1}',
      'not json',
    ].join('\n');
    const t = io(lines);
    expect(await main(['cbpf', 'run', binFile, '--batch'], t)).toBe(1);
    const res = t.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(res[0]).toEqual({ id: 'a', ret: '0x7fff0000', action: 'ALLOW', data: 0, cached: false });
    expect(res[1]).toMatchObject({ id: 'b', error: expect.stringMatching(/line 2: \$\.args\[0\]: .*64 bits/) });
    expect(res[2]).toMatchObject({ id: 'c', ret: '0x00050001', action: 'ERRNO', data: 1, errno: 1 });
    expect(res[3]).toMatchObject({ id: 'd', ret: '0x80000000', action: 'KILL_PROCESS' });
    expect(res[4]).toMatchObject({ id: 'e', ret: '0x7fff0000', cached: true });
    expect(res[5]).toMatchObject({ id: 'f', error: expect.stringMatching(/line 7: \$\.args\[2\]: .*precision/) });
    expect(res[6]).toMatchObject({ id: 'g', error: expect.stringMatching(/line 8: \$\.bogus: unknown key/) });
    expect(res[7]).toMatchObject({ error: expect.stringMatching(/line 9: \$: invalid JSON/) });
  });
  it('resolves syscall names on the named arch (x32 numbers carry 0x40000000)', async () => {
    const f = join(dir, 'nr.asm');
    writeFileSync(f, 'ld [0]\nret a\n');
    for (const [arch, name, nr] of [['x86_64', 'openat', 257], ['i386', 'openat', 295], ['x32', 'read', 0x40000000], ['aarch64', 'openat', 56]] as const) {
      const t = io();
      await main(['cbpf', 'run', f, '--json', '--seccomp', JSON.stringify({ nr: name, arch })], t);
      expect(JSON.parse(t.out).ret).toBe('0x' + nr.toString(16).padStart(8, '0'));
    }
  });
  it('run with stacked filters', async () => {
    const second = join(dir, 'second.hex');
    writeFileSync(second, filterToHex(assembleCbpf('ld [0]\njeq #1, t\nret #0x7fff0000\nt: ret #0x50002')));
    const t = io();
    await main(['cbpf', 'run', binFile, second, '--json', '--seccomp', '{"nr":257}'], t);
    expect(JSON.parse(t.out)).toMatchObject({ ret: '0x00050001', filter: 0 });
    const u = io();
    await main(['cbpf', 'run', binFile, second, '--json', '--seccomp', '{"nr":1,"args":[2]}'], u);
    expect(JSON.parse(u.out)).toMatchObject({ ret: '0x00050002', filter: 1 });
  });
  it('run --trace prints the executed path with A and X', async () => {
    const t = io();
    await main(['cbpf', 'run', binFile, '--trace', '--seccomp', '{"nr":1,"args":[2]}'], t);
    expect(t.out).toBe([
      '  0000  A=0x00000000 X=0x00000000  A = arch',
      '  0001  A=0xc000003e X=0x00000000  if (A != ARCH_X86_64) goto 0010',
      '  0002  A=0xc000003e X=0x00000000  A = sys_number',
      '  0003  A=0x00000001 X=0x00000000  if (A == openat) goto 0009',
      '  0004  A=0x00000001 X=0x00000000  if (A == write) goto 0006',
      '  0006  A=0x00000001 X=0x00000000  A = args[0]',
      '  0007  A=0x00000002 X=0x00000000  if (A != 0x1) goto 0009',
      '  0009  A=0x00000002 X=0x00000000  return ERRNO(1)',
      '0x00050001 ERRNO errno 1',
      '',
    ].join('\n'));
    const p = io();
    const f = join(dir, 'div.asm');
    writeFileSync(f, 'ldx #0\ndiv x\nret a\n');
    await main(['cbpf', 'run', f, '--trace', '--packet', '00'], p);
    expect(p.out).toContain('(ended at pc 1 without ret: division by zero, value 0)');
  });
  it('run --packet', async () => {
    const f = join(dir, 'arp.asm');
    writeFileSync(f, 'ldh [12]\njne #0x806, drop\nret #-1\ndrop: ret #0\n');
    const t = io();
    await main(['cbpf', 'run', f, '--packet', '000000000000000000000000 0806'], t);
    expect(t.out).toBe('ret: 4294967295 (0xffffffff), exit ret at pc 2\n');
  });
  it('check explains rejections', async () => {
    const bad = join(dir, 'bad.hex');
    writeFileSync(bad, filterToHex(assembleCbpf('ld [2]\nret #0')));
    const t = io();
    expect(await main(['cbpf', 'check', bad], t)).toBe(1);
    expect(t.out).toBe('seccomp filter: rejected (EINVAL) at pc 0: load at offset 2 is not 4-byte aligned\nsocket filter:  accepted\n');
    const j = io();
    expect(await main(['cbpf', 'check', binFile, '--json'], j)).toBe(0);
    expect(JSON.parse(j.out)).toMatchObject({ length: 11, seccomp: { ok: true }, classic: { ok: true } });
  });
  it('asm, disasm, listing, translate', async () => {
    const t = io();
    await main(['cbpf', 'asm', asmFile], t);
    expect(t.out.trim()).toBe(filterToHex(assembleCbpf(SRC)));
    const out = join(dir, 'out.bpf');
    await main(['cbpf', 'asm', asmFile, '-o', out], io());
    expect(new Uint8Array(readFileSync(out))).toEqual(encodeFilter(assembleCbpf(SRC)));
    const d = io();
    await main(['cbpf', 'disasm', binFile], d);
    expect(d.out).toContain('\tjeq #0x101, L9\n');
    expect(d.out).toContain('\tjne #0xc000003e, L10\n');
    const l = io();
    await main(['cbpf', 'disasm', binFile, '--seccomp'], l);
    expect(l.out).toContain('if (A == openat) goto 0009');
    const tr = io();
    await main(['cbpf', 'translate', binFile], tr);
    expect(tr.out.split('\n')[0]).toBe('ac00000000000000');
  });
  it('usage errors exit 2', async () => {
    const t = io();
    expect(await main(['cbpf', 'run', binFile], t)).toBe(2);
    expect(t.err).toMatch(/exactly one of/);
    expect(await main(['cbpf', 'frob'], io())).toBe(2);
    const e = io();
    expect(await main(['cbpf', 'run', binFile, '--seccomp', '{"nr":"nosuchcall"}'], e)).toBe(1);
    expect(e.err).toMatch(/\$\.nr: unknown syscall 'nosuchcall'/);
  });
});
