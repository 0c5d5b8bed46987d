/**
 * Regressions for the kernel-differential findings (docs/kernel-diff-findings.md):
 * each case holds the verdict / error line Linux 6.18 gives (as root). The plain
 * test checks bpfsim against that expectation; the kernel-differential test asks
 * the running kernel (koracle ebpf-load) the same question and skips cleanly
 * where the oracle is unavailable.
 */
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/isa/insn.js';
import type { ProgTypeName } from '../../src/isa/prog-types.js';
import { verify } from '../../src/verifier/index.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';

interface FixCase {
  /** Finding id and a short description. */
  name: string;
  type: ProgTypeName;
  hex: string;
  /** 'accept' or the kernel's error line. */
  kernel: string;
}

/** r0 = 0; if r0 == 0 goto +1; <X>; exit — X is never explored. */
const dead = (x: string) => `b700000000000000 1500010000000000 ${x} 9500000000000000`;
/** r0 = 0; <X>; exit — X is explored. */
const live = (x: string) => `b700000000000000 ${x} 9500000000000000`;

const CASES: FixCase[] = [
  // V1: reserved fields and register numbers only on explored instructions.
  { name: 'V1 dead mov with reserved off', type: 'socket_filter', hex: dead('b701020000000000'), kernel: 'accept' },
  { name: 'V1 dead r0 = r11', type: 'socket_filter', hex: dead('bfb0000000000000'), kernel: 'accept' },
  { name: 'V1 dead exit with reserved imm', type: 'socket_filter', hex: dead('9500000001000000'), kernel: 'accept' },
  { name: 'V1 dead bswap with width 0', type: 'socket_filter', hex: dead('d400000000000000'), kernel: 'accept' },
  { name: 'V1 dead atomic add on u16', type: 'socket_filter', hex: dead('cb00000000000000'), kernel: 'accept' },
  { name: 'V1 dead ld_imm64 with reserved off', type: 'socket_filter', hex: `b700000000000000 1500020000000000 1800010000000000 0000000000000000 9500000000000000`, kernel: 'accept' },
  { name: 'V1 live r0 = r11', type: 'socket_filter', hex: live('bfb0000000000000'), kernel: 'R11 is invalid' },
  { name: 'V1 live bswap with width 0', type: 'socket_filter', hex: live('d400000000000000'), kernel: 'BPF_END uses reserved fields' },
  { name: 'V1 live ld_imm64 with reserved off', type: 'socket_filter', hex: live('1800010000000000 0000000000000000'), kernel: 'BPF_LD_IMM64 uses reserved fields' },
  { name: 'V1 live unknown atomic op', type: 'socket_filter', hex: live('cb00000009000000'), kernel: 'BPF_ATOMIC uses invalid atomic opcode 09' },
  { name: 'V1 unknown opcode in dead code is static', type: 'socket_filter', hex: dead('0200000000000000'), kernel: 'unknown opcode 02' },
  { name: 'V1 callx byte is no kernel opcode', type: 'socket_filter', hex: dead('8d00000000000000'), kernel: 'unknown opcode 8d' },
  { name: 'V1 LDX mode check is static', type: 'socket_filter', hex: dead('0100000000000000'), kernel: 'BPF_LDX uses reserved fields' },
  { name: 'V1 ldsx u64 is an unknown opcode', type: 'socket_filter', hex: dead('9900000000000000'), kernel: 'unknown opcode 99' },
  { name: 'V1 last insn checked before opcodes', type: 'socket_filter', hex: 'b700000000000000 ff00000000000000 b700000000000000', kernel: 'last insn is not an exit or jmp' },
  { name: 'V1 jump range checked before opcodes', type: 'socket_filter', hex: '0500050000000000 ff00000000000000 9500000000000000', kernel: 'jump out of range from insn 0 to 6' },
  { name: 'V1 opcodes checked before jumps into ld_imm64', type: 'socket_filter', hex: '1500010000000000 1800000000000000 0000000000000000 ff00000000000000 9500000000000000', kernel: 'unknown opcode ff' },
  { name: 'V1 unreachable before a dead reserved field', type: 'socket_filter', hex: 'b700000000000000 9500000000000001 9500000000000000', kernel: 'unreachable insn 2' },
  { name: 'V1 explored path error wins over dead junk', type: 'socket_filter', hex: 'bf40000000000000 1500010000000000 95000000000000ff 9500000000000000', kernel: 'R4 !read_ok' },
  { name: 'V1 pseudo call out of range', type: 'socket_filter', hex: '8510000001000000 9500000000000000 85100000ffffff7f 9500000000000000', kernel: 'call to invalid destination' },
  // V8: reserved-field wording.
  { name: 'V8 mov reserved wording', type: 'socket_filter', hex: live('bf02020000000000'), kernel: 'BPF_MOV uses reserved fields' },
  { name: 'V8 addr_space_cast', type: 'xdp', hex: live('bf25010000000000'), kernel: 'addr_space_cast insn can only convert between address space 1 and 0' },
];

/** The error line of a kernel log (the line before the `processed` summary). */
function kernelLine(res: Record<string, any>): string {
  if (res.status === 'accepted') return 'accept';
  const lines = String(res.log ?? '').trim().split('\n');
  return lines.length >= 2 ? lines[lines.length - 2]! : lines[0]!;
}

describe('kernel-diff findings: bpfsim gives the kernel verdict and message', () => {
  it.each(CASES)('$name', (c) => {
    const r = verify(hexToBytes(c.hex), { progType: c.type });
    expect(r.accepted ? 'accept' : r.message).toBe(c.kernel);
  });
});

describe.skipIf(!koracleAvailable())('kernel-diff findings against the running kernel', () => {
  it('the kernel gives the recorded verdict and message for every case', () => {
    const res = koracleBatch('ebpf-load', CASES.map((c) => ({ prog: c.hex.replace(/\s+/g, ''), type: c.type, log_level: 1 })));
    const got = res.map((r, i) => ({ name: CASES[i]!.name, kernel: kernelLine(r) }));
    expect(got).toEqual(CASES.map((c) => ({ name: c.name, kernel: c.kernel })));
  });
});
