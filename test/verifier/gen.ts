/**
 * Random program generator for verifier soundness and kernel-differential
 * tests: forward-only control flow, biased toward memory accesses (buffer,
 * stack, map values; constant and variable offsets), map lookups and
 * branches on loaded values. A seed → program is deterministic.
 */
import { I } from '../../src/asm/index.js';
import { type Insn, encodeInsns } from '../../src/isa/insn.js';

/** Tiny deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a generated program may use. */
export interface GenOptions {
  /** r1 is a buffer of this many bytes (raw type); else r1 is ctx and no buffer accesses are made. */
  memSize?: number;
  /** Value size of map 0 (an array or hash map). */
  valueSize: number;
  /** Number of body instructions. */
  bodyLen: number;
  /** XDP: r6 = data, r9 = data_end (loaded after the lookup), with range checks in the body. */
  packet?: boolean;
  /** bpf-to-bpf calls to a subprogram that accesses memory through a pointer argument. */
  calls?: boolean;
}

/** A generated program: instruction slots and bytes. */
export interface GenProgram { insns: Insn[]; bytes: Uint8Array }

const SIZES = ['b', 'h', 'w', 'dw'] as const;
const SIZE_BYTES = { b: 1, h: 2, w: 4, dw: 8 } as const;

/**
 * Generates one program. Registers: r6 = buffer (raw type) or ctx, r8 = map value
 * (after a null check), r7/r9/r0..r5 scratch, r10 = stack.
 */
