import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  assembleCbpf, disassembleCbpf, filterToHex, parseCbpfFile, detectCbpfFormat, formatBytecode,
  formatSockFilterC, encodeFilter, sockFilter as I, type SockFilter,
} from '../../src/cbpf/index.js';
import { AsmError } from '../../src/errors.js';
import { seccompListing } from '../../src/seccomp/listing.js';
import { mutatedProgram, validProgram } from './gen.js';

const C = (f: SockFilter[]) => f.map(formatSockFilterC);

describe('bpf_asm syntax', () => {
  it('assembles the ARP example of Documentation/networking/filter.rst', () => {
    const f = assembleCbpf('  ldh [12]\n  jne #0x806, drop\n  ret #-1\n  drop: ret #0\n');
    expect(C(f)).toEqual(['{ 0x28, 0, 0, 0x0000000c }', '{ 0x15, 0, 1, 0x00000806 }', '{ 0x06, 0, 0, 0xffffffff }', '{ 0x06, 0, 0, 0x00000000 }']);
  });
  it('assembles the IPv4 TCP port 22 example', () => {
    const f = assembleCbpf(`
      ldh [12]
      jne #0x800, drop
      ldb [23]
      jneq #6, drop
      ldh [20]
      jset #0x1fff, drop
      ldxb 4 * ([14] & 0xf)
      ldh [x + 14]
      jeq #0x16, pass
      ldh [x + 16]
      jne #0x16, drop
      pass: ret #-1
      drop: ret #0`);
    expect(C(f)).toEqual([
      '{ 0x28, 0, 0, 0x0000000c }', '{ 0x15, 0, 10, 0x00000800 }', '{ 0x30, 0, 0, 0x00000017 }', '{ 0x15, 0, 8, 0x00000006 }',
      '{ 0x28, 0, 0, 0x00000014 }', '{ 0x45, 6, 0, 0x00001fff }', '{ 0xb1, 0, 0, 0x0000000e }', '{ 0x48, 0, 0, 0x0000000e }',
      '{ 0x15, 2, 0, 0x00000016 }', '{ 0x48, 0, 0, 0x00000010 }', '{ 0x15, 0, 1, 0x00000016 }', '{ 0x06, 0, 0, 0xffffffff }',
      '{ 0x06, 0, 0, 0x00000000 }',
    ]);
  });
  it('knows every instruction form', () => {
    const src = `ld #len
ldi #5
ld M[3]
ldb #proto
ld #rand
ldh [x]
ldx #len
ldx M[15]
ldxi #0b101
st M[0]
stx M[1]
add x
sub #1
mul #3
div #2
mod x
and #0xff
or x
xor #017
lsh #2
rsh x
neg
tax
txa
jgt x, a, b
a: jlt #4, b
jle #4, b, b
b: ja c
c: ret a
ret #0x7fff0000 ; comment
.insn 0x0e, 0, 0, 0 // raw`;
    const f = assembleCbpf(src);
    expect(f.length).toBe(31);
    expect(f[0]).toEqual(I(0x80, 0, 0, 0));
    expect(f[2]).toEqual(I(0x60, 0, 0, 3));
    expect(f[3]).toEqual(I(0x30, 0, 0, 0xfffff000));
    expect(f[4]).toEqual(I(0x20, 0, 0, 0xfffff038));
    expect(f[8]).toEqual(I(0x01, 0, 0, 5));
    expect(f[18]).toEqual(I(0xa4, 0, 0, 15));
    expect(f[24]).toEqual(I(0x2d, 0, 2, 0)); // jgt x, a, b
    expect(f[25]).toEqual(I(0x35, 0, 1, 4)); // jlt #4, b → jge with jf = b
    expect(f[26]).toEqual(I(0x25, 0, 0, 4)); // jle #4, b, b → jgt with both = b
    expect(f[30]).toEqual(I(0x0e, 0, 0, 0));
  });
  it('reports errors with line and column', () => {
    const bad: [string, RegExp][] = [
      ['ld [12]\nfoo #1', /line 2, column 1: unknown mnemonic 'foo'/],
      ['ja nowhere\nret #0', /line 1.*unknown label 'nowhere'/],
      ['l: ret #0\nja l', /backwards/],
      ['ret x', /not a kernel-accepted/],
      ['ld #notanumber', /ancillary keyword|number/],
      ['jeq #1', /expects/],
      ['ldh #5', /cannot load an immediate/],
      ['x: x: ret #0', /duplicate label/],
      [`jeq #1, far\n${'ld #0\n'.repeat(256)}far: ret #0`, /more than 255/],
    ];
    for (const [src, re] of bad) {
      expect(() => assembleCbpf(src)).toThrow(AsmError);
      expect(() => assembleCbpf(src)).toThrow(re);
    }
  });
  it('round-trips: assemble(disassemble(p)) = p for valid and mutated programs', () => {
    fc.assert(fc.property(fc.oneof(validProgram('packet', 30), validProgram('seccomp', 30), mutatedProgram('packet')), (p) => {
      expect(filterToHex(assembleCbpf(disassembleCbpf(p)))).toBe(filterToHex(p));
      expect(filterToHex(assembleCbpf(disassembleCbpf(p, { raw: true })))).toBe(filterToHex(p));
    }), { numRuns: 300 });
  });
});

