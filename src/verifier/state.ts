/**
 * Abstract machine state of the verifier (after `struct bpf_reg_state`,
 * `struct bpf_func_state` and `struct bpf_verifier_state` in
 * `include/linux/bpf_verifier.h`, Linux 6.18): register types, per-byte stack
 * slot types with spilled registers, call frames and acquired references.
 */
import {
  type Scalar, scalarClone, scalarConst, scalarUnknown, scalarIn, scalarEq, formatScalarFull, formatRanges, tnumIsConst, tnumStr,
} from './scalar-api.js';

/** Register types (`enum bpf_reg_type`), named as the kernel's log prints them. */
export type RegType =
  | 'not_init' | 'scalar' | 'ctx' | 'fp' | 'map_ptr' | 'map_value' | 'map_key'
  | 'pkt' | 'pkt_meta' | 'pkt_end' | 'mem' | 'ringbuf_mem' | 'sock_common' | 'sock' | 'tcp_sock';

/** One register's abstract value. */
export interface Reg {
  type: RegType;
  /** Scalar value, or a pointer's variable offset. */
  s: Scalar;
  /** A pointer's fixed offset. */
  off: number;
  /** PTR_MAYBE_NULL. */
  maybeNull: boolean;
  /** Shared by copies of one pointer (null checks) or one scalar (bounds propagation). */
  id: number;
  /** Acquired reference id (ringbuf_reserve), 0 for none. */
  refObjId: number;
  /** Map index for map_ptr / map_value / map_key. */
  map: number;
  /** Packet pointers: bytes known to be accessible from the pointer. */
  range: number;
  /** PTR_TO_MEM / ringbuf_mem: size of the region. */
  memSize: number;
  /** Read-only memory (MEM_RDONLY). */
  rdonly: boolean;
  /** Stack pointers: the frame they point into. */
  frameno: number;
}

/** Per-byte stack slot types. */
export const enum Slot { INVALID = 0, SPILL = 1, MISC = 2, ZERO = 3 }

/** Maximum stack size of one frame in bytes (MAX_BPF_STACK). */
export const MAX_BPF_STACK = 512;

/** One call frame. */
export interface Frame {
  regs: Reg[];
  /** Byte types, index = 512 + offset from the frame pointer. */
  slots: Uint8Array;
  /** Spilled registers by spi = (-off - 1) >> 3. */
  spilled: (Reg | undefined)[];
  /** Deepest byte touched (positive, bytes). */
  allocated: number;
  /** Instruction slot after the call that created this frame (-1 for main). */
  callsite: number;
  /** First instruction of the subprogram. */
  subprog: number;
}

/** A reference acquired by a helper. */
export interface RefState { id: number; insn: number }

/** The full state of one path. */
export interface State {
  frames: Frame[];
  refs: RefState[];
  /** Checkpoint bookkeeping (pruning): parent checkpoint, open branches. */
  parent: Checkpoint | undefined;
}

/** A state stored at a prune point. */
export interface Checkpoint {
  st: State;
  branches: number;
  parent: Checkpoint | undefined;
  pc: number;
  /** Pruning hits and misses (states that keep missing are dropped). */
  hit: number;
  miss: number;
  /** Register fingerprint for the exact (loop) comparison. */
  fp: string;
}

/** A fresh NOT_INIT register. */
export function notInit(): Reg {
  return { type: 'not_init', s: scalarUnknown(), off: 0, maybeNull: false, id: 0, refObjId: 0, map: -1, range: 0, memSize: 0, rdonly: false, frameno: 0 };
}
/** An unknown scalar register. */
export function unknownReg(): Reg { const r = notInit(); r.type = 'scalar'; return r; }
/** A constant scalar register. */
export function constReg(v: bigint): Reg { const r = notInit(); r.type = 'scalar'; r.s = scalarConst(v); return r; }
/** A pointer register with zero offsets. */
export function ptrReg(type: RegType, extra: Partial<Reg> = {}): Reg {
  const r = notInit(); r.type = type; r.s = scalarConst(0n);
  return Object.assign(r, extra);
}

/** Copies a register (deep for the scalar). */
export function cloneReg(r: Reg): Reg { return { ...r, s: scalarClone(r.s) }; }

/** A new empty frame. */
export function newFrame(callsite: number, subprog: number, frameno: number): Frame {
  const regs: Reg[] = [];
  for (let i = 0; i < 11; i++) regs.push(notInit());
  regs[10] = ptrReg('fp', { frameno });
  return { regs, slots: new Uint8Array(MAX_BPF_STACK), spilled: new Array(MAX_BPF_STACK / 8).fill(undefined), allocated: 0, callsite, subprog };
}

/** Deep copy of a state (the checkpoint link is shared). */
export function cloneState(st: State): State {
  return {
    frames: st.frames.map((f) => ({
      regs: f.regs.map(cloneReg),
      slots: f.slots.slice(),
      spilled: f.spilled.map((r) => (r ? cloneReg(r) : undefined)),
      allocated: f.allocated,
      callsite: f.callsite,
      subprog: f.subprog,
    })),
    refs: st.refs.map((r) => ({ ...r })),
    parent: st.parent,
  };
}

/** The registers of the innermost frame. */
export function curRegs(st: State): Reg[] { return st.frames[st.frames.length - 1]!.regs; }

/** Kernel name of a register type, with `_or_null` where it may be NULL. */
export function typeName(r: Reg): string {
  if (r.type === 'not_init') return 'not_init';
  const base = r.type === 'map_ptr' ? 'map_ptr' : r.type;
  return r.maybeNull ? `${base}_or_null` : base;
}