export function genProgram(seed: number, o: GenOptions): GenProgram {
  const R = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(R() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(R() * (hi - lo + 1));
  const body: (Insn | { jmp: Insn; skip: number } | { call: true })[] = [];
  const pkt = o.packet === true;
  const scratch = pkt ? [0, 2, 3, 4, 5, 7] : [0, 2, 3, 4, 5, 7, 9];
  const anyReg = pkt ? [0, 2, 3, 4, 5, 7, 6, 8, 9] : [0, 2, 3, 4, 5, 7, 9, 6, 8];
  const hasMem = o.memSize !== undefined || pkt;
  const memLim = o.memSize ?? 24;
  for (let i = 0; i < o.bodyLen; i++) {
    const k = R();
    const d = pick(scratch);
    if (pkt && k < 0.1) {
      // range check: d = data + K; if d > data_end goto +skip
      body.push(I.mov64Reg(d, 6));
      body.push(I.add64Imm(d, pick([1, 2, 4, 8, 14, 16, 20, 24])));
      body.push({ jmp: R() < 0.5 ? I.jgtReg(d, 9, 0) : I.jgeReg(d, 9, 0), skip: int(1, 6) });
      continue;
    }
    if (k < 0.12) body.push(I.mov64Imm(d, pick([0, 1, 7, 8, 15, 16, 63, 64, -1, 255, 4096, int(-300, 300)])));
    else if (k < 0.22) {
      const sz = pick(SIZES);
      const base = hasMem && R() < 0.5 ? 6 : 8;
      const lim = base === 6 ? memLim : o.valueSize;
      const off = R() < 0.85 ? int(0, lim - 1) & ~(SIZE_BYTES[sz] - 1) : int(-4, lim + 4);
      body.push((I as any)[`ldx${sz}`](d, base, off));
    } else if (k < 0.3) {
      const sz = pick(SIZES);
      const base = hasMem && R() < 0.5 ? 6 : 8;
      const lim = base === 6 ? memLim : o.valueSize;
      const off = R() < 0.85 ? int(0, lim - 1) & ~(SIZE_BYTES[sz] - 1) : int(-2, lim + 2);
      if (R() < 0.5) body.push((I as any)[`stx${sz}`](base, pick(scratch), off));
      else body.push((I as any)[`st${sz}`](base, off, int(-5, 5)));
    } else if (k < 0.38) {
      // stack store / load
      const sz = pick(SIZES);
      const off = -SIZE_BYTES[sz] * int(1, 8);
      if (R() < 0.5) body.push((I as any)[`stx${sz}`](10, pick(anyReg), off));
      else body.push((I as any)[`ldx${sz}`](d, 10, off));
    } else if (k < 0.55) {
      const op = pick(['add', 'sub', 'and', 'or', 'xor', 'lsh', 'rsh', 'arsh', 'mul', 'mod', 'div']);
      const w = R() < 0.3 ? '32' : '64';
      if (R() < 0.6) {
        let imm = pick([1, 2, 3, 4, 7, 8, 15, 31, 63, 0xff, 0xfff, -8, int(-100, 100)]);
        if (['lsh', 'rsh', 'arsh'].includes(op)) imm = int(0, w === '32' ? 31 : 63);
        if (['mod', 'div'].includes(op) && imm === 0) imm = 3;
        body.push((I as any)[`${op}${w}Imm`](d, imm));
      } else body.push((I as any)[`${op}${w}Reg`](d, pick(scratch)));
    } else if (k < 0.68) {
      // variable-offset access: d = base + (x & mask); access d
      const base = hasMem && R() < 0.5 ? 6 : 8;
      const lim = base === 6 ? memLim : o.valueSize;
      const x = pick(scratch.filter((r) => r !== d));
      const sz = pick(SIZES);
      body.push(I.and64Imm(x, pick([1, 3, 7, 15, 31, lim - 1, lim, 2 * lim - 1].filter((v) => v > 0))));
      body.push(I.mov64Reg(d, base));
      body.push(I.add64Reg(d, x));
      if (R() < 0.5) body.push((I as any)[`ldx${sz}`](x, d, int(-1, 2)));
      else body.push((I as any)[`stx${sz}`](d, x, int(-1, 2)));
    } else if (o.calls && k < 0.76) {
      // r1 = pointer argument (caller stack, map value or buffer), r2 = scalar; call sub; scratch re-initialised
      const arg = pick(['stack', 'map', 'mem'] as const);
      if (arg === 'stack') body.push(I.mov64Reg(1, 10), I.add64Imm(1, -8 * int(2, 6)));
      else if (arg === 'map') body.push(I.mov64Reg(1, 8));
      else body.push(I.mov64Reg(1, hasMem ? 6 : 8));
      body.push(I.mov64Reg(2, pick(scratch)));
      body.push({ call: true });
      body.push(I.mov64Imm(2, 0), I.mov64Imm(3, 0), I.mov64Imm(4, 0), I.mov64Imm(5, 0));
      continue;
    } else if (k < 0.9) {
      const op = pick(['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset']);
      const w = R() < 0.25 ? '32' : '';
      const skip = int(0, 4);
      const jmp = R() < 0.7
        ? (I as any)[`${op}${w}Imm`](pick(scratch), pick([0, 1, 4, 8, 15, 16, 32, o.valueSize, -1, int(-50, 200)]), 0)
        : (I as any)[`${op}${w}Reg`](pick(scratch), pick(scratch), 0);
      body.push({ jmp, skip });
    } else {
      body.push(I.mov64Reg(d, pick(anyReg)));
    }
  }
  // Flatten with forward jumps resolved (clamped to the epilogue).
  const flat: Insn[] = [];
  const out: Insn[] = [];
  const prologue: Insn[] = [
    I.mov64Reg(6, 1),
    I.stdw(10, -8, 0),
    I.mov64Reg(2, 10), I.add64Imm(2, -8),
    ...I.ldMapFd(1, 0),
    I.call(1),
    I.mov64Reg(8, 0),
    ...(pkt ? [I.ldxw(9, 6, 4), I.ldxw(6, 6, 0)] : []),
    I.mov64Imm(0, 0), I.mov64Imm(2, 0), I.mov64Imm(3, 0), I.mov64Imm(4, 0), I.mov64Imm(5, 0), I.mov64Imm(7, 0), ...(pkt ? [] : [I.mov64Imm(9, 0)]),
  ];
  // if r8 == 0 goto exit (patched below)
  const bodyStart = prologue.length + (pkt ? 5 : 1);
  for (const b of body) flat.push('jmp' in b ? b.jmp : 'call' in b ? I.callLocal(0) : b);
  const total = bodyStart + flat.length;
  // The subprogram follows the main program's final `r0 = 0; exit`.
  const sub: Insn[] = [
    I.mov64Reg(0, 2), I.and64Imm(0, pick([0, 1, 3, 7, 8, 15])), I.add64Reg(1, 0),
    ...(R() < 0.5 ? [I.stxb(1, 0, int(-2, 9))] : [I.ldxb(0, 1, int(-2, 9))]),
    I.ldxb(0, 1, 0), I.exit(),
  ];
  const subStart = (pkt ? prologue.length + 5 : prologue.length + 1) + flat.length + 2;
  let idx = 0;
  for (const b of body) {
    if ('call' in b) {
      const at = bodyStart + idx;
      flat[idx] = I.callLocal(subStart - at - 1);
    }
    if ('jmp' in b) {
      const at = bodyStart + idx;
      const target = Math.min(at + 1 + b.skip, total);
      flat[idx] = { ...b.jmp, off: target - at - 1 };
    }
    idx++;
  }
  if (pkt) {
    // data + 24 <= data_end, or exit: most packet accesses then verify
    out.push(...prologue, I.jeqImm(8, 0, flat.length + 4), I.mov64Reg(0, 6), I.add64Imm(0, 24), I.jgtReg(0, 9, flat.length + 1), I.mov64Imm(0, 0), ...flat, I.mov64Imm(0, 0), I.exit());
  } else {
    out.push(...prologue, I.jeqImm(8, 0, flat.length), ...flat, I.mov64Imm(0, 0), I.exit());
  }
  if (body.some((b) => 'call' in b)) out.push(...sub);
  return { insns: out, bytes: encodeInsns(out) };
}
