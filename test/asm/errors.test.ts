import { describe, expect, it } from 'vitest';
import { assemble, disasm, disasmAt } from '../../src/asm/index.js';
import { AsmError, ErrorCode } from '../../src/errors.js';

function asmErr(text: string): AsmError {
  try {
    assemble(text);
  } catch (e) {
    if (e instanceof AsmError) return e;
    throw e;
  }
  throw new Error('expected an AsmError');
}

describe('assembler errors name line and column', () => {
  it.each([
    // [source, line, column, message]
    ['mov32 %r0, 0\nfrobnicate %r1, 2\nexit', 2, 1, /unknown instruction 'frobnicate'/],
    ['r0 = r11\nexit', 1, 6, /invalid register r11/],
    ['mov %r12, 1\nexit', 1, 5, /invalid register %r12/],
    ['r0 = *(u32 *)(r1 +32768)\nexit', 1, 18, /offset 32768 out of range/],
    ['ldxw %r0, [%r1-32769]\nexit', 1, 15, /offset -32769 out of range/],
    ['r0 += 4294967296\nexit', 1, 7, /does not fit in 32 bits/],
    ['lddw %r0, 0x10000000000000000\nexit', 1, 11, /does not fit in 64 bits/],
    ['  goto nowhere\nexit', 1, 8, /unknown label 'nowhere'/],
    ['a: r0 = 0\na: exit', 2, 1, /duplicate label 'a'/],
    ['r0 = 0\nif r0 =< 1 goto +1\nexit', 2, 7, /expected a comparison/],
    ['r0 = 0\nexit\nexit extra', 3, 6, /unexpected 'extra'/],
    ['w0 += r1\nexit', 1, 7, /must be a w register/],
    ['r0 = *(u128 *)(r1 +0)\nexit', 1, 8, /expected a type/],
    ['goto +1\nexit', 1, 1, /jump out of range from insn 0 to 2/],
    ['r0 = 1 $\nexit', 1, 8, /unexpected character '\$'/],
    ['call bpf_map_lookup_elem#2\nexit', 1, 26, /helper 1, not 2/],
    ['call helper no_such_helper\nexit', 1, 13, /unknown helper 'no_such_helper'/],
    ['12: (b7) r0 = 0\n13: (95) exit', 1, 5, /opcode prefix \(b7\) does not match the instruction \(b4\)/],
    ['lock fetch xchg [%r10-8], %r1\nexit', 1, 12, /unknown atomic operation/],
    ['r1 = r2 + 1\nexit', 1, 9, /unexpected '\+'/],
    ['if r1 == 1 goto 3\nexit', 1, 17, /needs a sign/],
    ['', 1, 1, /empty program/],
    ['lddw %r1, foo\nexit', 1, 11, /expected a 64-bit immediate or map/],
    ['r1 = map[fd:3]\nexit', 1, 10, /expected 'id' or 'idx'/],
    ['w1 = map[id:3]\nexit', 1, 1, /64-bit register/],
    ['w1 = 5 ll\nexit', 1, 1, /64-bit register/],
    ['r0 = atomic_fetch_add((u64 *)(r1 +0), r2)\nexit', 1, 39, /same register as the destination/],
    ['r1 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)\nexit', 1, 1, /cmpxchg writes r0/],
    ['lock *(u16 *)(r1 +0) += r2\nexit', 1, 22, /no such instruction/],
    ['w0 = (s32)w1\nexit', 1, 7, /no such instruction/],
  ] as const)('%j', (src, line, col, msg) => {
    // the (b7) prefix case: make the instruction really b4
    const text = src.startsWith('12:') ? src.replace('r0 = 0', 'w0 = 0') : src;
    const e = asmErr(text);
    expect(e.code).toBe(ErrorCode.AsmSyntax);
    expect(e.message).toMatch(msg);
    expect({ line: e.line, column: e.column }).toEqual({ line, column: col });
    expect(e.message.startsWith(`line ${line}, column ${col}: `)).toBe(true);
  });
});

