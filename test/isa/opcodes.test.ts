import { describe, expect, it } from 'vitest';
import { BpfError, ErrorCode } from '../../src/errors.js';
import {
  OPCODES, decodeProgram, encodeInsns, hexToBytes, lddwInsns, lookupOpcode, programFromInsns, rowsForCode,
} from '../../src/isa/index.js';

describe('opcode table', () => {
  it('has unique (code, variant) keys and unique mnemonics', () => {
    const keys = new Set(OPCODES.map((r) => `${r.code}/${r.variant?.field}/${r.variant?.value}`));
    expect(keys.size).toBe(OPCODES.length);
    expect(new Set(OPCODES.map((r) => `${r.mnemonic}/${r.source}`)).size).toBe(OPCODES.length);
  });

  it('knows exactly the opcode bytes of RFC 9669 plus the Linux extensions', () => {
    const known = [...Array(256).keys()].filter((c) => rowsForCode(c).length > 0);
    // ALU: 12 ops x 2 sources + neg + le + be; ALU64: the same with bswap for le/be;
    // JMP: 22 conditional + ja, call, callx, exit; JMP32: 22 + ja32 (gotol);
    // LD: lddw, 3 abs, 3 ind; LDX: 4 mem, 3 memsx; ST: 4; STX: 4 mem, 4 atomic
    expect(known.length).toBe(27 + 26 + 26 + 23 + 7 + 7 + 4 + 8);
    for (const bad of [0x8c, 0x8f, 0xdf, 0x38, 0x58, 0x98, 0x9d, 0x0e, 0x86, 0x96]) {
      expect(rowsForCode(bad)).toHaveLength(0);
    }
  });

  it('picks variants by off and imm', () => {
    expect(lookupOpcode(0x3f, 1, 0)?.mnemonic).toBe('sdiv');
    expect(lookupOpcode(0x3f, 0, 0)?.mnemonic).toBe('div');
    expect(lookupOpcode(0x3f, 2, 0)).toBeUndefined();
    expect(lookupOpcode(0xbf, 32, 0)?.mnemonic).toBe('movsx3264');
    expect(lookupOpcode(0xbc, 32, 0)).toBeUndefined();
    expect(lookupOpcode(0xdc, 0, 16)?.mnemonic).toBe('be16');
    expect(lookupOpcode(0xd7, 0, 64)?.mnemonic).toBe('bswap64');
    expect(lookupOpcode(0xdb, 0, 0xf1)?.mnemonic).toBe('lock cmpxchg');
    expect(lookupOpcode(0xc3, 0, 0x100)?.mnemonic).toBe('load_acquirew');
  });
});

describe('decodeProgram', () => {
  const errOf = (hex: string): BpfError => {
    try {
      decodeProgram(hexToBytes(hex));
    } catch (e) {
      if (e instanceof BpfError) return e;
      throw e;
    }
    throw new Error('expected an error');
  };

  it('round-trips bytes', () => {
    const insns = [...lddwInsns(1, 0x1122334455667788n), { code: 0xbf, dst: 0, src: 1, off: 0, imm: 0 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }];
    const bytes = encodeInsns(insns);
    const p = decodeProgram(bytes);
    expect(p.length).toBe(4);
    expect(p.imm64(0)).toBe(0x1122334455667788n);
    expect([...p.toBytes()]).toEqual([...bytes]);
    expect(programFromInsns(insns).rowAt(2)?.mnemonic).toBe('mov');
  });

  it('names the slot of each structural error', () => {
    expect(errOf('9500000000000000 ff00000000000000')).toMatchObject({ code: ErrorCode.BadOpcode, pc: 1 });
    expect(errOf('18010000000000000')).toMatchObject({ code: ErrorCode.Parse });
    expect(errOf('950000000000000000')).toMatchObject({ code: ErrorCode.Truncated });
    expect(errOf('1801000000000000')).toMatchObject({ code: ErrorCode.Truncated, pc: 0 });
    expect(errOf('b70b000000000000 9500000000000000')).toMatchObject({ code: ErrorCode.BadRegister, pc: 0 });
    expect(errOf('b710000000000000 9500000000000000')).toMatchObject({ code: ErrorCode.ReservedField, pc: 0 });
    expect(errOf('0500020000000000 9500000000000000')).toMatchObject({ code: ErrorCode.BadJump, pc: 0 });
    expect(errOf('0500010000000000 1801000000000000 0000000000000000 9500000000000000').message).toContain('middle of ldimm64');
    expect(errOf('1801000000000000 0100000000000000 9500000000000000').message).toContain('invalid bpf_ld_imm64 insn');
  });
});
