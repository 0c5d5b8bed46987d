/**
 * Classic BPF interpreter with the semantics Linux gives a classic program
 * (net/core/filter.c: bpf_convert_filter and the helpers it calls;
 * kernel/seccomp.c for the seccomp context). Registers A and X (u32), the
 * scratch memory M[16], and one of two contexts:
 *
 * - packet (socket filter): `ld/ldh/ldb [k]` and `[x + k]` read the packet in
 *   network byte order; a load that does not fit in the linear data ends the
 *   program with return value 0 (the converted program's `A = 0; exit`).
 *   Negative offsets address the network header (SKF_NET_OFF) or link-layer
 *   header (SKF_LL_OFF); `k >= SKF_AD_OFF` loads ancillary data. `len` is
 *   skb->len.
 * - seccomp: `ld [k]` is a 32-bit native (little-endian) load from struct
 *   seccomp_data (k 4-byte aligned, below 64); `len` is 64.
 *
 * Division or modulo by X = 0 ends the program with return value 0. A, X and
 * M[] start at 0 (the kernel zeroes A and X; M[] reads before writes are
 * rejected by the checker).
 */
import { BpfError, ErrorCode, RuntimeFault } from '../errors.js';
import { type CbpfOpcodeRow, type CKind, CAluOp, CJmpOp, BPF_MEMWORDS, SKF_AD, SKF_AD_OFF, SKF_LL_OFF, SKF_NET_OFF, cbpfOpcode } from './opcodes.js';
import type { SockFilter } from './insn.js';
import { SECCOMP_DATA_SIZE } from './opcodes.js';

/** Ancillary values a socket filter can load with `ld #proto` etc. (all default 0). */
export interface PacketMeta {
  /** skb->protocol in host order (e.g. 0x0800). */
  protocol?: number;
  pkttype?: number;
  /** False: the skb has no device, so `#ifidx` / `#hatype` end the program returning A. Default true. */
  hasDev?: boolean;
  ifindex?: number;
  hatype?: number;
  mark?: number;
  queue?: number;
  rxhash?: number;
  cpu?: number;
  vlanTci?: number;
  vlanPresent?: number;
  vlanTpid?: number;
  payOffset?: number;
  /** Value returned by `#rand` (default 0). */
  random?: number;
}

/** A packet for a socket-filter run. */
export interface PacketContext {
  kind: 'packet';
  /** The buffer from skb->head to the tail (linear data only). */
  bytes: Uint8Array;
  /** skb->data - skb->head (default 0): `ld [0]` reads bytes[dataOffset]. */
  dataOffset?: number;
  /** Link-layer header offset from head, or undefined when not set (SKF_LL_OFF loads then fail). */
  macOffset?: number;
  /** Network header offset from head (default dataOffset). */
  netOffset?: number;
  meta?: PacketMeta;
}

/** A struct seccomp_data (64 bytes, see src/seccomp/data.ts). */
export interface SeccompContext {
  kind: 'seccomp';
  data: Uint8Array;
}

/** Run context of a classic program. */
export type CbpfContext = PacketContext | SeccompContext;

/** How a run ended. */
export type CbpfExit = 'ret' | 'div0' | 'load' | 'nodev';

/** Result of {@link runCbpfDetailed}. */
export interface CbpfRunResult {
  /** Return value (u32). */
  value: number;
  /** Instruction that ended the run. */
  pc: number;
  /** `ret` instruction, division by zero, failed packet load, or `#ifidx`/`#hatype` without a device. */
  exit: CbpfExit;
  /** Instructions executed. */
  steps: number;
}

const KIND_ID: Record<CKind, number> = {
  ld_imm: 0, ld_abs: 1, ld_ind: 2, ld_mem: 3, ld_len: 4, ldx_imm: 5, ldx_mem: 6, ldx_len: 7, ldx_msh: 8,
  st: 9, stx: 10, alu: 11, neg: 12, ja: 13, jcond: 14, ret_k: 15, ret_a: 16, tax: 17, txa: 18,
};

/** A classic program decoded once for repeated runs (struct-of-arrays). */
export class CbpfProgram {
  readonly length: number;
  readonly code: Uint16Array;
  readonly jt: Uint8Array;
  readonly jf: Uint8Array;
  readonly k: Uint32Array;
  /** Dispatch index per instruction. */
  readonly kind: Uint8Array;
  /** ALU/JMP operation bits per instruction. */
  readonly op: Uint8Array;
  /** 1 where the operand is X. */
  readonly isX: Uint8Array;
  /** Load size in bytes per instruction (ABS/IND). */
  readonly size: Uint8Array;
  readonly rows: readonly CbpfOpcodeRow[];

