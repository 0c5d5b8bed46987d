/**
 * Kernel-differential: random straight-line ALU/JMP programs and bounded
 * loops over registers, the stack and a flat memory buffer, run in bpfsim and
 * in the running kernel (../shared/tools/koracle `ebpf-run --flat map
 * --r0-64`, which sets r1 = memory, r2 = its length like bpfsim's `raw`
 * type). The full 64-bit r0 and the memory after the run must agree.
 * Seeded and deterministic; skipped where the oracle is unavailable.
 */
import { describe, expect, it } from 'vitest';
import { OPCODES, type Insn, type OpcodeRow, encodeInsns, lddwInsns, bytesToHex, runProgram } from '../../src/index.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { mulberry32 } from '../support/rng.js';

const rng = mulberry32;

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const MEM_LEN = 64;
/** Scalar registers the programs use (r1 holds the memory pointer; r10 is the frame pointer). */
const SCALARS = [0, 2, 3, 4, 5, 6, 7, 8];
const ALU_ROWS = OPCODES.filter((r) => r.kind === 'alu' || r.kind === 'neg' || r.kind === 'movsx' || r.kind === 'end');
const JMP_ROWS = OPCODES.filter((r) => r.kind === 'jcond');

class Gen {
  constructor(readonly r: () => number) {}
  int(n: number): number { return this.r() % n; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]!; }
  imm(): number {
    switch (this.int(5)) {
      case 0: return this.int(16);
      case 1: return -1 - this.int(16);
      case 2: return this.pick([0x7fffffff, -0x80000000, 0xffff, 0x8000, 255, 128]);
      default: return this.r() | 0;
    }
  }
  u64(): bigint {
    switch (this.int(4)) {
      case 0: return BigInt(this.int(100));
      case 1: return BigInt.asUintN(64, -BigInt(1 + this.int(100)));
      case 2: return this.pick([0x8000000000000000n, 0x7fffffffffffffffn, 0xffffffffn, 0x80000000n, 0x100000000n]);
      default: return (BigInt(this.r()) << 32n) | BigInt(this.r());
    }
  }
  alu(): Insn {
    const row: OpcodeRow = this.pick(ALU_ROWS);
    const dst = this.pick(SCALARS);
    const src = this.pick(SCALARS);
    const off = row.variant?.field === 'off' ? row.variant.value : 0;
    let imm = row.variant?.field === 'imm' ? row.variant.value : 0;
    if (row.kind === 'alu' && row.source === 'K') {
      imm = this.imm();
      // The verifier rejects constant shifts out of range.
      if (row.op === 0x60 || row.op === 0x70 || row.op === 0xc0) imm = this.int(row.is64 ? 64 : 32);
    }
    if (row.kind === 'movsx') imm = 0;
    return I(row.code, dst, row.kind === 'alu' && row.source === 'X' || row.kind === 'movsx' ? src : 0, off, imm);
  }
  mem(): Insn[] {
    const sizes: Array<[number, number]> = [[0x18, 8], [0x00, 4], [0x08, 2], [0x10, 1]];
    const [sz, n] = this.pick(sizes);
    const off = this.int(MEM_LEN / n) * n;
    const reg = this.pick(SCALARS);
    switch (this.int(6)) {
      case 0: return [I(0x61 | sz, reg, 1, off)]; // ldx
      case 1: return [I(0x63 | sz, 1, reg, off)]; // stx
      case 2: return [I(0x62 | sz, 1, 0, off, this.imm())]; // st
      case 3: return [I(0x81 | (sz === 0x18 ? 0 : sz), reg, 1, sz === 0x18 ? off & ~3 : off)]; // ldxs (w/h/b)
      case 4: { // atomics on u32 / u64
        const dw = this.int(2) === 0;
        const o = this.int(MEM_LEN / 8) * 8;
        const op = this.pick([0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1]);
        return [I(dw ? 0xdb : 0xc3, 1, reg, o, op)];
      }
      default: { // stack round trip
        const so = -8 * (1 + this.int(8));
        return [I(0x7b, 10, reg, so), I(0x79, this.pick(SCALARS), 10, so)];
      }
    }
  }
  /** r0, r2..r9 initialised (r2 = length stays as the kernel and bpfsim set it). */
  prologue(): Insn[] {
    const out: Insn[] = [];
    for (const r of [0, 3, 4, 5, 6, 7, 8, 9]) out.push(...lddwInsns(r, this.u64()));
    return out;
  }
  /** r0 ^= r2..r9 (all scalars), exit. */
  epilogue(): Insn[] {
    return [...[2, 3, 4, 5, 6, 7, 8, 9].map((r) => I(0xaf, 0, r)), I(0x95)];
  }
  straight(n: number): Insn[] {
    const body: Insn[][] = [];
    for (let i = 0; i < n; i++) body.push(this.int(5) === 0 ? this.mem() : [this.alu()]);
    // Forward conditional jumps between body items.
    for (let k = 0; k < n / 4; k++) {
      const at = this.int(body.length);
      const row = this.pick(JMP_ROWS);
      const insn = I(row.code, this.pick(SCALARS), row.source === 'X' ? this.pick(SCALARS) : 0, 0, row.source === 'K' ? this.imm() : 0);
      body[at] = [insn, ...body[at]!];
    }
    // Resolve offsets: each jump skips a random number of following whole items.
    const out: Insn[] = [];
    const itemStart: number[] = [];
    let pos = 0;
    for (const b of body) { itemStart.push(pos); pos += b.length; }
    itemStart.push(pos);
    body.forEach((b, idx) => {
      b.forEach((insn, j) => {
        const row = OPCODES.find((r) => r.code === insn.code && r.kind === 'jcond');
        if (row !== undefined && j === 0 && b.length > 1 && insn.off === 0) {
          const target = itemStart[Math.min(body.length, idx + 1 + this.int(3))]!;
          out.push({ ...insn, off: target - (itemStart[idx]! + 1) });
        } else out.push(insn);
      });
    });
    return out;
  }
  loop(iters: number, n: number): Insn[] {
    const body: Insn[] = [];
    for (let i = 0; i < n; i++) body.push(...(this.int(3) === 0 ? this.mem() : [this.alu()]));
    // r9 is the counter: keep it out of the body.
    const clean = body.map((x) => ({ ...x, dst: x.dst === 9 ? 8 : x.dst, src: x.src === 9 ? 8 : x.src }));
    return [I(0xb7, 9, 0, 0, iters), ...clean, I(0x07, 9, 0, 0, -1), I(0x55, 9, 0, -(clean.length + 2), 0)];
  }
}

