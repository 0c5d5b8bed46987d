import { describe, expect, it } from 'vitest';
import { I, ProgramBuilder, assemble } from '../../src/asm/index.js';
import { BpfError } from '../../src/errors.js';
import { OPCODES, lookupOpcode } from '../../src/isa/index.js';

describe('instruction builder', () => {
  it('makes the documented instructions', () => {
    expect(I.mov64Imm(0, 1)).toEqual({ code: 0xb7, dst: 0, src: 0, off: 0, imm: 1 });
    expect(I.ldxw(0, 1, 4)).toEqual({ code: 0x61, dst: 0, src: 1, off: 4, imm: 0 });
    expect(I.jeqImm(1, 5, 2)).toEqual({ code: 0x15, dst: 1, src: 0, off: 2, imm: 5 });
    expect(I.call(1)).toEqual({ code: 0x85, dst: 0, src: 0, off: 0, imm: 1 });
    expect(I.exit()).toEqual({ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
    expect(I.sdiv32Reg(1, 2)).toEqual({ code: 0x3c, dst: 1, src: 2, off: 1, imm: 0 });
    expect(I.movsx3264(1, 2)).toEqual({ code: 0xbf, dst: 1, src: 2, off: 32, imm: 0 });
    expect(I.bswap16(3)).toEqual({ code: 0xd7, dst: 3, src: 0, off: 0, imm: 16 });
    expect(I.atomicFetchAdd64(10, 1, -8)).toEqual({ code: 0xdb, dst: 10, src: 1, off: -8, imm: 1 });
    expect(I.atomicCmpxchg32(10, 1, -8)).toEqual({ code: 0xc3, dst: 10, src: 1, off: -8, imm: 0xf1 });
    expect(I.loadAcquiredw(0, 1, 0)).toEqual({ code: 0xdb, dst: 0, src: 1, off: 0, imm: 0x100 });
    expect(I.stw(10, -4, 7)).toEqual({ code: 0x62, dst: 10, src: 0, off: -4, imm: 7 });
    expect(I.stxdw(10, 1, -8)).toEqual({ code: 0x7b, dst: 10, src: 1, off: -8, imm: 0 });
    expect(I.ja32(-1)).toEqual({ code: 0x06, dst: 0, src: 0, off: 0, imm: -1 });
    expect(I.lddw(1, 0x1122334455667788n)).toEqual([
      { code: 0x18, dst: 1, src: 0, off: 0, imm: 0x55667788 }, { code: 0, dst: 0, src: 0, off: 0, imm: 0x11223344 }]);
    expect(I.ldMapValue(2, 3, 16)[0].src).toBe(2);
    expect(I.mov32Imm(0, 0xffffffff).imm).toBe(-1);
  });

  it('covers every row of the opcode table exactly once', () => {
    const seen = new Set<number>();
    for (const [name, fn] of Object.entries(I)) {
      const out = (fn as (...a: number[]) => unknown)(1, 2, 3, 4);
      const x = (Array.isArray(out) ? out[0] : out) as { code: number; off: number; imm: number };
      if (name === 'callLocal' || name === 'callKfunc' || name.startsWith('ld')) {
        if (!name.startsWith('ld') || name === 'lddw') seen.add(OPCODES.indexOf(lookupOpcode(x.code, x.off, x.imm)!));
        continue;
      }
      const row = lookupOpcode(x.code, x.off, x.imm);
      expect(row, name).toBeDefined();
      seen.add(OPCODES.indexOf(row!));
    }
    for (const [i, r] of OPCODES.entries()) {
      if (!seen.has(i)) {
        // ldx/ldabs/ldind names start with 'ld' too: check them directly.
        const fn = (I as unknown as Record<string, (...a: number[]) => { code: number }>)[r.mnemonic];
        expect(fn?.(1, 2, 3).code, r.mnemonic).toBe(r.code);
      }
    }
  });

  it('rejects bad registers, offsets and immediates with BpfError', () => {
    expect(() => I.mov64Reg(11, 0)).toThrow(BpfError);
    expect(() => I.ldxw(0, 1, 40000)).toThrow(/offset 40000/);
    expect(() => I.add64Imm(0, 2 ** 32)).toThrow(/32 bits/);
    expect(() => I.lddw(0, 2 ** 60)).toThrow(/bigint/);
  });
});

describe('ProgramBuilder', () => {
  it('resolves labels like the assembler', () => {
    const b = new ProgramBuilder();
    b.emit(I.mov64Imm(0, 0)).jump(I.jeqImm(1, 5, 0), 'out').emit(I.lddw(2, 7n)).jump(I.ja(0), 'out')
      .jump(I.callLocal(0), 'fn').label('out').emit(I.exit()).label('fn').emit(I.mov64Imm(0, 1), I.exit());
    const built = b.build();
    const asm = assemble(`r0 = 0
if r1 == 0x5 goto out
r2 = 7 ll
goto out
call fn
out: exit
fn: r0 = 1
exit`);
    expect([...built.bytes]).toEqual([...asm.bytes]);
    expect(built.labels.get('fn')).toBe(7);
  });
  it('reports unknown labels and non-jumps', () => {
    expect(() => new ProgramBuilder().jump(I.ja(0), 'nowhere').emit(I.exit()).build()).toThrow(/unknown label 'nowhere'/);
    expect(() => new ProgramBuilder().jump(I.exit(), 'x')).toThrow(BpfError);
    expect(() => new ProgramBuilder().label('a').label('a')).toThrow(/duplicate/);
  });
});
