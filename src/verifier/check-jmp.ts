/**
 * Conditional jumps (kernel/bpf/verifier.c, Linux 6.18: check_cond_jmp_op,
 * is_branch_taken for pointers, reg_set_min_max via the scalar module,
 * sync_linked_regs, mark_ptr_or_null_regs, try_match_pkt_pointers and
 * find_good_pkt_pointers).
 */
import { Cls, JmpOp, type OpcodeRow } from '../isa/opcodes.js';
import { type Env, Reject } from './env.js';
import { type JmpName, type Scalar, isBranchTaken, refineBranch, tnumIsConst } from './scalar-api.js';
import { type Reg, type State, cloneReg, cloneState, constReg, curRegs as cur, isPtr } from './state.js';

/** Pushes a state to explore later (the other side of a branch). */
export type PushFn = (st: State, target: number, from: number) => void;

const JMP_NAME: Record<number, JmpName> = {
  [JmpOp.JEQ]: 'jeq', [JmpOp.JNE]: 'jne', [JmpOp.JGT]: 'jgt', [JmpOp.JGE]: 'jge', [JmpOp.JLT]: 'jlt', [JmpOp.JLE]: 'jle',
  [JmpOp.JSGT]: 'jsgt', [JmpOp.JSGE]: 'jsge', [JmpOp.JSLT]: 'jslt', [JmpOp.JSLE]: 'jsle', [JmpOp.JSET]: 'jset',
};
const FLIP: Record<JmpName, JmpName> = {
  jeq: 'jeq', jne: 'jne', jset: 'jset', jgt: 'jlt', jlt: 'jgt', jge: 'jle', jle: 'jge',
  jsgt: 'jslt', jslt: 'jsgt', jsge: 'jsle', jsle: 'jsge',
};


function linkedRefine(st: State, r: Reg): void {
  if (r.type !== 'scalar' || r.id === 0) return;
  for (const f of st.frames) {
    for (let i = 0; i < 11; i++) {
      const x = f.regs[i]!;
      if (x !== r && x.type === 'scalar' && x.id === r.id) f.regs[i] = cloneReg(r);
    }
    for (let s = 0; s < f.spilled.length; s++) {
      const x = f.spilled[s];
      if (x && x !== r && x.type === 'scalar' && x.id === r.id) f.spilled[s] = cloneReg(r);
    }
  }
}

/** mark_ptr_or_null_regs. */
function markPtrOrNull(st: State, id: number, isNull: boolean): void {
  const fix = (x: Reg): Reg => {
    if (x.id !== id || !x.maybeNull) return x;
    if (isNull) return constReg(0n);
    const y = cloneReg(x); y.maybeNull = false;
    if (!y.refObjId) y.id = 0;
    return y;
  };
  let refId = 0;
  for (const f of st.frames) {
    // Only the acquiring pointer's NULL branch releases the reference (ref_obj_id == id).
    for (let i = 0; i < 11; i++) { const x = f.regs[i]!; if (x.id === id && x.maybeNull && x.refObjId === id) refId = x.refObjId; f.regs[i] = fix(x); }
    for (let s = 0; s < f.spilled.length; s++) { const x = f.spilled[s]; if (x) f.spilled[s] = fix(x); }
  }
  if (isNull && refId) st.refs = st.refs.filter((r) => r.id !== refId);
}

function regNotNull(r: Reg): boolean {
  if (r.maybeNull) return false;
  return r.type === 'map_value' || r.type === 'map_key' || r.type === 'sock' || r.type === 'sock_common' || r.type === 'tcp_sock' ||
    r.type === 'mem' || r.type === 'ringbuf_mem';
}

function isConstFor(r: Reg, is32: boolean): boolean {
  if (r.type !== 'scalar') return false;
  return is32 ? (r.s.var_off.mask & 0xffffffffn) === 0n : tnumIsConst(r.s.var_off);
}

/** find_good_pkt_pointers. */
function goodPktPointers(st: State, r: Reg, openRight: boolean): void {
  if (r.off < 0 || r.s.umax > 0xffffn || r.s.umax + BigInt(r.off) > 0xffffn) return;
  const range = r.off + (openRight ? 1 : 0);
  for (const f of st.frames) {
    const upd = (x: Reg | undefined) => { if (x && x.type === r.type && x.id === r.id) x.range = Math.max(x.range, range); };
    f.regs.forEach(upd);
    f.spilled.forEach(upd);
  }
}