  /**
   * @throws BpfError BAD_PROGRAM for an empty program, BAD_OPCODE naming the pc for a code the kernel rejects.
   */
  constructor(filter: readonly SockFilter[]) {
    const n = filter.length;
    if (n === 0) throw new BpfError(ErrorCode.BadProgram, 'empty classic program');
    this.length = n;
    this.code = new Uint16Array(n);
    this.jt = new Uint8Array(n);
    this.jf = new Uint8Array(n);
    this.k = new Uint32Array(n);
    this.kind = new Uint8Array(n);
    this.op = new Uint8Array(n);
    this.isX = new Uint8Array(n);
    this.size = new Uint8Array(n);
    const rows: CbpfOpcodeRow[] = [];
    filter.forEach((f, i) => {
      const row = cbpfOpcode(f.code);
      if (row === undefined) throw new BpfError(ErrorCode.BadOpcode, `unknown classic opcode 0x${f.code.toString(16).padStart(2, '0')}`, i);
      rows.push(row);
      this.code[i] = f.code;
      this.jt[i] = f.jt;
      this.jf[i] = f.jf;
      this.k[i] = f.k >>> 0;
      this.kind[i] = KIND_ID[row.kind];
      this.op[i] = row.op;
      this.isX[i] = row.src === 'X' ? 1 : 0;
      this.size[i] = row.size;
    });
    this.rows = rows;
  }
}

function asProgram(p: CbpfProgram | readonly SockFilter[]): CbpfProgram {
  return p instanceof CbpfProgram ? p : new CbpfProgram(p);
}