interface Case { prog: Uint8Array; mem: Uint8Array }

function cases(seed: number, count: number, kind: 'straight' | 'loop'): Case[] {
  const g = new Gen(rng(seed));
  const out: Case[] = [];
  for (let i = 0; i < count; i++) {
    const mem = Uint8Array.from({ length: MEM_LEN }, () => g.int(256));
    const body = kind === 'straight' ? g.straight(8 + g.int(24)) : g.loop(1 + g.int(40), 3 + g.int(8));
    out.push({ prog: encodeInsns([...g.prologue(), ...body, ...g.epilogue()]), mem });
  }
  return out;
}

function compare(cs: Case[]): { accepted: number } {
  const res = koracleBatch('ebpf-run', cs.map((c) => ({ prog: bytesToHex(c.prog), data: bytesToHex(c.mem), flat: 'map', r0_64: true })));
  let accepted = 0;
  res.forEach((k, i) => {
    if (k.status !== 'accepted' || k.run_errno !== 0) return;
    accepted++;
    const mem = cs[i]!.mem.slice();
    const r = runProgram(cs[i]!.prog, { mem });
    const ctx = `case ${i}: ${bytesToHex(cs[i]!.prog)} mem ${bytesToHex(cs[i]!.mem)}`;
    expect('0x' + r.r0.toString(16).padStart(16, '0'), ctx).toBe(k.r0);
    expect(bytesToHex(mem), ctx).toBe(k.mem_out);
  });
  return { accepted };
}