/** True for pointer types. */
export function isPtr(r: Reg): boolean { return r.type !== 'scalar' && r.type !== 'not_init'; }

// ---------------------------------------------------------------- pruning

type IdMap = Map<number, number>;
function idEq(m: IdMap, a: number, b: number): boolean {
  if (a === 0 && b === 0) return true;
  if (a === 0 || b === 0) return false;
  const x = m.get(a);
  if (x === undefined) { m.set(a, b); return true; }
  return x === b;
}

/** True when every concrete state of `cur` is a concrete state of `old` (old's exploration then covers cur). */
function regSafe(old: Reg, cur: Reg, m: IdMap, exact: boolean): boolean {
  if (old.type === 'not_init') return !exact || cur.type === 'not_init';
  if (old.type !== cur.type) return false;
  if (old.type === 'scalar') {
    if (exact) return scalarEq(old.s, cur.s) && idEq(m, old.id, cur.id);
    if (!scalarIn(old.s, cur.s)) return false;
    // Linked scalars: old may have relied on the link.
    if (old.id !== 0 && !idEq(m, old.id, cur.id)) return false;
    return true;
  }
  if (old.maybeNull !== cur.maybeNull || old.off !== cur.off || old.map !== cur.map || old.memSize !== cur.memSize ||
    old.rdonly !== cur.rdonly || old.frameno !== cur.frameno) return false;
  if (!idEq(m, old.id, cur.id) || !idEq(m, old.refObjId + 1_000_000, cur.refObjId + 1_000_000)) return false;
  if (old.type === 'pkt' || old.type === 'pkt_meta') {
    if ((exact || old.range < 0 || cur.range < 0) ? old.range !== cur.range : old.range > cur.range) return false;
  }
  return exact ? scalarEq(old.s, cur.s) : scalarIn(old.s, cur.s);
}

function frameSafe(old: Frame, cur: Frame, m: IdMap, exact: boolean): boolean {
  if (old.callsite !== cur.callsite) return false;
  for (let i = 0; i < 11; i++) if (!regSafe(old.regs[i]!, cur.regs[i]!, m, exact)) return false;
  for (let b = 0; b < MAX_BPF_STACK; b++) {
    const o = old.slots[b]!, c = cur.slots[b]!;
    if (o === c) continue;
    if (exact) return false;
    if (o === Slot.INVALID) continue; // root may read uninit stack: INVALID reads as unknown
    if (o === Slot.MISC && (c === Slot.ZERO || c === Slot.MISC)) continue;
    if (o === Slot.MISC && c === Slot.SPILL) {
      const sp = cur.spilled[(MAX_BPF_STACK - 1 - b) >> 3];
      if (sp && sp.type === 'scalar') continue;
    }
    return false;
  }
  for (let spi = 0; spi < old.spilled.length; spi++) {
    const o = old.spilled[spi], c = cur.spilled[spi];
    const base = MAX_BPF_STACK - 8 * (spi + 1);
    if (old.slots[base] !== Slot.SPILL) continue;
    if (!o) continue;
    if (!c) return false;
    if (!regSafe(o, c, m, exact)) return false;
  }
  return true;
}

/** states_equal: old (fully explored, or `exact` for loop detection) covers cur. */
export function statesCover(old: State, cur: State, exact: boolean): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  if (old.refs.length !== cur.refs.length) return false;
  const m: IdMap = new Map();
  for (let i = 0; i < old.refs.length; i++) if (!idEq(m, old.refs[i]!.id + 1_000_000, cur.refs[i]!.id + 1_000_000)) return false;
  for (let i = 0; i < old.frames.length; i++) if (!frameSafe(old.frames[i]!, cur.frames[i]!, m, exact)) return false;
  return true;
}

// ---------------------------------------------------------------- log text

/** Names of maps for the log (index → text). */
export interface LogCtx { mapName(i: number): string; mapKs(i: number): number; mapVs(i: number): number }

function ptrExtras(r: Reg): string[] {
  const p: string[] = [];
  if (r.id) p.push(`id=${r.id}`);
  if (r.refObjId) p.push(`ref_obj_id=${r.refObjId}`);
  if (r.off) p.push(`off=${r.off}`);
  if (r.type === 'pkt' || r.type === 'pkt_meta') p.push(`r=${r.range}`);
  if (!tnumIsConst(r.s.var_off) || r.s.var_off.value !== 0n) {
    const f = formatRanges(r.s);
    if (f) p.push(f);
    if (r.s.var_off.mask !== (1n << 64n) - 1n) p.push(`var_off=${tnumStr(r.s.var_off)}`);
  }
  return p;
}

/** One register as the kernel prints it at log level 2 (`R1=ctx()`, `R0=map_value(map=..,ks=4,vs=8)`, `R2=42`). */
export function formatReg(r: Reg, lc: LogCtx): string {
  if (r.type === 'scalar') {
    return formatScalarFull(r.s, { id: r.id });
  }
  if (r.type === 'fp' && tnumIsConst(r.s.var_off) && r.s.var_off.value === 0n) return `fp${r.off}`;
  const p: string[] = [];
  if (r.type === 'map_ptr' || r.type === 'map_value' || r.type === 'map_key') {
    p.push(`map=${lc.mapName(r.map)}`, `ks=${lc.mapKs(r.map)}`, `vs=${lc.mapVs(r.map)}`);
  }
  if (r.type === 'mem' || r.type === 'ringbuf_mem') p.push(`sz=${r.memSize}`);
  p.push(...ptrExtras(r));
  return `${typeName(r)}(${p.join(',')})`;
}
