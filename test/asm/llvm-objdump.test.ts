/**
 * Differential test of the `llvm` disassembly style against the installed
 * llvm-objdump: random valid instructions of every row are written as `.quad`
 * words, assembled by clang into a BPF object, disassembled by llvm-objdump,
 * and compared line by line. Rows this llvm-objdump cannot decode
 * (`<unknown>`), the cpu v4 / Linux-only rows LLVM 14 predates (it decodes
 * sdiv as div, movsx as mov and load-acquire as an atomic add, ignoring the
 * variant field) and forms it prints lossily (callx, pseudo calls / ld_imm64,
 * ld_ind with an imm) are not compared.
 * Skipped where clang or llvm-objdump is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assemble, disasm, disasmInsn } from '../../src/asm/index.js';
import { REPO_ROOT } from '../support/shared.js';
import { AtomicOp, type Insn, OPCODES, type OpcodeRow, encodeInsns, lookupOpcode } from '../../src/isa/index.js';
import { drawArb, insnFor } from './gen.js';

const haveTools = spawnSync('clang', ['--version']).status === 0 && spawnSync('llvm-objdump', ['--version']).status === 0;
/**
 * Major version of llvm-objdump. Our llvm style is LLVM 14's text (Debian 12);
 * newer releases print immediates in hex, so the exact text comparison runs on
 * 14 only, while "their text assembles to the same bytes" runs everywhere.
 */
const llvmMajor = haveTools ? Number(/LLVM version (\d+)/.exec(spawnSync('llvm-objdump', ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? 0) : 0;
const exactText = llvmMajor === 14;

function objdump(words: Insn[][], alu32: boolean): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'bpfsim-llvm-'));
  const bytes = encodeInsns(words.flat());
  const dv = new DataView(bytes.buffer);
  let s = '.section xdp,"ax"\n';
  for (let o = 0; o < bytes.length; o += 8) s += `.quad 0x${dv.getBigUint64(o, true).toString(16)}\n`;
  writeFileSync(join(dir, 'a.s'), s);
  execFileSync('clang', ['-target', 'bpf', '-c', join(dir, 'a.s'), '-o', join(dir, 'a.o')]);
  const out = execFileSync('llvm-objdump', ['-d', ...(alu32 ? ['--mattr=+alu32'] : []), join(dir, 'a.o')], { encoding: 'utf8' });
  return out.split('\n').filter((l) => /^\s+\d+:\t/.test(l)).map((l) => l.split('\t').slice(2).join('\t').replace(/ <[^<>]+>$/, ''));
}

function rowOf(x: Insn): OpcodeRow {
  return lookupOpcode(x.code, x.off, x.imm)!;
}

function comparable(x: Insn[]): boolean {
  const row = rowOf(x[0]!);
  const v4 = row.kind === 'movsx' || row.kind === 'ldxsx' || (row.kind === 'alu' && row.variant !== undefined && row.variant.value !== 0)
    || (row.kind === 'end' && row.is64) || (row.kind === 'ja' && !row.is64)
    || (row.kind === 'atomic' && (row.op === AtomicOp.LOAD_ACQ || row.op === AtomicOp.STORE_REL));
  if (v4) return false;
  if (row.kind === 'callx') return false;
  if (row.kind === 'call' && x[0]!.src !== 0) return false;
  if (row.kind === 'lddw' && x[0]!.src !== 0) return false;
  if (row.kind === 'ldind' && x[0]!.imm !== 0) return false;
  return true;
}

describe.skipIf(!haveTools)('clang-compiled fixture', () => {
  it('llvm-objdump output assembles to the object\'s bytes, and disassembles back to its text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfsim-llvm-'));
    const obj = join(dir, 'prog.o');
    execFileSync('clang', ['-target', 'bpf', '-O2', '-c', join(REPO_ROOT, 'test', 'asm', 'fixtures', 'prog.c'), '-o', obj]);
    const dump = execFileSync('llvm-objdump', ['-d', obj], { encoding: 'utf8' });
    const insnLines = dump.split('\n').filter((l) => /^\s+\d+:\t/.test(l));
    expect(insnLines.length).toBeGreaterThan(20);
    const expected = Uint8Array.from(insnLines.flatMap((l) => l.split('\t')[1]!.trim().split(' ').map((b) => parseInt(b, 16))));
    // The whole llvm-objdump listing (headers, addresses, bytes, <LBB> labels) is assembler input.
    const r = assemble(dump, { syntax: 'llvm' });
    expect([...r.bytes]).toEqual([...expected]);
    const ours = disasm(r.program, { style: 'llvm' });
    if (exactText) expect(ours).toEqual(insnLines.map((l) => l.split('\t').slice(2).join('\t').replace(/ <[^<>]+>$/, '')));
  });
});

describe.skipIf(!haveTools)('llvm style = llvm-objdump', () => {
  it('prints what llvm-objdump prints', () => {
    const draws = fc.sample(drawArb, { numRuns: 600, seed: 42 });
    const groups = draws.map((d) => insnFor(OPCODES[d.row]!, d)).filter(comparable);
    // Jumps keep offset 0: llvm-objdump needs no valid target to print them.
    const plain = objdump(groups, false);
    const alu32 = objdump(groups, true);
    expect(plain.length).toBe(groups.length);
    let compared = 0;
    groups.forEach((g, i) => {
      const row = rowOf(g[0]!);
      const atomic32 = row.kind === 'atomic' && row.width === 32 && row.op !== AtomicOp.LOAD_ACQ && row.op !== AtomicOp.STORE_REL;
      const theirs = (atomic32 ? alu32 : plain)[i]!;
      if (theirs === '<unknown>') return;
      if (exactText) expect(disasmInsn(g[0]!, g[1], { style: 'llvm' }), `${row.mnemonic}`).toBe(theirs);
      // Whatever the LLVM version, its text must mean the same bytes to our assembler.
      expect(assemble(theirs, { syntax: 'llvm', validate: false }).insns, `${row.mnemonic}: ${theirs}`).toEqual(g);
      compared++;
    });
    expect(compared).toBeGreaterThan(300);
  });
});
