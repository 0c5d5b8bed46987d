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
import { SECCOMP_DATA_SIZE } from '../seccomp/data.js';

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
