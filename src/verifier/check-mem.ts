/**
 * Memory access checks (kernel/bpf/verifier.c, Linux 6.18: check_mem_access,
 * check_ptr_alignment, check_stack_access_within_bounds,
 * check_stack_{read,write}_{fixed,var}_off, check_mem_region_access,
 * check_map_access_type, check_packet_access, check_ctx_access) for a
 * privileged (root) loader: uninitialised stack reads yield unknown scalars,
 * pointer spills and leaks are allowed.
 */
import { MapFlag } from '../maps/spec.js';
import { ctxAccess, mayWritePacket } from './ctx.js';
import { BPF_MAX_VAR_OFF, type Env, Reject } from './env.js';
import {
  type Scalar, scalarConst, tnumIsConst, tnumStr, truncate, signExtend,
} from './scalar-api.js';
import {
  type Frame, MAX_BPF_STACK, type Reg, Slot, type State, cloneReg, constReg, isPtr, notInit, typeName, unknownReg,
} from './state.js';

const S64MIN = -(1n << 63n);

/** Kernel text of a tnum for messages: a constant prints as decimal. */
export function tnumText(s: Scalar): string {
  return tnumIsConst(s.var_off) ? `${BigInt.asIntN(64, s.var_off.value)}` : tnumStr(s.var_off);
}

/** The frame a stack pointer points into. */
export function frameOf(st: State, r: Reg): Frame { return st.frames[r.frameno]!; }

/** check_ptr_alignment. */
function checkAlignment(env: Env, r: Reg, off: number, size: number, strictOnce: boolean, pc: number): void {
  let desc = '';
  let strict = env.strictAlign || strictOnce;
  switch (r.type) {
    case 'pkt': case 'pkt_meta':
      if (!strict || size === 1) return;
      desc = 'packet ';
      break;
    case 'map_key': desc = 'key '; break;
    case 'map_value': desc = 'value '; break;
    case 'ctx': desc = 'context '; break;
    case 'fp': desc = 'stack '; strict = true; break;
    case 'sock': case 'sock_common': case 'tcp_sock': desc = 'sock '; break;
    default: break;
  }
  if (!strict || size === 1) return;
  const v = r.s.var_off;
  const mask = BigInt(size - 1);
  const total = BigInt.asUintN(64, BigInt(r.off + off));
  // tnum_add(var_off, const) aligned?
  const lowKnown = (v.mask & mask) === 0n;
  if (!lowKnown || ((v.value + total) & mask) !== 0n) {
    throw new Reject(`misaligned ${desc}access off ${tnumText(r.s)}+${r.off}+${off} size ${size}`, pc);
  }
}

