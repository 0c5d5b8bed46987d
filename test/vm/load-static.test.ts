/**
 * Load-time strictness as in Linux: `Vm.load` applies only the kernel's
 * static checks (unknown opcode bytes, BPF_LDX modes, ld_imm64 pairs, jump
 * ranges); reserved fields and register numbers are do_check's, applied to
 * explored instructions only. So a malformed instruction in dead code loads
 * and runs (the verifier accepts the same program), and faults with the
 * kernel's message at its slot when it is executed — in every engine.
 */
import { describe, expect, it } from 'vitest';
import { BpfError, RuntimeFault } from '../../src/errors.js';
import { type Insn, decodeProgram, encodeInsns } from '../../src/isa/insn.js';
import { verify } from '../../src/verifier/index.js';
import { bytesToHex } from '../../src/isa/insn.js';
import { Vm, createJitEngine, engineNames, registerEngine } from '../../src/vm/index.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';

registerEngine(createJitEngine('jit-dispatch', { structured: false }));
registerEngine(createJitEngine('jit-generic', { fastStack: false }));
registerEngine(createJitEngine('jit-chunk3', { chunkInsns: 3 }));

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

/** Malformed instructions: [name, insns, error code, the kernel's do_check message]. */
const BAD: Array<[string, Insn[], string, string]> = [
  ['mov64 K with src set', [I(0xb7, 0, 1, 0, 1)], 'RESERVED_FIELD', 'BPF_MOV uses reserved fields'],
  ['add64 K with off set', [I(0x07, 0, 0, 3, 1)], 'RESERVED_FIELD', 'BPF_ALU uses reserved fields'],
  ['add64 X with imm set', [I(0x0f, 0, 1, 0, 9)], 'RESERVED_FIELD', 'BPF_ALU uses reserved fields'],
  ['mov64 into r11', [I(0xb7, 11, 0, 0, 1)], 'BAD_REGISTER', 'R11 is invalid'],
  ['mov64 from r12', [I(0xbf, 0, 12)], 'BAD_REGISTER', 'R12 is invalid'],
  ['movsx with off 7', [I(0xbf, 0, 1, 7)], 'RESERVED_FIELD', 'BPF_MOV uses reserved fields'],
  ['neg with imm', [I(0x87, 0, 0, 0, 5)], 'RESERVED_FIELD', 'BPF_NEG uses reserved fields'],
  ['le with imm 17', [I(0xd4, 0, 0, 0, 17)], 'RESERVED_FIELD', 'BPF_END uses reserved fields'],
  ['ldxdw into r15', [I(0x79, 15, 10, -8)], 'BAD_REGISTER', 'R15 is invalid'],
  ['stdw with src', [I(0x7a, 10, 3, -8, 1)], 'RESERVED_FIELD', 'BPF_ST uses reserved fields'],
  ['stxdw with imm', [I(0x7b, 10, 1, -8, 1)], 'RESERVED_FIELD', 'BPF_STX uses reserved fields'],
  ['atomic with unknown op', [I(0xdb, 10, 1, -8, 0x99)], 'RESERVED_FIELD', 'BPF_ATOMIC uses invalid atomic opcode 99'],
  ['ld_imm64 into r11', [I(0x18, 11, 0, 0, 1), I(0)], 'BAD_REGISTER', 'R11 is invalid'],
  ['jeq K with src', [I(0x15, 0, 2, 0, 0)], 'RESERVED_FIELD', 'BPF_JMP/JMP32 uses reserved fields'],
  ['jeq X on r11', [I(0x1d, 11, 0, 0, 0)], 'BAD_REGISTER', 'R11 is invalid'],
  ['exit with imm', [I(0x95, 0, 0, 0, 1)], 'RESERVED_FIELD', 'BPF_EXIT uses reserved fields'],
  ['call with dst', [I(0x85, 1, 0, 0, 5)], 'RESERVED_FIELD', 'BPF_CALL uses reserved fields'],
];