export function condJump(env: Env, st: State, row: OpcodeRow, pc: number, push: PushFn): number {
  const p = env.prog;
  const regs = cur(st);
  const dstno = p.dst[pc]!, srcno = p.src[pc]!, off = p.off[pc]!, imm = p.imm[pc]!;
  if (regs[dstno]!.type === 'not_init') throw new Reject(`R${dstno} !read_ok`, pc);
  if (row.source === 'X' && regs[srcno]!.type === 'not_init') throw new Reject(`R${srcno} !read_ok`, pc);
  const is32 = row.cls === Cls.JMP32;
  const op = JMP_NAME[row.op]!;
  const target = pc + 1 + off;
  const dst = regs[dstno]!;
  const src: Reg = row.source === 'X' ? regs[srcno]! : constReg(BigInt(imm));
  // Decide the branch.
  let pred: number = -1;
  const isPkt = (r: Reg) => r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'pkt_end';
  if (isPkt(dst) && isPkt(src) && !is32) pred = pktBranchTaken(dst, src, op);
  else if (isPtr(dst) || isPtr(src)) {
    let a = dst, b = src, o = op;
    if (!isConstFor(b, is32)) { o = FLIP[o]; a = src; b = dst; }
    // A non-NULL pointer compared with 0 decides JEQ/JNE. Linux does this for JMP32 too, but
    // the low 32 bits of a valid pointer may be 0 (in bpfsim's VM they are the region offset),
    // so bpfsim decides only 64-bit comparisons and explores both sides of a 32-bit one.
    if (!is32 && isConstFor(b, is32) && regNotNull(a)) {
      const v = is32 ? b.s.var_off.value & 0xffffffffn : b.s.var_off.value;
      if (v === 0n) pred = o === 'jeq' ? 0 : o === 'jne' ? 1 : -1;
    }
  } else if (tnumIsConst(dst.s.var_off) && tnumIsConst(src.s.var_off)) pred = constBranch(op, is32, dst.s.var_off.value, src.s.var_off.value);
  else pred = isBranchTaken(op, is32, dst.s, src.s);
  if (pred === 1) return target;
  if (pred === 0) return pc + 1;
  // Both branches: other = taken, this = fall-through.
  const other = cloneState(st);
  const oregs = cur(other);
  let takenFeasible = true, fallFeasible = true;
  if (dst.type === 'scalar' && src.type === 'scalar') {
    const same = row.source === 'X' && srcno === dstno;
    const t = refineBranch(op, is32, dst.s, src.s, true, same);
    const f = refineBranch(op, is32, dst.s, src.s, false, same);
    if (t === null) takenFeasible = false;
    else {
      setScalar(oregs, dstno, t[0]);
      linkedRefine(other, oregs[dstno]!);
      if (row.source === 'X') { setScalar(oregs, srcno, t[1]); linkedRefine(other, oregs[srcno]!); }
    }
    if (f === null) fallFeasible = false;
    else {
      setScalar(regs, dstno, f[0]);
      linkedRefine(st, regs[dstno]!);
      if (row.source === 'X') { setScalar(regs, srcno, f[1]); linkedRefine(st, regs[srcno]!); }
    }
  } else if (!is32 && row.source === 'K' && imm === 0 && (op === 'jeq' || op === 'jne') && dst.maybeNull && dst.id) {
    markPtrOrNull(st, dst.id, op === 'jne');
    markPtrOrNull(other, dst.id, op === 'jeq');
  } else if (row.source === 'X' && !is32 && isPkt(dst) && isPkt(src)) {
    pktCompare(op, dst, src, st, other, dstno, srcno);
  }
  if (!takenFeasible && !fallFeasible) return -1;
  if (!takenFeasible) return pc + 1;
  if (!fallFeasible) { replaceState(st, other); return target; }
  push(other, target, pc);
  return pc + 1;
}

function replaceState(st: State, from: State): void {
  st.frames = from.frames; st.refs = from.refs;
}

function setScalar(regs: Reg[], no: number, s: Scalar): void {
  const r = cloneReg(regs[no]!); r.s = s; regs[no] = r;
}

