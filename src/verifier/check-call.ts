/**
 * Calls and exits (kernel/bpf/verifier.c, Linux 6.18: check_func_call,
 * prepare_func_exit, check_helper_call, check_func_arg, check_mem_size_reg,
 * check_map_func_compatibility, check_reference_leak, check_return_code),
 * plus bpfsim's seccomp return rule.
 */
import { checkHelperMem } from './check-mem.js';
import { SECCOMP_ACTIONS, returnRange } from './ctx.js';
import { BPF_MAX_VAR_SIZ, type Env, MAX_CALL_FRAMES, Reject } from './env.js';
import { BPF_FUNC_MAX_ID, type HelperProto, funcIdName, helperFor } from './helpers.js';
import { scalarUnknown, tnumIsConst, zext32 } from './scalar-api.js';
import {
  type Reg, type State, cloneReg, curRegs as cur, newFrame, notInit, ptrReg, typeName, unknownReg,
} from './state.js';


export function funcCall(env: Env, st: State, pc: number): number {
  const p = env.prog;
  const target = pc + 1 + p.imm[pc]!;
  if (st.frames.length >= MAX_CALL_FRAMES) throw new Reject(`the call stack of ${st.frames.length + 1} frames is too deep`, pc, 'E2BIG');
  const caller = cur(st);
  const f = newFrame(pc, target, st.frames.length);
  for (let r = 1; r <= 5; r++) f.regs[r] = cloneReg(caller[r]!);
  st.frames.push(f);
  return target;
}

export function exitInsn(env: Env, st: State, pc: number): number {
  const regs = cur(st);
  const depthOf = (sp: number, d: number) => env.stackDepth.set(sp, Math.max(env.stackDepth.get(sp) ?? 0, d));
  const top = st.frames[st.frames.length - 1]!;
  depthOf(top.subprog, top.allocated);
  if (st.frames.length > 1) {
    // A subprogram may return nothing (void): R0 is passed back as it is.
    const r0 = regs[0]!;
    if (r0.type === 'fp' && r0.frameno === st.frames.length - 1) throw new Reject('cannot return stack pointer to the caller', pc, 'EINVAL');
    const callee = st.frames.pop()!;
    const caller = cur(st);
    caller[0] = cloneReg(r0);
    for (let r = 1; r <= 5; r++) caller[r] = notInit();
    return callee.callsite + 1;
  }
  if (st.refs.length) {
    for (const r of st.refs) if (env.logLevel > 0) env.log.push(`Unreleased reference id=${r.id} alloc_insn=${r.insn}`);
    throw new Reject('BPF_EXIT instruction in main prog would lead to reference leak', pc, 'EINVAL');
  }
  if (regs[0]!.type === 'not_init') throw new Reject('R0 !read_ok', pc);
  if (env.progType === 'seccomp') checkSeccompReturn(regs[0]!, pc);
  const range = returnRange(env.progType);
  if (range) {
    const r0 = regs[0]!;
    if (r0.type !== 'scalar') throw new Reject(`At program exit the register R0 is not a known value (${typeName(r0)})`, pc);
    if (r0.s.smin < BigInt(range[0]) || r0.s.smax > BigInt(range[1])) {
      throw new Reject(`At program exit the register R0 has smin=${r0.s.smin} smax=${r0.s.smax} should have been in [${range[0]}, ${range[1]}]`, pc);
    }
  }
  return -1;
}

/**
 * bpfsim's seccomp return rule: R0 must be a scalar whose upper 32 bits are
 * zero and whose action bits (0xffff0000 of the low word) are a known, valid
 * SECCOMP_RET_* action; the low 16 data bits may vary.
 */
function checkSeccompReturn(r0: Reg, pc: number): void {
  if (r0.type !== 'scalar') throw new Reject(`At program exit the register R0 is not a known value (${typeName(r0)})`, pc);
  const t = r0.s.var_off;
  const actionMask = 0xffff0000n;
  const hiKnownZero = (t.value >> 32n) === 0n && (t.mask >> 32n) === 0n;
  const actionKnown = (t.mask & actionMask) === 0n;
  const act = Number(t.value & actionMask);
  if (!hiKnownZero || !actionKnown || !SECCOMP_ACTIONS.includes(act >>> 0)) {
    const what = tnumIsConst(t) ? `has value 0x${t.value.toString(16)}` : `has unknown action bits var_off=(0x${t.value.toString(16)}; 0x${t.mask.toString(16)})`;
    throw new Reject(`At program exit the register R0 ${what} should have been a valid seccomp action`, pc);
  }
}