/** __check_mem_access + check_mem_region_access: [off + var, +size) inside [0, memSize). */
export function checkMemRegion(env: Env, regno: number, r: Reg, off: number, size: number, memSize: number, zeroOk: boolean, pc: number): void {
  const s = r.s;
  const inner = (o: bigint): string | undefined => {
    const sizeOk = size > 0 || (size === 0 && zeroOk);
    if (o >= 0n && sizeOk && o + BigInt(size) <= BigInt(memSize)) return undefined;
    switch (r.type) {
      case 'map_key': return `invalid access to map key, key_size=${memSize} off=${o} size=${size}`;
      case 'map_value': return `invalid access to map value, value_size=${memSize} off=${o} size=${size}`;
      case 'pkt': case 'pkt_meta': case 'pkt_end':
        return `invalid access to packet, off=${o} size=${size}, R${regno}(id=${r.id},off=${o},r=${memSize})`;
      default: return `invalid access to memory, mem_size=${memSize} off=${o} size=${size}`;
    }
  };
  if (s.smin < 0n && (s.smin === S64MIN || BigInt(off) + s.smin !== BigInt(BigInt.asIntN(32, BigInt(off) + s.smin)) || s.smin + BigInt(off) < 0n)) {
    throw new Reject(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`, pc);
  }
  const e1 = inner(s.smin + BigInt(off));
  if (e1) { log(env, e1); throw new Reject(`R${regno} min value is outside of the allowed memory range`, pc); }
  if (s.umax >= BigInt(BPF_MAX_VAR_OFF)) throw new Reject(`R${regno} unbounded memory access, make sure to bounds check any such access`, pc);
  const e2 = inner(s.umax + BigInt(off));
  if (e2) { log(env, e2); throw new Reject(`R${regno} max value is outside of the allowed memory range`, pc); }
}

function log(env: Env, line: string): void { if (env.logLevel > 0) env.log.push(line); }

/** check_map_access_type: BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG (and the seccomp sealing rules). */
export function checkMapAccessType(env: Env, mapIdx: number, off: number, size: number, write: boolean, pc: number): void {
  const m = env.maps[mapIdx]!;
  const canWrite = !(m.flags & MapFlag.BPF_F_RDONLY_PROG);
  const canRead = !(m.flags & MapFlag.BPF_F_WRONLY_PROG);
  if (write && !canWrite) throw new Reject(`write into map forbidden, value_size=${m.valueSize} off=${off} size=${size}`, pc);
  if (!write && !canRead) throw new Reject(`read from map forbidden, value_size=${m.valueSize} off=${off} size=${size}`, pc);
  if (env.progType === 'seccomp') {
    if (!write && !(m.flags & MapFlag.BPF_F_RDONLY_PROG && m.frozen)) {
      throw new Reject(`seccomp program may read only sealed maps (BPF_F_RDONLY_PROG and frozen): map ${mapIdx} value_size=${m.valueSize} off=${off} size=${size}`, pc);
    }
    if (write && !(m.flags & MapFlag.BPF_F_WRONLY_PROG)) {
      throw new Reject(`seccomp program may write only BPF_F_WRONLY_PROG maps: map ${mapIdx} value_size=${m.valueSize} off=${off} size=${size}`, pc);
    }
  }
}

/** True when the map's contents are constant to the program (frozen and BPF_F_RDONLY_PROG: bpf_map_is_rdonly). */
function mapIsRdonly(env: Env, mapIdx: number): boolean {
  const m = env.maps[mapIdx]!;
  return !!(m.flags & MapFlag.BPF_F_RDONLY_PROG) && !!m.frozen && m.type === 'array' && m.maxEntries === 1;
}

/** bpf_map_direct_read for an array map's first value (contents from the spec; absent bytes are zero). */
function mapDirectRead(env: Env, mapIdx: number, off: number, size: number, sx: boolean): bigint {
  const m = env.maps[mapIdx]!;
  const bytes = new Uint8Array(m.valueSize);
  for (const c of m.contents ?? []) {
    const key = hexBytes(c.key);
    const idx = key.length >= 4 ? (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0 : 0;
    if (idx === 0) bytes.set(hexBytes(c.value).subarray(0, m.valueSize));
  }
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i] ?? 0);
  return sx ? BigInt.asUintN(64, BigInt.asIntN(size * 8, v)) : v;
}

function hexBytes(h: string): Uint8Array {
  const c = h.replace(/^0x/i, '').replace(/[\s_]/g, '');
  const out = new Uint8Array(c.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(c.substr(i * 2, 2), 16) || 0;
  return out;
}

/** check_stack_access_within_bounds (+ grow_stack_state). */
function checkStackBounds(env: Env, st: State, regno: number, r: Reg, off: number, size: number, what: string, pc: number): [number, number] {
  let minOff: bigint, maxOff: bigint;
  if (tnumIsConst(r.s.var_off)) {
    minOff = BigInt.asIntN(64, r.s.var_off.value) + BigInt(off);
    maxOff = minOff + BigInt(size);
  } else {
    if (r.s.smax >= BigInt(BPF_MAX_VAR_OFF) || r.s.smin <= -BigInt(BPF_MAX_VAR_OFF)) {
      throw new Reject(`invalid unbounded variable-offset${what} stack R${regno}`, pc);
    }
    minOff = r.s.smin + BigInt(off);
    maxOff = r.s.smax + BigInt(off) + BigInt(size);
  }
  const bad = minOff < -BigInt(MAX_BPF_STACK) || minOff > -1n || maxOff > 0n || size < 0;
  if (bad) {
    if (tnumIsConst(r.s.var_off)) throw new Reject(`invalid${what} stack R${regno} off=${off} size=${size}`, pc);
    throw new Reject(`invalid variable-offset${what} stack R${regno} var_off=${tnumStr(r.s.var_off)} off=${off} size=${size}`, pc);
  }
  const f = frameOf(st, r);
  f.allocated = Math.max(f.allocated, Number(-minOff));
  env.stackDepth.set(f.subprog, Math.max(env.stackDepth.get(f.subprog) ?? 0, f.allocated));
  return [Number(minOff), Number(maxOff)];
}

const idx = (off: number) => MAX_BPF_STACK + off;
const spiOf = (off: number) => (-off - 1) >> 3;

/** Marks every byte of a spilled slot MISC when the spill is broken (scrub_spilled_slot). */
function scrubSlot(f: Frame, spi: number): void {
  const base = MAX_BPF_STACK - 8 * (spi + 1);
  if (f.slots[base] === Slot.SPILL || f.spilled[spi]) {
    for (let i = 0; i < 8; i++) if (f.slots[base + i] !== Slot.INVALID) f.slots[base + i] = Slot.MISC;
  }
  f.spilled[spi] = undefined;
}

/** check_stack_write_fixed_off. `value` undefined for a write whose value is not a register (atomics, helpers). */
function stackWriteFixed(env: Env, st: State, f: Frame, off: number, size: number, value: Reg | undefined, stImm: bigint | undefined, pc: number): void {
  const spi = spiOf(off);
  const cur = st.frames[st.frames.length - 1]!;
  if (value && off % 8 === 0 && value.type === 'scalar') {
    saveSpill(f, spi, off, value, size);
    return;
  }
  if (!value && stImm !== undefined && off % 8 === 0) {
    saveSpill(f, spi, off, constReg(stImm), size);
    return;
  }
  if (value && isPtr(value)) {
    if (size !== 8) throw new Reject('invalid size of register spill', pc);
    if (f !== cur && value.type === 'fp') throw new Reject('cannot spill pointers to stack into stack frame of the caller', pc, 'EINVAL');
    saveSpill(f, spi, off, value, size);
    return;
  }
  scrubSlot(f, spi);
  const zero = (value && value.type === 'scalar' && tnumIsConst(value.s.var_off) && value.s.var_off.value === 0n) || stImm === 0n;
  for (let i = 0; i < size; i++) f.slots[idx(off + i)] = zero ? Slot.ZERO : Slot.MISC;
  void env;
}

function saveSpill(f: Frame, spi: number, off: number, r: Reg, size: number): void {
  const base = MAX_BPF_STACK - 8 * (spi + 1);
  const prevSpill = f.slots[base] === Slot.SPILL;
  f.spilled[spi] = cloneReg(r);
  for (let i = 0; i < size; i++) f.slots[idx(off + i)] = Slot.SPILL;
  for (let i = size; i < 8; i++) {
    const b = base + i;
    if (prevSpill && f.slots[b] === Slot.SPILL) f.slots[b] = Slot.MISC;
    else if (f.slots[b] === Slot.SPILL) f.slots[b] = Slot.MISC;
  }
}

/** check_stack_write_var_off. */
function stackWriteVar(f: Frame, minOff: number, maxOff: number, zero: boolean): void {
  for (let i = minOff; i < maxOff; i++) {
    const spi = spiOf(i);
    if (f.spilled[spi]) scrubSlot(f, spi);
    const b = idx(i);
    f.slots[b] = zero && f.slots[b] === Slot.ZERO ? Slot.ZERO : Slot.MISC;
  }
}

/** check_stack_read_fixed_off; returns the loaded register (before size coercion) or undefined for dst < 0. */
function stackReadFixed(f: Frame, off: number, size: number, wantValue: boolean, pc: number): Reg | undefined {
  const spi = spiOf(off);
  const base = MAX_BPF_STACK - 8 * (spi + 1);
  const sp = f.spilled[spi];
  if (f.slots[base] === Slot.SPILL && sp) {
    let spillSize = 0;
    for (let i = 0; i < 8 && f.slots[base + i] === Slot.SPILL; i++) spillSize++;
    if (size !== 8 || spillSize !== 8) {
      if (sp.type !== 'scalar') throw new Reject('invalid size of register fill', pc);
      if (!wantValue) return undefined;
      if (size <= spillSize && off === base - MAX_BPF_STACK) {
        const r = cloneReg(sp);
        if (size < 8) { r.s = truncate(r.s, size); r.id = 0; }
        return r;
      }
      let spill = 0, zero = 0;
      for (let i = 0; i < size; i++) {
        const t = f.slots[idx(off + i)]!;
        if (t === Slot.SPILL) spill++;
        else if (t === Slot.ZERO) zero++;
      }
      if (spill === size && tnumIsConst(sp.s.var_off) && sp.s.var_off.value === 0n) return constReg(0n);
      if (zero === size) return constReg(0n);
      return unknownReg();
    }
    return wantValue ? cloneReg(sp) : undefined;
  }
  if (!wantValue) return undefined;
  let zeros = 0;
  for (let i = 0; i < size; i++) {
    const t = f.slots[idx(off + i)]!;
    if (t === Slot.ZERO) zeros++;
    else if (t === Slot.SPILL) {
      // part of a spilled scalar without being its fill
      const s2 = f.spilled[spiOf(off + i)];
      if (s2 && s2.type !== 'scalar') throw new Reject('invalid size of register fill', pc);
    }
  }
  return zeros === size ? constReg(0n) : unknownReg();
}

/** Variable-offset stack read: unknown (or zero if every byte may be only zero). */
function stackReadVar(f: Frame, minOff: number, maxOff: number): Reg {
  let allZero = true;
  for (let i = minOff; i < maxOff; i++) if (f.slots[idx(i)] !== Slot.ZERO) { allZero = false; break; }
  return allZero ? constReg(0n) : unknownReg();
}

/** bpf_sock_is_valid_access / bpf_sock_common_is_valid_access (struct bpf_sock, read-only). */
function sockAccessOk(type: string, off: number, size: number): boolean {
  if (type === 'tcp_sock') {
    // bpf_tcp_sock_is_valid_access: u32 fields, bytes_received / bytes_acked u64; up to icsk_retransmits.
    if (off < 0 || off >= 112 || off % size !== 0) return false;
    return off === 80 || off === 88 ? size === 8 : size === 4;
  }
  if (off < 0 || off >= 80 || off % size !== 0) return false;
  if (type === 'sock_common' && off >= 8 && off < 24) return false; // type .. priority: full sockets only
  if (off === 50) return size === 2; // 4-byte access to the 2-byte dst_port field
  if (off >= 48 && off < 52) return size <= 2 || (size === 4 && off === 48);
  return size <= 4 && (size & (size - 1)) === 0;
}

/** Memory access kinds for messages. */
export interface AccessOpts {
  /** Value register for writes (undefined for ST / atomics / helper writes). */
  valueReg?: Reg;
  /** BPF_ST immediate (sign-extended). */
  stImm?: bigint;
  /** Strict alignment for this access (atomics). */
  strictOnce?: boolean;
  /** Sign-extending load. */
  sx?: boolean;
  /** Whether the loaded value is wanted (dst register given). */
  wantValue?: boolean;
}

/**
 * check_mem_access: access [reg + off, +size) for reading or writing.
 * Returns the loaded register for reads with `wantValue`.
 * @throws Reject with the kernel's message.
 */
export function checkMemAccess(env: Env, st: State, regno: number, off: number, size: number, write: boolean, o: AccessOpts, pc: number): Reg | undefined {
  const regs = st.frames[st.frames.length - 1]!.regs;
  const r = regs[regno]!;
  checkAlignment(env, r, off, size, !!o.strictOnce, pc);
  const insnOff = off;
  off += r.off;
  let result: Reg | undefined;
  const want = !write && !!o.wantValue;
  switch (r.maybeNull ? 'null' : r.type) {
    case 'map_key':
      if (write) throw new Reject(`write to change key R${regno} not allowed`, pc);
      checkMemRegion(env, regno, r, off, size, env.maps[r.map]!.keySize, false, pc);
      if (want) result = unknownReg();
      break;
    case 'map_value': {
      checkMapAccessType(env, r.map, off, size, write, pc);
      checkMemRegion(env, regno, r, off, size, env.maps[r.map]!.valueSize, false, pc);
      if (want) {
        if (tnumIsConst(r.s.var_off) && mapIsRdonly(env, r.map)) {
          result = constReg(mapDirectRead(env, r.map, off + Number(r.s.var_off.value), size, !!o.sx));
          return result;
        }
        result = unknownReg();
      }
      break;
    }
    case 'mem': case 'ringbuf_mem':
      if (write && r.rdonly) throw new Reject(`R${regno} cannot write into ${typeName(r)}`, pc);
      checkMemRegion(env, regno, r, off, size, r.memSize, false, pc);
      if (want) result = unknownReg();
      break;
    case 'ctx': {
      if (r.off < 0) throw new Reject(`negative offset ctx ptr R${regno} off=${r.off} disallowed`, pc);
      if (r.off) throw new Reject(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`, pc);
      if (!tnumIsConst(r.s.var_off) || r.s.var_off.value !== 0n) {
        throw new Reject(`variable ctx access var_off=${tnumStr(r.s.var_off)} disallowed`, pc);
      }
      if (env.progType === 'raw') throw new Reject(`R${regno} invalid mem access 'ctx'`, pc);
      const a = ctxAccess(env.progType, insnOff, size, write);
      if (!a) throw new Reject(`invalid bpf_context access off=${insnOff} size=${size}`, pc);
      if (want) {
        if (a.type === 'scalar') result = unknownReg();
        else {
          const p = notInit();
          p.type = a.type; p.s = scalarConst(0n);
          if (a.maybeNull) { p.maybeNull = true; p.id = ++env.idGen; }
          return p;
        }
      }
      break;
    }
    case 'fp': {
      const what = write ? ' write to' : ' read from';
      const [minOff, maxOff] = checkStackBounds(env, st, regno, r, off, size, what, pc);
      const f = frameOf(st, r);
      if (tnumIsConst(r.s.var_off)) {
        const o2 = off + Number(BigInt.asIntN(64, r.s.var_off.value));
        if (write) stackWriteFixed(env, st, f, o2, size, o.valueReg, o.stImm, pc);
        else result = stackReadFixed(f, o2, size, want, pc);
      } else if (write) {
        const zero = (o.valueReg && o.valueReg.type === 'scalar' && tnumIsConst(o.valueReg.s.var_off) && o.valueReg.s.var_off.value === 0n) || o.stImm === 0n;
        stackWriteVar(f, minOff, maxOff, !!zero);
      } else if (want) {
        result = stackReadVar(f, minOff, maxOff);
      }
      break;
    }
    case 'pkt': case 'pkt_meta':
      if (write && !mayWritePacket(env.progType)) throw new Reject('cannot write into packet', pc);
      if (r.s.smin < 0n) throw new Reject(`R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`, pc);
      {
        const sizeOk = size > 0;
        if (!(off >= 0 && sizeOk && off + size <= r.range)) {
          log(env, `invalid access to packet, off=${off} size=${size}, R${regno}(id=${r.id},off=${r.off},r=${r.range})`);
          throw new Reject(`R${regno} offset is outside of the packet`, pc);
        }
        if (r.s.umax >= BigInt(BPF_MAX_VAR_OFF)) throw new Reject(`R${regno} unbounded memory access, make sure to bounds check any such access`, pc);
      }
      if (want) result = unknownReg();
      break;
    case 'sock_common': case 'sock': case 'tcp_sock':
      if (write) throw new Reject(`R${regno} cannot write into ${typeName(r)}`, pc);
      if (!sockAccessOk(r.type, off, size)) throw new Reject(`R${regno} invalid ${r.type} access off=${off} size=${size}`, pc);
      if (want) result = unknownReg();
      break;
    case 'map_ptr': {
      const tname = env.maps[r.map]!.type === 'array' ? 'bpf_array' : env.maps[r.map]!.type === 'hash' ? 'bpf_htab' : 'bpf_map';
      if (off < 0) throw new Reject(`R${regno} is ${tname} invalid negative access: off=${off}`, pc);
      if (write) throw new Reject(`only read from ${tname} is supported`, pc);
      if (want) result = unknownReg();
      break;
    }
    default:
      throw new Reject(`R${regno} invalid mem access '${typeName(r)}'`, pc);
  }
  if (result && result.type === 'scalar' && size < 8) {
    result.s = o.sx ? signExtend(result.s, size) : truncate(result.s, size);
    result.id = 0;
  }
  return result;
}

