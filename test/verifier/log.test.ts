/** The log: kernel-style lines at levels 1 and 2, and the summary line. */
import { describe, expect, it } from 'vitest';
import { VerifierError } from '../../src/errors.js';
import { verifyOrThrow } from '../../src/verifier/index.js';
import { bytesOf, v, map } from './support.js';

const LOOKUP = `r1 = 0
*(u64 *)(r10 -8) = r1
r2 = r10
r2 += -8
r1 = map[id:0]
call bpf_map_lookup_elem#1
if r0 == 0x0 goto pc+1
r0 = *(u64 *)(r0 +0)
r0 = 0
exit`;

describe('verifier log', () => {
  it('level 1: an accepted program logs only the summary', () => {
    const r = v(LOOKUP, { maps: [map('hash', 8, 8, 4)], logLevel: 1 });
    expect(r.log).toBe('processed 11 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0\n'); // as Linux 6.18
  });
  it('level 1: the failing path with its instructions, the error and the summary', () => {
    const r = v('r0 = 0\nif r1 == 0x0 goto pc+1\nr0 = *(u64 *)(r0 +8)\nexit', { logLevel: 1 });
    const lines = r.log.trim().split('\n');
    expect(lines[0]).toBe('0: R1=ctx() R10=fp0');
    // As Linux 6.18: the touched registers after each instruction, the ';' aligned at column 38.
    expect(lines).toContain('0: (b7) r0 = 0                        ; R0=0');
    expect(lines).toContain('1: (15) if r1 == 0x0 goto pc+1        ; R1=ctx()');
    expect(lines).toContain('2: (79) r0 = *(u64 *)(r0 +8)');
    expect(lines[lines.length - 2]).toBe("R0 invalid mem access 'scalar'");
    expect(lines[lines.length - 1]).toMatch(/^processed \d+ insns \(limit 1000000\) max_states_per_insn \d+ total_states \d+ peak_states \d+ mark_read 0$/);
  });
  it('level 2: every path, the touched state after each instruction, branch targets and pruning (as Linux 6.18)', () => {
    const r = v(LOOKUP, { maps: [map('hash', 8, 8, 4)], logLevel: 2 });
    expect(r.log).toContain('6: (85) call bpf_map_lookup_elem#1    ; R0=map_value_or_null(id=1,map=map0,ks=8,vs=8)');
    expect(r.log).toContain('7: (15) if r0 == 0x0 goto pc+1        ; R0=map_value(map=map0,ks=8,vs=8)');
    expect(r.log).toContain('10: (95) exit\n\nfrom 7 to 9: safe\n');
  });
  it('level 2: a popped branch starts with its whole state, twice', () => {
    const r = v('r0 = *(u32 *)(r1 +0)\nr2 = 0\nif r0 == 0x5 goto pc+1\nr2 = 1\nr0 = r2\nexit', { logLevel: 2 });
    expect(r.log).toContain('5: (95) exit\n\nfrom 2 to 4: R0=5 R1=ctx() R2=0 R10=fp0\n4: R0=5 R1=ctx() R2=0 R10=fp0\n4: (bf) r0 = r2');
  });
  it('level 0: no log, but the result carries the message and count', () => {
    const r = v('exit');
    expect(r.log).toBe('');
    expect(r).toMatchObject({ accepted: false, pc: 0, message: 'R0 !read_ok', insnsProcessed: 1, errno: 'EACCES' });
  });
  it('verifyOrThrow throws a VerifierError with the slot and the whole log', () => {
    try {
      verifyOrThrow(bytesOf('r0 = 0\nr0 = *(u64 *)(r0 +0)\nexit'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(VerifierError);
      const err = e as VerifierError;
      expect(err.message).toBe("pc 1: R0 invalid mem access 'scalar'");
      expect(err.pc).toBe(1);
      expect(err.log).toContain('1: (79) r0 = *(u64 *)(r0 +0)');
    }
    expect(verifyOrThrow(bytesOf('r0 = 0\nexit')).accepted).toBe(true);
  });
  it('the instruction budget gives the kernel message', () => {
    const r = v('r0 = 0\nr0 += 1\nif r0 != 0x7fffffff goto pc-2\nexit', { insnLimit: 3000 });
    expect(r.message).toBe('BPF program is too large. Processed 3001 insn');
    expect(r.errno).toBe('E2BIG');
  });
  it('pruning keeps a program with many diamonds linear', () => {
    let src = 'r0 = 0\n';
    for (let i = 0; i < 40; i++) src += 'r2 = *(u32 *)(r1 +0)\nif r2 > 0x5 goto pc+1\nr3 = 1\nr3 = 2\n';
    src += 'exit';
    const r = v(src);
    expect(r.accepted).toBe(true);
    expect(r.insnsProcessed).toBeLessThan(1000);
  });
});