export function helperCall(env: Env, st: State, id: number, pc: number): void {
  if (id < 0 || id >= BPF_FUNC_MAX_ID) throw new Reject(`invalid func ${funcIdName(id)}#${id}`, pc, 'EINVAL');
  const proto = helperFor(env.progType, id);
  if (!proto) throw new Reject(`program of this type cannot use helper ${funcIdName(id)}#${id}`, pc, 'EINVAL');
  if (id === 12 && st.refs.length) throw new Reject('tail_call would lead to reference leak', pc);
  const regs = cur(st);
  let mapIdx = -1;
  let allocSize = 0;
  let releaseRef = 0;
  let castRef = 0;
  let pendingMem: { regno: number; write: boolean } | undefined;
  for (let i = 0; i < proto.args.length; i++) {
    const regno = i + 1;
    const a = proto.args[i]!;
    const r = regs[regno]!;
    if (r.type === 'not_init') throw new Reject(`R${regno} !read_ok`, pc);
    if ((r.type === 'pkt' || r.type === 'pkt_meta') && a !== 'anything' && !proto.pktAccess) {
      throw new Reject('helper access to the packet is not allowed', pc);
    }
    const typeErr = (exp: string) => new Reject(`R${regno} type=${typeName(r)} expected=${exp}`, pc);
    switch (a) {
      case 'anything': break;
      case 'ctx':
        if (r.type !== 'ctx' || r.maybeNull) throw typeErr('ctx');
        if (r.off < 0) throw new Reject(`negative offset ctx ptr R${regno} off=${r.off} disallowed`, pc);
        if (r.off) throw new Reject(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`, pc);
        if (!tnumIsConst(r.s.var_off) || r.s.var_off.value !== 0n) throw new Reject(`variable ctx access var_off=(0x${r.s.var_off.value.toString(16)}; 0x${r.s.var_off.mask.toString(16)}) disallowed`, pc);
        break;
      case 'const_map_ptr':
        if (r.type !== 'map_ptr') throw typeErr('map_ptr');
        mapIdx = r.map;
        checkMapCompat(env, proto, mapIdx, pc);
        break;
      case 'map_key':
        memArgType(r, regno, pc);
        checkHelperMem(env, st, regno, BigInt(env.maps[mapIdx]!.keySize), false, false, pc);
        break;
      case 'map_value':
        memArgType(r, regno, pc);
        checkHelperMem(env, st, regno, BigInt(env.maps[mapIdx]!.valueSize), false, false, pc);
        break;
      case 'mem': case 'mem_or_null': case 'mem_uninit':
        // ARG_PTR_TO_MEM | PTR_MAYBE_NULL: NULL skips the type check; the size check then allows only 0.
        if (!(a === 'mem_or_null' && r.type === 'scalar' && tnumIsConst(r.s.var_off) && r.s.var_off.value === 0n)) memArgType(r, regno, pc);
        pendingMem = { regno, write: a === 'mem_uninit' };
        break;
      case 'const_size': case 'const_size_or_zero': {
        if (r.type !== 'scalar') throw typeErr('scalar');
        const zeroOk = a === 'const_size_or_zero';
        if (r.s.smin < 0n) throw new Reject(`R${regno} min value is negative, either use unsigned or 'var &= const'`, pc);
        if (r.s.umin === 0n && !zeroOk) throw new Reject(`R${regno} invalid zero-sized read: u64=[${r.s.umin},${r.s.umax}]`, pc);
        if (r.s.umax >= BigInt(BPF_MAX_VAR_SIZ)) throw new Reject(`R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`, pc);
        if (pendingMem) checkHelperMem(env, st, pendingMem.regno, r.s.umax, pendingMem.write, zeroOk, pc);
        pendingMem = undefined;
        break;
      }
      case 'const_alloc_size_or_zero':
        if (r.type !== 'scalar') throw typeErr('scalar');
        if (!tnumIsConst(r.s.var_off)) throw new Reject(`R${regno} is not a known constant'`, pc);
        allocSize = Number(r.s.var_off.value);
        break;
      case 'sock_common':
        if (r.maybeNull || !(r.type === 'sock_common' || r.type === 'sock' || r.type === 'tcp_sock')) throw typeErr('sock_common, sock, tcp_sock, xdp_sock');
        castRef = r.refObjId;
        break;
      case 'sock_release':
        if (r.maybeNull || !(r.type === 'sock_common' || r.type === 'sock' || r.type === 'tcp_sock')) throw typeErr('sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_');
        if (r.off !== 0 || !tnumIsConst(r.s.var_off) || r.s.var_off.value !== 0n) throw new Reject(`R${regno} must have zero offset when passed to release func or trusted arg to kfunc`, pc);
        if (!r.refObjId) throw new Reject(`R${regno} must be referenced when passed to release function`, pc);
        releaseRef = r.refObjId;
        break;
      case 'ringbuf_release':
        if (r.type !== 'ringbuf_mem' || r.maybeNull) throw typeErr('ringbuf_mem');
        if (r.off !== 0 || !tnumIsConst(r.s.var_off) || r.s.var_off.value !== 0n) throw new Reject(`R${regno} must have zero offset when passed to release func or trusted arg to kfunc`, pc);
        if (!r.refObjId) throw new Reject(`R${regno} must be referenced when passed to release function`, pc);
        releaseRef = r.refObjId;
        break;
    }
  }
  if (releaseRef) {
    st.refs = st.refs.filter((x) => x.id !== releaseRef);
    for (const f of st.frames) {
      for (let i = 0; i < 11; i++) if (f.regs[i]!.refObjId === releaseRef) f.regs[i] = unknownReg();
      for (let s = 0; s < f.spilled.length; s++) if (f.spilled[s]?.refObjId === releaseRef) f.spilled[s] = unknownReg();
    }
  }
  for (let r = 1; r <= 5; r++) regs[r] = notInit();
  // is_acquire_function: a lookup in a sockmap / sockhash returns a referenced socket.
  if (id === 1 && mapIdx >= 0 && (env.maps[mapIdx]!.type === 'sockmap' || env.maps[mapIdx]!.type === 'sockhash')) {
    const rid = ++env.idGen;
    regs[0] = ptrReg('sock', { maybeNull: true, id: rid, refObjId: rid });
    st.refs.push({ id: rid, insn: pc });
    return;
  }
  switch (proto.ret) {
    case 'integer': regs[0] = unknownReg(); break;
    case 'void': regs[0] = notInit(); break;
    case 'map_value_or_null': regs[0] = ptrReg('map_value', { map: mapIdx, maybeNull: true, id: ++env.idGen }); break;
    case 'sock_or_null': case 'sock_common_or_null': case 'tcp_sock_or_null': {
      const id = ++env.idGen;
      const t = proto.ret === 'sock_or_null' ? 'sock' : proto.ret === 'tcp_sock_or_null' ? 'tcp_sock' : 'sock_common';
      regs[0] = ptrReg(t, { maybeNull: true, id, refObjId: proto.acquire ? id : proto.ptrCast ? castRef : 0 });
      if (proto.acquire) st.refs.push({ id, insn: pc });
      break;
    }
    case 'ringbuf_mem_or_null': {
      const id = ++env.idGen;
      regs[0] = ptrReg('ringbuf_mem', { memSize: allocSize, maybeNull: true, id, refObjId: id });
      st.refs.push({ id, insn: pc });
      break;
    }
  }
  if (id === 8) { regs[0]!.s = zext32(scalarUnknown()); }
}

function memArgType(r: Reg, regno: number, pc: number): void {
  const ok = !r.maybeNull && (r.type === 'fp' || r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'map_key' || r.type === 'map_value' || r.type === 'mem' || r.type === 'ringbuf_mem');
  if (!ok) throw new Reject(`R${regno} type=${typeName(r)} expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_`, pc);
}

/** check_map_func_compatibility (the part bpfsim's helpers need). */
function checkMapCompat(env: Env, proto: HelperProto, mapIdx: number, pc: number): void {
  const m = env.maps[mapIdx]!;
  const tnum: Record<string, number> = { prog_array: 3, perf_event_array: 4, stack_trace: 7, cgroup_array: 8, ringbuf: 27, queue: 22, stack: 23, user_ringbuf: 31, bloom_filter: 30 };
  const special = Object.keys(tnum);
  const bad = proto.mapTypes ? !proto.mapTypes.includes(m.type) : special.includes(m.type);
  if (bad) {
    const mt = tnum[m.type] ?? mapTypeNumber(m.type);
    throw new Reject(`cannot pass map_type ${mt} into func bpf_${proto.name}#${proto.id}`, pc, 'EINVAL');
  }
}

function mapTypeNumber(t: string): number {
  const order = ['unspec', 'hash', 'array', 'prog_array', 'perf_event_array', 'percpu_hash', 'percpu_array', 'stack_trace',
    'cgroup_array', 'lru_hash', 'lru_percpu_hash', 'lpm_trie'];
  const i = order.indexOf(t);
  return i < 0 ? 0 : i;
}