describe('file formats', () => {
  const p = assembleCbpf('ldh [12]\njne #0x806, drop\nret #-1\ndrop: ret #0');
  it('detects and parses bin, hex, bytecode, C and asm', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const forms: [Uint8Array, string][] = [
      [encodeFilter(p), 'bin'],
      [enc(filterToHex(p) + '\n'), 'hex'],
      [enc(formatBytecode(p)), 'bytecode'],
      [enc('4\n40 0 0 12\n21 0 1 2054\n6 0 0 4294967295\n6 0 0 0\n'), 'bytecode'],
      [enc(C(p).join(',\n')), 'c'],
      [enc(disassembleCbpf(p)), 'asm'],
    ];
    for (const [bytes, fmt] of forms) {
      expect(detectCbpfFormat(bytes)).toBe(fmt);
      expect(parseCbpfFile(bytes)).toEqual(p);
    }
    expect(formatBytecode(p)).toBe('4,40 0 0 12,21 0 1 2054,6 0 0 4294967295,6 0 0 0');
    expect(() => parseCbpfFile(enc('1,6 256 0 0'))).toThrow(/pc 0: field out of range/);
    expect(() => parseCbpfFile(enc('{ 0x10006, 0, 0, 0 }'))).toThrow(/field out of range/);
    expect(() => parseCbpfFile(enc('2,6 0 0 0'))).toThrow(/says 2 instructions but has 1/);
    expect(() => parseCbpfFile(encodeFilter(p).slice(0, 7))).toThrow(/not a multiple of 8/);
  });
});

describe('seccomp listing', () => {
  it('names fields, arches, syscalls and actions per path', () => {
    const f = assembleCbpf(`
      ld [4]
      jne #0xc000003e, bad
      ld [0]
      jeq #257, deny
      jge #0x40000000, bad
      ld [24]
      jset #1, deny, ok
      ok: ret #0x7fff0000
      deny: ret #0x50001
      bad: ret #0x80000000`);
    expect(seccompListing(f)).toBe([
      ' line  CODE  JT   JF      K',
      '=================================',
      ' 0000: 0x20 0x00 0x00 0x00000004  A = arch',
      ' 0001: 0x15 0x00 0x07 0xc000003e  if (A != ARCH_X86_64) goto 0009',
      ' 0002: 0x20 0x00 0x00 0x00000000  A = sys_number',
      ' 0003: 0x15 0x04 0x00 0x00000101  if (A == openat) goto 0008',
      ' 0004: 0x35 0x04 0x00 0x40000000  if (A >= 0x40000000) goto 0009',
      ' 0005: 0x20 0x00 0x00 0x00000018  A = args[1]',
      ' 0006: 0x45 0x01 0x00 0x00000001  if (A & 0x1) goto 0008',
      ' 0007: 0x06 0x00 0x00 0x7fff0000  return ALLOW',
      ' 0008: 0x06 0x00 0x00 0x00050001  return ERRNO(1)',
      ' 0009: 0x06 0x00 0x00 0x80000000  return KILL_PROCESS',
      '',
    ].join('\n'));
  });
  it('resolves i386 numbers after an i386 arch check and falls back to numbers', () => {
    const f = assembleCbpf('ld [4]\njeq #0x40000003, x86, other\nx86: ld [0]\njeq #5, yes\nret #0\nother: ld [0]\njeq #99999, yes\nret #0\nyes: ret #0x7fff0000');
    const l = seccompListing(f);
    expect(l).toContain('if (A != ARCH_I386) goto 0005');
    expect(l).toContain('if (A == open) goto 0008'); // i386 nr 5 = open
    expect(l).toContain('if (A == 0x1869f) goto 0008');
  });
});