/**
 * check_helper_mem_access: a helper reads (or writes) [reg, reg + size).
 * Stack bytes a helper writes become STACK_MISC.
 */
export function checkHelperMem(env: Env, st: State, regno: number, size: bigint, write: boolean, zeroOk: boolean, pc: number): void {
  const regs = st.frames[st.frames.length - 1]!.regs;
  const r = regs[regno]!;
  const n = Number(size);
  switch (r.maybeNull ? 'null' : r.type) {
    case 'pkt': case 'pkt_meta':
      if (r.off < 0 || r.off + n > r.range || (n === 0 && !zeroOk)) {
        log(env, `invalid access to packet, off=${r.off} size=${n}, R${regno}(id=${r.id},off=${r.off},r=${r.range})`);
        throw new Reject(`R${regno} offset is outside of the packet`, pc);
      }
      return;
    case 'map_key':
      if (write) throw new Reject(`R${regno} cannot write into ${typeName(r)}`, pc);
      checkMemRegion(env, regno, r, r.off, n, env.maps[r.map]!.keySize, false, pc);
      return;
    case 'map_value':
      checkMapAccessType(env, r.map, r.off, n, write, pc);
      checkMemRegion(env, regno, r, r.off, n, env.maps[r.map]!.valueSize, zeroOk, pc);
      return;
    case 'mem': case 'ringbuf_mem':
      if (write && r.rdonly) throw new Reject(`R${regno} cannot write into ${typeName(r)}`, pc);
      checkMemRegion(env, regno, r, r.off, n, r.memSize, zeroOk, pc);
      return;
    case 'fp': {
      if (n === 0 && !zeroOk) throw new Reject(`invalid zero-sized read`, pc);
      const what = write ? ' write to' : ' read from';
      const [minOff, maxOff] = checkStackBounds(env, st, regno, r, r.off, n, what, pc);
      const f = frameOf(st, r);
      for (let i = minOff; i < maxOff; i++) {
        const spi = spiOf(i);
        if (write) {
          if (f.spilled[spi]) scrubSlot(f, spi);
          f.slots[idx(i)] = Slot.MISC;
        }
      }
      return;
    }
    default:
      if (zeroOk && n === 0 && r.type === 'scalar' && tnumIsConst(r.s.var_off) && r.s.var_off.value === 0n) return;
      throw new Reject(`R${regno} type=${typeName(r)} expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_`, pc);
  }
}