/** LD_ABS / LD_IND programs for socket_filter: the kernel's packet is a 14-byte Ethernet header + the payload bpfsim gets. */
function ldAbsCases(seed: number, count: number): Array<{ prog: Uint8Array; payload: Uint8Array }> {
  const g = new Gen(rng(seed));
  const out: Array<{ prog: Uint8Array; payload: Uint8Array }> = [];
  for (let i = 0; i < count; i++) {
    const payload = Uint8Array.from({ length: g.int(40) }, () => g.int(256));
    const insns: Insn[] = [I(0xbf, 6, 1), I(0xb7, 7, 0, 0, 0), I(0xb7, 8, 0, 0, g.int(48))];
    for (let k = 0; k < 1 + g.int(5); k++) {
      const size = g.pick([0x00, 0x08, 0x10]);
      const off = g.int(48) - (g.int(8) === 0 ? 4 : 0);
      insns.push(g.int(2) === 0 ? I(0x20 | size, 0, 0, 0, off) : I(0x40 | size, 0, 8, 0, off - 24));
      insns.push(I(0x27, 7, 0, 0, 31), I(0x0f, 7, 0));
    }
    insns.push(I(0xbf, 0, 7), I(0x95));
    out.push({ prog: encodeInsns(insns), payload });
  }
  return out;
}

describe.skipIf(!koracleAvailable())('kernel differential (koracle)', () => {
  it('xdp: ctx data / data_end rewrites and packet loads: same r0 and packet', () => {
    const g = new Gen(rng(0x8d9));
    const cs = Array.from({ length: 60 }, () => {
      const packet = Uint8Array.from({ length: 14 + g.int(50) }, () => g.int(256));
      const k = 1 + g.int(70);
      const prog = encodeInsns([
        I(0x61, 2, 1, 0), I(0x61, 3, 1, 4), I(0xbf, 0, 3), I(0x1f, 0, 2), // r0 = data_end - data
        I(0xbf, 4, 2), I(0x07, 4, 0, 0, k), I(0x2d, 4, 3, 4, 0), // if data + k > data_end goto out
        I(0x71, 5, 2, k - 1), I(0x67, 5, 0, 0, 8), I(0x0f, 0, 5), // r0 += pkt[k-1] << 8
        I(0x72, 2, 0, 0, 0xab), // pkt[0] = 0xab
        I(0x95),
      ]);
      return { prog, packet };
    });
    const res = koracleBatch('ebpf-run', cs.map((c) => ({ prog: bytesToHex(c.prog), data: bytesToHex(c.packet), type: 'xdp', r0_64: true })));
    let accepted = 0;
    res.forEach((k, i) => {
      if (k.status !== 'accepted' || k.run_errno !== 0) return;
      accepted++;
      const packet = cs[i]!.packet.slice();
      const r = runProgram(cs[i]!.prog, { progType: 'xdp', packet });
      expect('0x' + r.r0.toString(16).padStart(16, '0'), `case ${i}`).toBe(k.r0);
      expect(bytesToHex(packet), `case ${i}`).toBe(k.data_out);
    });
    expect(accepted).toBeGreaterThan(cs.length * 0.9);
  });
  it('LD_ABS / LD_IND on socket_filter packets: same r0 (out of bounds ends with 0)', () => {
    const cs = ldAbsCases(0x1dab5, 150);
    const eth = new Uint8Array(14);
    const res = koracleBatch('ebpf-run', cs.map((c) => ({ prog: bytesToHex(c.prog), data: bytesToHex(eth) + bytesToHex(c.payload), type: 'socket_filter', r0_64: true })));
    let accepted = 0;
    res.forEach((k, i) => {
      if (k.status !== 'accepted' || k.run_errno !== 0) return;
      accepted++;
      const r = runProgram(cs[i]!.prog, { progType: 'socket_filter', packet: cs[i]!.payload.slice() });
      expect('0x' + r.r0.toString(16).padStart(16, '0'), `case ${i}: ${bytesToHex(cs[i]!.prog)} payload ${bytesToHex(cs[i]!.payload)}`).toBe(k.r0);
    });
    expect(accepted).toBeGreaterThan(cs.length * 0.9);
  });
  it('straight-line ALU / JMP / memory programs: same r0 and memory', () => {
    const cs = cases(0xb9f5, 300, 'straight');
    const { accepted } = compare(cs);
    if (process.env.KDIFF_DEBUG) console.log("accepted", accepted, "of", cs.length);
    expect(accepted).toBeGreaterThan(cs.length * 0.9);
  });
  it('bounded loops: same r0 and memory', () => {
    const cs = cases(0x100b, 150, 'loop');
    const { accepted } = compare(cs);
    if (process.env.KDIFF_DEBUG) console.log("accepted", accepted, "of", cs.length);
    expect(accepted).toBeGreaterThan(cs.length * 0.9);
  });
});