/**
 * r0 = 7; if r0 == 7 skip the bad instruction(s); exit. Reachable in the CFG
 * (check_cfg rejects unreachable code), pruned by the verifier's branch on a known value.
 */
function dead(bad: Insn[]): Uint8Array {
  return encodeInsns([I(0xb7, 0, 0, 0, 7), I(0x15, 0, 0, bad.length, 7), ...bad, I(0x95)]);
}
/** r0 = 7; the bad instruction(s) executed; exit (unless the bad one is an exit: check_cfg rejects unreachable code). */
function live(bad: Insn[]): Uint8Array {
  const end = bad[bad.length - 1]!.code === 0x95 ? [] : [I(0x95)];
  return encodeInsns([I(0xb7, 0, 0, 0, 7), ...bad, ...end]);
}

describe('the kernel accepts these in dead code', () => {
  it.each(BAD)('%s: verifier accepts dead, rejects live', (_name, bad, _code, message) => {
    expect(verify(dead(bad), { progType: 'raw' }).accepted).toBe(true);
    const r = verify(live(bad), { progType: 'raw' });
    expect(r.accepted).toBe(false);
    expect(r.message).toBe(message);
  });
});

describe.each(engineNames())('engine %s', (engine) => {
  it.each(BAD)('%s: loads, runs when dead, faults at its slot when executed', (_name, bad, code, message) => {
    const vm = new Vm({ engine });
    expect(vm.load(dead(bad)).run().r0).toBe(7n);
    const lp = vm.load(live(bad));
    let f: unknown;
    try { lp.run(); } catch (e) { f = e; }
    expect(f).toBeInstanceOf(RuntimeFault);
    expect((f as RuntimeFault).code).toBe(code);
    expect((f as RuntimeFault).pc).toBe(1);
    expect((f as RuntimeFault).message).toBe(`pc 1: ${message}`);
  });

  it('a bad instruction after a taken branch, inside a loop and in a subprogram', () => {
    const vm = new Vm({ engine, budget: 10_000 });
    // r1 = 3; loop: r1 -= 1; if r1 == 0 goto bad; goto loop ... bad faults on the 3rd pass.
    const loop = encodeInsns([
      I(0xb7, 1, 0, 0, 3), I(0x17, 1, 0, 0, 1), I(0x15, 1, 0, 1, 0), I(0x05, 0, 0, -3), I(0xb7, 11, 0, 0, 1), I(0x95),
    ]);
    expect(() => vm.load(loop).run()).toThrow(/^pc 4: R11 is invalid$/);
    // call a subprogram whose dead branch holds junk: runs.
    const sub = encodeInsns([
      I(0x85, 0, 1, 0, 1), I(0x95), I(0xb7, 0, 0, 0, 5), I(0x15, 0, 0, 1, 5), I(0x87, 0, 0, 1, 1), I(0x95),
    ]);
    expect(vm.load(sub).run().r0).toBe(5n);
  });

  it('a Program built in-process (classic-BPF translations fill src of K forms) skips the reserved-field rules, not the register rule', () => {
    const vm = new Vm({ engine });
    const kSrc = decodeProgram(encodeInsns([I(0xb4, 0, 0, 0, 5), I(0x04, 0, 7, 0, 2), I(0x95)]), { validate: false });
    expect(vm.load(kSrc).run().r0).toBe(7n);
    expect(() => vm.load(encodeInsns([I(0xb4, 0, 0, 0, 5), I(0x04, 0, 7, 0, 2), I(0x95)])).run()).toThrow(/^pc 1: BPF_ALU uses reserved fields$/);
    const r11 = decodeProgram(live([I(0xb7, 11)]), { validate: false });
    expect(() => vm.load(r11).run()).toThrow(/^pc 1: R11 is invalid$/);
  });

  it('budget exhaustion before a bad slot reports BUDGET at that slot', () => {
    const vm = new Vm({ engine, budget: 1 });
    let f: unknown;
    try { vm.load(live([I(0xb7, 11)])).run(); } catch (e) { f = e; }
    expect((f as RuntimeFault).code).toBe('BUDGET');
    expect((f as RuntimeFault).pc).toBe(1);
  });
});