/** A conditional jump on two constants (fast path of is_branch_taken). */
function constBranch(op: JmpName, is32: boolean, a: bigint, b: bigint): number {
  const w = is32 ? 32 : 64;
  const ua = BigInt.asUintN(w, a), ub = BigInt.asUintN(w, b);
  const sa = BigInt.asIntN(w, a), sb = BigInt.asIntN(w, b);
  let t: boolean;
  switch (op) {
    case 'jeq': t = ua === ub; break;
    case 'jne': t = ua !== ub; break;
    case 'jgt': t = ua > ub; break;
    case 'jge': t = ua >= ub; break;
    case 'jlt': t = ua < ub; break;
    case 'jle': t = ua <= ub; break;
    case 'jsgt': t = sa > sb; break;
    case 'jsge': t = sa >= sb; break;
    case 'jslt': t = sa < sb; break;
    case 'jsle': t = sa <= sb; break;
    case 'jset': t = (ua & ub) !== 0n; break;
  }
  return t ? 1 : 0;
}

/** Packet range markers of mark_pkt_end: the pointer is at / beyond pkt_end. */
const AT_PKT_END = -1, BEYOND_PKT_END = -2;

function markPktEnd(b: State, regno: number, beyond: boolean): void {
  const regs = cur(b);
  const r = cloneReg(regs[regno]!);
  if (r.type !== 'pkt') return;
  r.range = beyond ? BEYOND_PKT_END : AT_PKT_END;
  regs[regno] = r;
}

/** is_pkt_ptr_branch_taken: decided by an earlier mark_pkt_end. */
export function pktBranchTaken(dst: Reg, src: Reg, op: JmpName): number {
  let pkt: Reg;
  if (src.type === 'pkt_end') pkt = dst;
  else if (dst.type === 'pkt_end') { pkt = src; op = FLIP[op]; }
  else return -1;
  if (pkt.range >= 0) return -1;
  switch (op) {
    case 'jle': case 'jgt':
      if (pkt.range === BEYOND_PKT_END) return op === 'jgt' ? 1 : 0;
      break;
    case 'jlt': case 'jge':
      if (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END) return op === 'jge' ? 1 : 0;
      break;
    default: break;
  }
  return -1;
}

function pktCompare(op: JmpName, dst: Reg, src: Reg, thisB: State, otherB: State, dstno: number, srcno: number): void {
  // reg_is_init_pkt_pointer: pkt_meta' is only bounded by the unmodified data pointer.
  const init = (r: Reg) => r.type === 'pkt' && r.off === 0 && tnumIsConst(r.s.var_off) && r.s.var_off.value === 0n;
  const dPkt = dst.type === 'pkt' && src.type === 'pkt_end';
  const dMeta = dst.type === 'pkt_meta' && init(src);
  const sPkt = dst.type === 'pkt_end' && src.type === 'pkt';
  const sMeta = init(dst) && src.type === 'pkt_meta';
  const left = dPkt || dMeta, right = sPkt || sMeta;
  const rd = (b: State) => cur(b)[dstno]!, rs = (b: State) => cur(b)[srcno]!;
  switch (op) {
    case 'jgt':
      if (left) { goodPktPointers(thisB, rd(thisB), false); markPktEnd(otherB, dstno, true); }
      else if (right) { goodPktPointers(otherB, rs(otherB), true); markPktEnd(thisB, srcno, false); }
      break;
    case 'jlt':
      if (left) { goodPktPointers(otherB, rd(otherB), true); markPktEnd(thisB, dstno, false); }
      else if (right) { goodPktPointers(thisB, rs(thisB), false); markPktEnd(otherB, srcno, true); }
      break;
    case 'jge':
      if (left) { goodPktPointers(thisB, rd(thisB), true); markPktEnd(otherB, dstno, false); }
      else if (right) { goodPktPointers(otherB, rs(otherB), false); markPktEnd(thisB, srcno, true); }
      break;
    case 'jle':
      if (left) { goodPktPointers(otherB, rd(otherB), false); markPktEnd(thisB, dstno, true); }
      else if (right) { goodPktPointers(thisB, rs(thisB), true); markPktEnd(otherB, srcno, false); }
      break;
    default: break;
  }
}
