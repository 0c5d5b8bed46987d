/**
 * Kernel-differential test of the `kernel` disassembly style: programs that
 * use every instruction row the kernel prints are loaded with log level 2, and
 * the kernel's own listing ("Live regs before insn:", printed by
 * kernel/bpf/disasm.c for every instruction) is compared line by line with
 * `disasm(p, { style: 'kernel', code: true })`.
 */
import { describe, expect, it } from 'vitest';
import { disasm } from '../../src/asm/index.js';
import { OPCODES, bytesToHex, encodeInsns, programFromInsns } from '../../src/isa/index.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { type Draw, insnFor } from './gen.js';

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

describe.skipIf(!koracleAvailable())('kernel style = the kernel verifier log (koracle)', () => {
  it('prints every instruction exactly as the kernel does', () => {
    const progs = programs();
    const res = koracleBatch('ebpf-load', progs.map((p) => ({ prog: p[0], log_level: 2, type: 'socket_filter' })));
    let compared = 0;
    res.forEach((r, k) => {
      const log: string = r.log ?? '';
      const kernelLines = [...log.matchAll(/^\s*(\d+): [.0-9]{10} (\([0-9a-f]{2}\) .*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
      expect(kernelLines.length, `no listing in the log of program ${k}:\n${log.slice(0, 2000)}`).toBeGreaterThan(100);
      const hex = progs[k]![0]!;
      const bytes = Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
      const ours = disasm(programFromInsns(decode(bytes)), { style: 'kernel', code: true, numbered: true });
      expect(ours).toEqual(kernelLines);
      compared += ours.length;
    });
    expect(compared).toBeGreaterThan(400);
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