/** Big-endian load of `size` bytes at `pos` (caller checked bounds). */
function be(b: Uint8Array, pos: number, size: number): number {
  if (size === 1) return b[pos]!;
  if (size === 2) return (b[pos]! << 8) | b[pos + 1]!;
  return ((b[pos]! << 24) | (b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!) >>> 0;
}

/**
 * A packet load as bpf_skb_load_helper_{8,16,32} does it: `off` is a signed
 * 32-bit offset from skb->data; negative offsets go through
 * bpf_internal_load_pointer_neg_helper. Returns -1 when the load fails.
 */
export function packetLoad(ctx: PacketContext, off: number, size: number): number {
  const b = ctx.bytes;
  const dataOff = ctx.dataOffset ?? 0;
  off |= 0;
  if (off >= 0) {
    const headlen = b.length - dataOff;
    if (headlen - off < size) return -1;
    return be(b, dataOff + off, size);
  }
  let p: number;
  if (off >= SKF_NET_OFF) p = (ctx.netOffset ?? dataOff) + off - SKF_NET_OFF;
  else if (off >= SKF_LL_OFF) {
    if (ctx.macOffset === undefined) return -1;
    p = ctx.macOffset + off - SKF_LL_OFF;
  } else return -1;
  if (p >= 0 && p + size <= b.length) return be(b, p, size);
  return -1;
}

/** skb->len of a packet context. */
export function packetLen(ctx: PacketContext): number {
  return ctx.bytes.length - (ctx.dataOffset ?? 0);
}

const ANC_BASE = (SKF_AD_OFF >>> 0);

/** Runs a classic program and returns its u32 return value. See {@link runCbpfDetailed}. */
export function runCbpf(prog: CbpfProgram | readonly SockFilter[], ctx: CbpfContext): number {
  return exec(asProgram(prog), ctx);
}

/**
 * Runs a classic program.
 * @throws RuntimeFault when the program does something the kernel's checks
 *   would have rejected (jump past the end, M[] index >= 16, a seccomp load
 *   outside seccomp_data or not 4-byte aligned, a packet-only instruction in
 *   the seccomp context, an unknown ancillary offset); BpfError UNSUPPORTED
 *   for the netlink-attribute ancillary loads.
 */
export function runCbpfDetailed(prog: CbpfProgram | readonly SockFilter[], ctx: CbpfContext): CbpfRunResult {
  const value = exec(asProgram(prog), ctx);
  return { value, pc: lastPc, exit: lastExit, steps: lastSteps };
}

/** Called before each instruction with the registers as they are then. */
export type TraceHook = (pc: number, a: number, x: number) => void;

/** One executed instruction of {@link traceCbpf}: registers before it ran. */
export interface CbpfTraceStep {
  pc: number;
  a: number;
  x: number;
}

/**
 * Runs a classic program and records every executed instruction with A and
 * X before it (for explaining a verdict).
 * @throws as {@link runCbpfDetailed}.
 */
export function traceCbpf(prog: CbpfProgram | readonly SockFilter[], ctx: CbpfContext): CbpfRunResult & { trace: CbpfTraceStep[] } {
  const trace: CbpfTraceStep[] = [];
  const value = exec(asProgram(prog), ctx, (pc, a, x) => { trace.push({ pc, a: a >>> 0, x: x >>> 0 }); });
  return { value, pc: lastPc, exit: lastExit, steps: lastSteps, trace };
}

// How the last run ended (set by exec; read by runCbpfDetailed).
let lastPc = 0;
let lastExit: CbpfExit = 'ret';
let lastSteps = 0;
const M = new Uint32Array(BPF_MEMWORDS);

function fault(pc: number, msg: string): never {
  throw new RuntimeFault(ErrorCode.Runtime, msg, pc);
}

function exec(prog: CbpfProgram, ctx: CbpfContext, hook?: TraceHook): number {
  const { kind, k: K, jt, jf, code, op: OP, isX: ISX, size: SIZE } = prog;
  const n = prog.length;
  M.fill(0);
  let sd: Uint8Array | undefined;
  if (ctx.kind === 'seccomp') {
    sd = ctx.data;
    if (sd.length < SECCOMP_DATA_SIZE) throw new BpfError(ErrorCode.Parse, `seccomp_data must be ${SECCOMP_DATA_SIZE} bytes, got ${sd.length}`);
  }
  const seccomp = sd !== undefined;
  let A = 0, X = 0, pc = 0, steps = 0;
  for (;;) {
    if (pc >= n) fault(pc, `fell off the end of the program (pc ${pc}, length ${n})`);
    if (++steps > n + 1) fault(pc, 'instruction budget exceeded');
    const k = K[pc]!;
    if (hook !== undefined) hook(pc, A, X);
    switch (kind[pc]) {
      case 0: A = k; break; // ld #k
      case 1: { // ld [k]
        const size = SIZE[pc]!;
        if (sd !== undefined) {
          if (size !== 4) fault(pc, `instruction ${prog.rows[pc]!.name} is not allowed in a seccomp filter`);
          if (k >= SECCOMP_DATA_SIZE || (k & 3) !== 0) fault(pc, `seccomp load at offset ${k} is outside struct seccomp_data or not 4-byte aligned`);
          A = (sd[k]! | (sd[k + 1]! << 8) | (sd[k + 2]! << 16) | (sd[k + 3]! << 24)) >>> 0;
          break;
        }
        const pctx = ctx as PacketContext;
        if (k >= ANC_BASE) {
          const r = ancillary(pctx, k - ANC_BASE, A, X);
          if (r === undefined) fault(pc, `unknown ancillary load at SKF_AD_OFF + ${k - ANC_BASE}`);
          if (r === 'nodev') return finish(A, pc, 'nodev', steps);
          A = r as number;
          break;
        }
        const v = packetLoad(pctx, k | 0, size);
        if (v < 0) return finish(0, pc, 'load', steps);
        A = v;
        break;
      }
      case 2: { // ld [x + k]
        if (seccomp) fault(pc, `instruction ${prog.rows[pc]!.name} is not allowed in a seccomp filter`);
        const v = packetLoad(ctx as PacketContext, (X + k) | 0, SIZE[pc]!);
        if (v < 0) return finish(0, pc, 'load', steps);
        A = v;
        break;
      }
      case 3: if (k >= BPF_MEMWORDS) fault(pc, `scratch memory index ${k} out of range (M[0..15])`); A = M[k]!; break;
      case 4: A = seccomp ? SECCOMP_DATA_SIZE : packetLen(ctx as PacketContext); break;
      case 5: X = k; break;
      case 6: if (k >= BPF_MEMWORDS) fault(pc, `scratch memory index ${k} out of range (M[0..15])`); X = M[k]!; break;
      case 7: X = seccomp ? SECCOMP_DATA_SIZE : packetLen(ctx as PacketContext); break;
      case 8: { // ldxb 4*([k]&0xf)
        if (seccomp) fault(pc, `instruction ${prog.rows[pc]!.name} is not allowed in a seccomp filter`);
        const v = packetLoad(ctx as PacketContext, k | 0, 1);
        if (v < 0) return finish(0, pc, 'load', steps);
        X = (v & 0xf) << 2;
        break;
      }
      case 9: if (k >= BPF_MEMWORDS) fault(pc, `scratch memory index ${k} out of range (M[0..15])`); M[k] = A; break;
      case 10: if (k >= BPF_MEMWORDS) fault(pc, `scratch memory index ${k} out of range (M[0..15])`); M[k] = X; break;
      case 11: { // alu
        const s = ISX[pc] ? X : k;
        switch (OP[pc]) {
          case CAluOp.ADD: A = (A + s) >>> 0; break;
          case CAluOp.SUB: A = (A - s) >>> 0; break;
          case CAluOp.MUL: A = Math.imul(A, s) >>> 0; break;
          case CAluOp.DIV: if (s === 0) return finish(0, pc, 'div0', steps); A = Math.floor(A / s) >>> 0; break;
          case CAluOp.MOD: if (s === 0) return finish(0, pc, 'div0', steps); A = (A % s) >>> 0; break;
          case CAluOp.OR: A = (A | s) >>> 0; break;
          case CAluOp.AND: A = (A & s) >>> 0; break;
          case CAluOp.XOR: A = (A ^ s) >>> 0; break;
          case CAluOp.LSH: A = (A << (s & 31)) >>> 0; break;
          case CAluOp.RSH: A = A >>> (s & 31); break;
        }
        break;
      }
      case 12: A = (-A) >>> 0; break;
      case 13: if (k >= n - pc - 1) fault(pc, `jump out of range (ja +${k})`); pc += k; break;
      case 14: { // jcond
        const s = ISX[pc] ? X : k;
        let c: boolean;
        switch (OP[pc]) {
          case CJmpOp.JEQ: c = A === s; break;
          case CJmpOp.JGT: c = A > s; break;
          case CJmpOp.JGE: c = A >= s; break;
          default: c = (A & s) !== 0; break;
        }
        pc += c ? jt[pc]! : jf[pc]!;
        break;
      }
      case 15: return finish(k, pc, 'ret', steps);
      case 16: return finish(A, pc, 'ret', steps);
      case 17: X = A; break;
      case 18: A = X; break;
      default: fault(pc, `unknown opcode 0x${code[pc]!.toString(16)}`);
    }
    pc++;
  }
}

function finish(value: number, pc: number, exit: CbpfExit, steps: number): number {
  lastPc = pc;
  lastExit = exit;
  lastSteps = steps;
  return value >>> 0;
}

/** Ancillary load (convert_bpf_extensions); undefined for an unknown code. */
function ancillary(ctx: PacketContext, ad: number, A: number, X: number): number | 'nodev' | undefined {
  const m = ctx.meta ?? {};
  const u = (v: number | undefined) => (v ?? 0) >>> 0;
  switch (ad) {
    case SKF_AD.proto: return u(m.protocol) & 0xffff;
    case SKF_AD.type: return u(m.pkttype) & 7;
    case SKF_AD.ifidx: return m.hasDev === false ? 'nodev' : u(m.ifindex);
    case SKF_AD.hatype: return m.hasDev === false ? 'nodev' : u(m.hatype) & 0xffff;
    case SKF_AD.mark: return u(m.mark);
    case SKF_AD.queue: return u(m.queue) & 0xffff;
    case SKF_AD.rxhash: return u(m.rxhash);
    case SKF_AD.cpu: return u(m.cpu);
    case SKF_AD.xor_x: return (A ^ X) >>> 0;
    case SKF_AD.vlan_tci: return u(m.vlanTci) & 0xffff;
    case SKF_AD.vlan_avail: return u(m.vlanPresent) ? 1 : 0;
    case SKF_AD.vlan_tpid: return u(m.vlanTpid) & 0xffff;
    case SKF_AD.poff: return u(m.payOffset);
    case SKF_AD.rand: return u(m.random);
    case SKF_AD.nla: case SKF_AD.nlan:
      throw new BpfError(ErrorCode.Unsupported, 'netlink attribute ancillary loads (#nla, #nlan) are not simulated');
    default: return undefined;
  }
}

// ---------------------------------------------------------------------------
// Seccomp fast path: a classic program prepared once for the seccomp context,
// reading struct seccomp_data as 16 little-endian 32-bit words (word i = the
// value `ld [4*i]` loads). Same results as exec() above for every input; it
// is only built for programs on which exec() can never fault (see
// prepareSeccompFast), so it needs no per-instruction checks.

/** Fused opcodes of the fast path (one per operation and operand source). */
const F = {
  LD_W: 0, LD_IMM: 1, LD_MEM: 2, LD_LEN: 3, LDX_IMM: 4, LDX_MEM: 5, LDX_LEN: 6, ST: 7, STX: 8, NEG: 9,
  JA: 10, RET_K: 11, RET_A: 12, TAX: 13, TXA: 14,
  /** ALU with K: ALU_K + (op >> 4); with X: ALU_X + (op >> 4). */
  ALU_K: 16, ALU_X: 32,
  /** Conditional jump with K: JMP_K + (op >> 4); with X: JMP_X + (op >> 4). */
  JMP_K: 48, JMP_X: 56,
} as const;

/** A classic program prepared for {@link runSeccompWords} (struct-of-arrays, absolute jump targets). */
export interface SeccompFastProgram {
  readonly length: number;
  /** Fused opcode per instruction. */
  readonly op: Uint8Array;
  /** Operand per instruction (word index for `ld [k]`), as u32. */
  readonly k: Uint32Array;
  /** The same operands as int32 (the fast loop's representation). */
  readonly ki: Int32Array;
  /** Next pc when a condition holds (or the `ja` target). */
  readonly t: Int32Array;
  /** Next pc when a condition fails. */
  readonly f: Int32Array;
  /** True when the program touches M[] (it is then zeroed per run, as exec() does). */
  readonly usesMem: boolean;
  /** Bit i set when the program loads seccomp_data word i (`ld [4*i]`). */
  readonly wordsRead: number;
}

/**
 * Prepares a classic program for the seccomp fast path, or returns undefined
 * when some instruction could make {@link runCbpfDetailed} fault in the
 * seccomp context (a packet-only load, a load outside seccomp_data or not
 * word-sized and aligned, an M[] index >= 16, a jump past the end, a
 * non-jump, non-return last instruction). Programs that pass the kernel's
 * seccomp_check_filter always qualify.
 */
export function prepareSeccompFast(prog: CbpfProgram): SeccompFastProgram | undefined {
  const n = prog.length;
  const op = new Uint8Array(n);
  const k = new Uint32Array(n);
  const t = new Int32Array(n);
  const f = new Int32Array(n);
  let usesMem = false;
  let wordsRead = 0;
  for (let pc = 0; pc < n; pc++) {
    const kk = prog.k[pc]!;
    const x = prog.isX[pc] === 1;
    let o: number;
    let jumps = false;
    switch (prog.kind[pc]) {
      case 0: o = F.LD_IMM; break;
      case 1:
        if (prog.size[pc] !== 4 || kk >= SECCOMP_DATA_SIZE || (kk & 3) !== 0) return undefined;
        o = F.LD_W; wordsRead |= 1 << (kk >>> 2); break;
      case 3: o = F.LD_MEM; break;
      case 4: o = F.LD_LEN; break;
      case 5: o = F.LDX_IMM; break;
      case 6: o = F.LDX_MEM; break;
      case 7: o = F.LDX_LEN; break;
      case 9: o = F.ST; break;
      case 10: o = F.STX; break;
      case 11: o = (x ? F.ALU_X : F.ALU_K) + (prog.op[pc]! >>> 4); break;
      case 12: o = F.NEG; break;
      case 13: o = F.JA; jumps = true; break;
      case 14: o = (x ? F.JMP_X : F.JMP_K) + (prog.op[pc]! >>> 4); jumps = true; break;
      case 15: o = F.RET_K; break;
      case 16: o = F.RET_A; break;
      case 17: o = F.TAX; break;
      case 18: o = F.TXA; break;
      default: return undefined; // ld [x+k], ldxb msh: faults in the seccomp context
    }
    if (o === F.LD_MEM || o === F.LDX_MEM || o === F.ST || o === F.STX) {
      if (kk >= BPF_MEMWORDS) return undefined;
      usesMem = true;
    }
    op[pc] = o;
    k[pc] = o === F.LD_W ? kk >>> 2 : kk;
    if (o === F.JA) {
      if (kk >= n - pc - 1) return undefined;
      t[pc] = pc + 1 + kk;
    } else if (jumps) {
      t[pc] = pc + 1 + prog.jt[pc]!;
      f[pc] = pc + 1 + prog.jf[pc]!;
      if (t[pc]! >= n || f[pc]! >= n) return undefined;
    } else if (o !== F.RET_K && o !== F.RET_A && pc + 1 >= n) return undefined;
  }
  return { length: n, op, k, ki: new Int32Array(k.buffer), t, f, usesMem, wordsRead };
}

const MF = new Int32Array(BPF_MEMWORDS);

/**
 * Runs a prepared seccomp filter on struct seccomp_data given as 16 words
 * (word i = the u32 that `ld [4*i]` loads); returns the u32 return value,
 * exactly what {@link runCbpf} returns for the same data. Allocates nothing.
 * A and X are kept as int32 (the same 32 bits the kernel's u32 registers
 * hold) and compared unsigned where the operation is; the three operations
 * that make up most of a seccomp filter (`jeq #k`, `ld [k]`, `ret #k`) are
 * tested before the general switch.
 */
export function runSeccompWords(p: SeccompFastProgram, w: Uint32Array): number {
  const op = p.op, K = p.ki, T = p.t, FF = p.f;
  if (p.usesMem) MF.fill(0);
  let A = 0, X = 0, pc = 0;
  for (;;) {
    const o = op[pc]!;
    if (o === 49) { pc = A === K[pc]! ? T[pc]! : FF[pc]!; continue; }
    const k = K[pc]!;
    if (o === 0) { A = w[k]! | 0; pc++; continue; }
    if (o === 11) return k >>> 0;
    switch (o) {
      case 1: A = k; break;
      case 2: A = MF[k]!; break;
      case 3: A = SECCOMP_DATA_SIZE; break;
      case 4: X = k; break;
      case 5: X = MF[k]!; break;
      case 6: X = SECCOMP_DATA_SIZE; break;
      case 7: MF[k] = A; break;
      case 8: MF[k] = X; break;
      case 9: A = (-A) | 0; break;
      case 10: pc = T[pc]!; continue;
      case 12: return A >>> 0;
      case 13: X = A; break;
      case 14: A = X; break;
      // ALU, K operand (16 + op>>4)
      case 16: A = (A + k) | 0; break;
      case 17: A = (A - k) | 0; break;
      case 18: A = Math.imul(A, k); break;
      case 19: if (k === 0) return 0; A = ((A >>> 0) / (k >>> 0)) | 0; break;
      case 20: A = A | k; break;
      case 21: A = A & k; break;
      case 22: A = A << (k & 31); break;
      case 23: A = (A >>> (k & 31)) | 0; break;
      case 25: if (k === 0) return 0; A = ((A >>> 0) % (k >>> 0)) | 0; break;
      case 26: A = A ^ k; break;
      // ALU, X operand (32 + op>>4)
      case 32: A = (A + X) | 0; break;
      case 33: A = (A - X) | 0; break;
      case 34: A = Math.imul(A, X); break;
      case 35: if (X === 0) return 0; A = ((A >>> 0) / (X >>> 0)) | 0; break;
      case 36: A = A | X; break;
      case 37: A = A & X; break;
      case 38: A = A << (X & 31); break;
      case 39: A = (A >>> (X & 31)) | 0; break;
      case 41: if (X === 0) return 0; A = ((A >>> 0) % (X >>> 0)) | 0; break;
      case 42: A = A ^ X; break;
      // jumps, K operand (48 + op>>4; 49 = jeq handled above)
      case 50: pc = (A >>> 0) > (k >>> 0) ? T[pc]! : FF[pc]!; continue;
      case 51: pc = (A >>> 0) >= (k >>> 0) ? T[pc]! : FF[pc]!; continue;
      case 52: pc = (A & k) !== 0 ? T[pc]! : FF[pc]!; continue;
      // jumps, X operand (56 + op>>4)
      case 57: pc = A === X ? T[pc]! : FF[pc]!; continue;
      case 58: pc = (A >>> 0) > (X >>> 0) ? T[pc]! : FF[pc]!; continue;
      case 59: pc = (A >>> 0) >= (X >>> 0) ? T[pc]! : FF[pc]!; continue;
      case 60: pc = (A & X) !== 0 ? T[pc]! : FF[pc]!; continue;
      default: return fault(pc, `fast path: unexpected fused opcode ${o}`);
    }
    pc++;
  }
}
