/**
 * Kernel-differential test of the `kernel` disassembly style: programs that
 * use every instruction row the kernel prints are loaded with log level 2, and
 * the kernel's own listing ("Live regs before insn:", printed by
 * kernel/bpf/disasm.c for every instruction) is compared line by line with
 * `disasm(p, { style: 'kernel', code: true })`.
 */
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { assemble, disasm } from '../../src/asm/index.js';
import { BPF_FUNC_MAX_ID, OPCODES, bytesToHex, encodeInsns, helperName, programFromInsns } from '../../src/isa/index.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { type Draw, insnFor } from './gen.js';

/**
 * The listing format ("Live regs before insn:") and the instruction set
 * compared here are those of Linux 6.18; older kernels are skipped.
 */
const kernelOk = (() => {
  const m = /^(\d+)\.(\d+)/.exec(release());
  return !!m && (Number(m[1]) > 6 || (Number(m[1]) === 6 && Number(m[2]) >= 18)) && koracleAvailable();
})();

/** A tiny deterministic PRNG (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
}

function draw(r: () => number, row: number): Draw {
  const pick = r() % 4;
  const imm = pick === 0 ? (r() % 21) - 10 : pick === 1 ? r() | 0 : pick === 2 ? (r() % 1000) : -(r() % 70000);
  return { row, dst: r() % 11, src: r() % 11, off: (r() % 65536) - 32768, imm, hi: r() | 0, pseudo: 0 };
}

/** Programs covering every row the kernel prints (no exits/pseudo calls/callx in the middle; jumps by +0). */
function programs(): string[][] {
  const r = rng(12345);
  const progs: string[][] = [];
  for (let round = 0; round < 4; round++) {
    const insns = [];
    for (let i = 0; i < OPCODES.length; i++) {
      const row = OPCODES[i]!;
      if (row.kind === 'exit' || row.kind === 'callx') continue;
      const d = draw(r, i);
      if (row.kind === 'call') d.pseudo = 0;
      if (row.kind === 'call' && round === 3) d.imm = 1000 + (r() % 100); // unknown helper ids
      else if (row.kind === 'call') d.imm = r() % 212;
      insns.push(...insnFor(row, d));
    }
    insns.push(insnFor(OPCODES.find((x) => x.kind === 'exit')!, {} as Draw)[0]!);
    progs.push([bytesToHex(encodeInsns(insns))]);
  }
  return progs;
}

describe.skipIf(!kernelOk)('kernel style = the kernel verifier log (koracle)', () => {
  it('prints every instruction exactly as the kernel does', () => {
    const progs = programs();
    const res = koracleBatch('ebpf-load', progs.map((p) => ({ prog: p[0], log_level: 2, type: 'socket_filter' })));
    let compared = 0;
    res.forEach((r, k) => {
      const log: string = r.log ?? '';
      const kernelLines = [...log.matchAll(/^[ \d]*?(\d+): [.0-9]{10} (\([0-9a-f]{2}\) .*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
      expect(kernelLines.length, `no listing in the log of program ${k}:\n${log.slice(0, 2000)}`).toBeGreaterThan(100);
      const hex = progs[k]![0]!;
      const bytes = Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
      const ours = disasm(programFromInsns(decode(bytes)), { style: 'kernel', code: true, numbered: true });
      expect(ours).toEqual(kernelLines);
      // ... and the kernel's own listing assembles back to the program.
      expect([...assemble(kernelLines.join('\n'), { syntax: 'kernel' }).bytes]).toEqual([...bytes]);
      compared += ours.length;
    });
    expect(compared).toBeGreaterThan(400);
  });
});

describe.skipIf(!kernelOk)('helper ids = the running kernel', () => {
  it('the kernel names every helper id 0..211 like helper-ids.ts', () => {
    const insns = [];
    for (let id = 0; id < BPF_FUNC_MAX_ID; id++) insns.push({ code: 0x85, dst: 0, src: 0, off: 0, imm: id });
    insns.push({ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
    const [r] = koracleBatch('ebpf-load', [{ prog: bytesToHex(encodeInsns(insns)), log_level: 2, type: 'socket_filter' }]);
    const names = [...(r!.log as string).matchAll(/^[ \d]*?(\d+): [.0-9]{10} \(85\) call (\S+)#(\d+)$/gm)];
    expect(names.length).toBe(BPF_FUNC_MAX_ID);
    for (const m of names) expect(m[2], `id ${m[3]}`).toBe(`bpf_${helperName(Number(m[3]))}`);
  });
});

/** Programs written in the kernel's own syntax: the kernel must print back exactly the source lines. */
const KERNEL_TEXT: string[] = [
  `0: (b7) r1 = 0
1: (85) call pc+5
2: (06) gotol pc+0
3: (05) goto pc+0
4: (b7) r0 = 0
5: (a5) if r0 < 0xa goto pc-2
6: (95) exit
7: (18) r0 = 0xffffffff00000001
9: (16) if w0 == 0x1 goto pc-3
10: (bc) w0 = w1
11: (95) exit`,
  `0: (bf) r6 = r1
1: (28) r0 = *(u16 *)skb[12]
2: (b7) r7 = -4
3: (50) r0 = *(u8 *)skb[r7 + -5]
4: (7a) *(u64 *)(r10 -8) = -1
5: (b7) r1 = 1
6: (db) r1 = atomic64_fetch_xor((u64 *)(r10 -8), r1)
7: (db) lock *(u64 *)(r10 -8) |= r1
8: (db) r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)
9: (85) call bpf_ktime_get_ns#5
10: (85) call bpf_get_prandom_u32#7
11: (dc) r0 = be32 r0
12: (d4) r0 = le64 r0
13: (bf) r0 = (s32)r0
14: (3f) r0 s/= r6
15: (97) r0 s%= -3
16: (87) r0 = -r0
17: (95) exit`,
];

describe.skipIf(!kernelOk)('kernel-syntax source = the kernel verifier log', () => {
  it('the kernel prints back the lines we assembled', () => {
    const res = koracleBatch('ebpf-load', KERNEL_TEXT.map((t) => ({ prog: bytesToHex(assemble(t, { syntax: 'kernel' }).bytes), log_level: 2, type: 'socket_filter' })));
    res.forEach((r, k) => {
      const log: string = r.log ?? '';
      const kernelLines = [...log.matchAll(/^[ \d]*?(\d+): [.0-9]{10} (\([0-9a-f]{2}\) .*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
      expect(kernelLines, log).toEqual(KERNEL_TEXT[k]!.split('\n'));
    });
  });
});

function decode(bytes: Uint8Array) {
  const dv = new DataView(bytes.buffer);
  const out = [];
  for (let o = 0; o < bytes.length; o += 8) {
    out.push({ code: bytes[o]!, dst: bytes[o + 1]! & 15, src: bytes[o + 1]! >> 4, off: dv.getInt16(o + 2, true), imm: dv.getInt32(o + 4, true) });
  }
  return out;
}