describe('assembler accepts', () => {
  const same = (a: string, b: string): void => { expect([...assemble(a).bytes]).toEqual([...assemble(b).bytes]); };
  it('comments of every kind', () => {
    same('r0 = 0 // c\n# full line\nexit ; c', 'r0 = 0\nexit');
    same('mov %r0, 1 # trailing\nexit', 'r0 = 1\nexit');
  });
  it('verifier log lines and llvm-objdump lines', () => {
    same('0: (b7) r0 = 0                       ; R0_w=0\n1: (95) exit', 'r0 = 0\nexit');
    same('      0: .......... (b7) r0 = 0\n  1   1: 0......... (95) exit', 'r0 = 0\nexit');
    same('       0:\tb7 00 00 00 00 00 00 00\tr0 = 0\n       1:\t05 00 00 00 00 00 00 00\tgoto +0 <LBB0_2>\n0000000000000010 <LBB0_2>:\n       2:\t95 00 00 00 00 00 00 00\texit', 'r0 = 0\ngoto +0\nexit');
  });
  it('the examples of issue 2', () => {
    const r = assemble('r0 = *(u32 *)(r1 + 4)\nw0 += 1\nif r1 > 0x5 goto +3\ncall 1\nr1 = 0x1234 ll\nlock *(u64 *)(r2 + 0) += r1\n'
      + 'mov32 %r0, 0\nldxw %r0, [%r1+4]\nexit');
    expect(r.insns.map((x) => x.code)).toEqual([0x61, 0x04, 0x25, 0x85, 0x18, 0x00, 0xdb, 0xb4, 0x61, 0x95]);
    expect(r.insns[2]!.off).toBe(3);
  });
  it('the hex-everywhere output of newer llvm-objdump', () => {
    same('r0 = *(u32 *)(r1 + 0x4)\nif r1 > 0x5 goto +0x3\nr1 = 0x1234 ll\ncall 0x1\n*(u64 *)(r10 - 0x8) = r1\nexit',
      'r0 = *(u32 *)(r1 + 4)\nif r1 > 5 goto +3\nr1 = 4660 ll\ncall 1\n*(u64 *)(r10 - 8) = r1\nexit');
  });
  it('decimal, hex and negative immediates', () => {
    same('r0 = -1\nexit', 'mov %r0, 0xffffffff\nexit');
    same('r0 += 0x10\nexit', 'add %r0, 16\nexit');
  });
  it('lddw / ll / kernel hex ld_imm64', () => {
    same('r1 = 0x1234\nexit', 'r1 = 4660 ll\nexit');
    same('lddw %r1, 0x1234\nexit', 'r1 = 4660 ll\nexit');
    expect(assemble('r1 = 0x10\nexit', { syntax: 'llvm' }).insns.length).toBe(2);
    expect(assemble('r1 = 0x10 ll\nexit', { syntax: 'llvm' }).insns.length).toBe(3);
  });
  it('.insn raw slots (what disasm prints for unknown opcodes without validation)', () => {
    expect([...assemble('.insn 0x5566778800000018\n.insn 0x1122334400000000\nexit').bytes])
      .toEqual([...assemble('lddw %r0, 0x1122334455667788\nexit').bytes]);
    const raw = assemble('.insn 0x00000000000000ff\nexit', { validate: false });
    expect(disasm(raw.program)).toEqual(['.insn 0x00000000000000ff', 'exit']);
    expect(() => assemble('.insn 0x00000000000000ff\nexit')).toThrow(/line 1, column 1: unknown opcode ff/);
  });
  it('labels and source lines in the result; disasmAt', () => {
    const r = assemble('start: r0 = 0\n\n  r1 = 0x10\nend:\nexit');
    expect(r.labels).toEqual(new Map([['start', 0], ['end', 3], ['exit', 3]]));
    expect(r.lines).toEqual([1, 3, 3, 5]);
    expect(disasmAt(r.program, 1, { code: true })).toBe('(18) r1 = 0x10');
    expect(() => disasmAt(r.program, 2)).toThrow(/second slot/);
  });
  it('helper names in calls', () => {
    same('call bpf_map_lookup_elem\nexit', 'call 1\nexit');
    same('call map_lookup_elem\nexit', 'call bpf_map_lookup_elem#1\nexit');
    same('call helper 5\nexit', 'call 5\nexit');
  });
  it('local calls by label, pc+N and +N', () => {
    same('call local f\nexit\nf: exit', 'call pc+1\nexit\nexit');
    same('call f\nexit\nf: exit', 'call local +1\nexit\nexit');
  });
  it('jumps by +N, -N, pc+N and labels', () => {
    same('l: r0 = 0\nif r0 == 0 goto l\nexit', 'r0 = 0\nif r0 == 0x0 goto pc-2\nexit');
    same('ja +0\nexit', 'goto pc+0\nexit');
    same('jeq %r1, 5, +0\nexit', 'if r1 == 5 goto +0\nexit');
  });
});