describe('static checks stay at load (kernel: resolve_pseudo_ldimm64, check_subprogs, check_cfg)', () => {
  const reject = (bytes: Uint8Array, code: string, msg: RegExp, pc: number) => {
    let f: unknown;
    try { new Vm().load(bytes); } catch (e) { f = e; }
    expect(f).toBeInstanceOf(BpfError);
    expect(f).not.toBeInstanceOf(RuntimeFault);
    expect((f as BpfError).code).toBe(code);
    expect((f as BpfError).pc).toBe(pc);
    expect((f as BpfError).message).toMatch(msg);
  };
  it('unknown opcode bytes, even in dead code', () => {
    reject(dead([I(0xfe)]), 'BAD_OPCODE', /^pc 2: unknown opcode fe$/, 2);
  });
  it('BPF_LDX with imm or a bad mode', () => {
    reject(dead([I(0x79, 0, 10, -8, 1)]), 'RESERVED_FIELD', /BPF_LDX uses reserved fields/, 2);
    reject(dead([I(0x21, 0, 10, -8)]), 'RESERVED_FIELD', /BPF_LDX uses reserved fields/, 2);
  });
  it('ld_imm64 pairs', () => {
    reject(encodeInsns([I(0x18, 0, 0, 0, 1), I(0x95)]), 'RESERVED_FIELD', /invalid bpf_ld_imm64 insn/, 0);
    reject(encodeInsns([I(0x95), I(0x18, 0, 0, 0, 1)]), 'RESERVED_FIELD', /invalid bpf_ld_imm64 insn/, 1);
    reject(encodeInsns([I(0x18, 0, 7, 0, 1), I(0), I(0x95)]), 'RESERVED_FIELD', /unrecognized bpf_ld_imm64 insn/, 0);
  });
  it('jump and call ranges', () => {
    reject(dead([I(0x05, 0, 0, 40)]), 'BAD_JUMP', /jump out of range from insn 2 to 43/, 2);
    reject(encodeInsns([I(0x85, 0, 1, 0, -5), I(0x95)]), 'BAD_JUMP', /call out of range/, 0);
    reject(encodeInsns([I(0x05, 0, 0, 1), I(0x18), I(0), I(0x95)]), 'BAD_JUMP', /jump into the middle of ldimm64 insn 1/, 0);
  });
  it('the empty program', () => {
    reject(new Uint8Array(0), 'BAD_PROGRAM', /empty program/, undefined as unknown as number);
  });
});

describe.skipIf(!koracleAvailable())('the running kernel (koracle ebpf-run)', () => {
  it('loads and runs every dead-code case (r0 = 7) and rejects every live one, like bpfsim', () => {
    const cases = BAD.flatMap(([, bad]) => [dead(bad), live(bad)]);
    const res = koracleBatch('ebpf-run', cases.map((b) => ({ prog: bytesToHex(b), data: '00', flat: 'map', r0_64: true })));
    BAD.forEach(([name, insns, , message], i) => {
      // The oracle's flat mode rewrites every exit into a jump to its epilogue, hiding exit's own fields.
      if (insns[0]!.code === 0x95) return;
      const d = res[2 * i]!, l = res[2 * i + 1]!;
      expect(d.status, `${name} (dead): ${JSON.stringify(d)}`).toBe('accepted');
      expect(d.r0, name).toBe('0x0000000000000007');
      expect(l.status, `${name} (live)`).not.toBe('accepted');
      expect(JSON.stringify(l), name).toContain(message);
      expect(new Vm().load(dead(bad(i))).run().r0).toBe(7n);
    });
  });
});

function bad(i: number): Insn[] {
  return BAD[i]![1];
}
