/**
 * The helper registry and bpfsim's built-in helpers.
 *
 * A helper is a {@link HelperDef} (`{ id, name, fn }`, src/vm/types.ts); `fn`
 * receives r1..r5 as unsigned 64-bit BigInts and returns r0. Embedders (the
 * maps module, the seccomp runtime, test harnesses) add their own with
 * `registry.register(def)`; a later registration of the same id replaces the
 * earlier one. A call to an id nobody registered is a RuntimeFault (HELPER)
 * naming the id. Helper 12 (bpf_tail_call) is implemented by the VM itself.
 *
 * Built-ins (kernel/bpf/helpers.c, kernel/trace/bpf_trace.c semantics over
 * the deterministic {@link VmEnv}): ktime_get_ns, ktime_get_boot_ns,
 * get_prandom_u32, get_smp_processor_id, get_current_pid_tgid,
 * get_current_uid_gid, get_current_comm, trace_printk. Helpers that need a
 * real kernel (probe_read*, get_current_task, ...) are registered as stubs
 * that fail with a clear message naming the helper.
 */

import { BpfError, ErrorCode, RuntimeFault } from '../errors.js';
import { Perm } from './memory.js';
import type { HelperCall, HelperDef } from './types.js';

function splitAddr(addr: bigint): [number, number] {
  const a = BigInt.asUintN(64, addr);
  return [Number(a >> 32n), Number(a & 0xffffffffn)];
}

/** A RuntimeFault at the call's pc (through `call.fault` when present). */
export function helperFault(call: HelperCall, message: string, address?: bigint, size?: number, code: 'HELPER' | 'MEM_FAULT' | 'RUNTIME' = 'HELPER'): Error {
  return call.fault !== undefined ? call.fault(message, address, size, code) : new RuntimeFault(code, message, call.pc, address, size);
}

/**
 * Reads `size` bytes at a VM address (a copy).
 * @throws RuntimeFault (MEM_FAULT) when the range is not readable.
 */
export function helperRead(call: HelperCall, addr: bigint, size: number): Uint8Array {
  if (call.read !== undefined) return call.read(addr, size);
  const [hi, lo] = splitAddr(addr);
  const r = call.mem.check(hi, lo, size, Perm.READ);
  if (r === undefined) throw helperFault(call, `invalid read of ${size} bytes at 0x${BigInt.asUintN(64, addr).toString(16)}`, BigInt.asUintN(64, addr), size, 'MEM_FAULT');
  return r.bytes.slice(lo, lo + size);
}

/**
 * Writes bytes at a VM address.
 * @throws RuntimeFault (MEM_FAULT) when the range is not writable.
 */
export function helperWrite(call: HelperCall, addr: bigint, bytes: Uint8Array): void {
  if (call.write !== undefined) { call.write(addr, bytes); return; }
  const [hi, lo] = splitAddr(addr);
  const r = call.mem.check(hi, lo, bytes.length, Perm.WRITE);
  if (r === undefined) throw helperFault(call, `invalid write of ${bytes.length} bytes at 0x${BigInt.asUintN(64, addr).toString(16)}`, BigInt.asUintN(64, addr), bytes.length, 'MEM_FAULT');
  r.bytes.set(bytes, lo);
}

/** Helper ids of the built-ins (`enum bpf_func_id`, include/uapi/linux/bpf.h). */
export const BuiltinHelperId = {
  probe_read: 4, ktime_get_ns: 5, trace_printk: 6, get_prandom_u32: 7, get_smp_processor_id: 8,
  get_current_pid_tgid: 14, get_current_uid_gid: 15, get_current_comm: 16, get_current_task: 35,
  probe_read_str: 45, get_current_cgroup_id: 80, probe_read_user: 112, probe_read_kernel: 113,
  probe_read_user_str: 114, probe_read_kernel_str: 115, ktime_get_boot_ns: 125,
  get_current_task_btf: 158, ktime_get_coarse_ns: 160, copy_from_user: 148,
} as const;

const EINVAL = 22n;
const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** A table of helpers by id. */
export class HelperRegistry {
  private readonly byId: (HelperDef | undefined)[] = [];

  /** A registry holding `defs` (default: none). */
  constructor(defs: Iterable<HelperDef> = []) {
    for (const d of defs) this.register(d);
  }

  /**
   * Adds (or replaces) a helper.
   * @throws BpfError (HELPER) for an id outside 0..65535.
   */
  register(def: HelperDef): this {
    if (!Number.isInteger(def.id) || def.id < 0 || def.id > 0xffff) throw new BpfError(ErrorCode.Helper, `helper id ${def.id} out of range`);
    while (this.byId.length <= def.id) this.byId.push(undefined);
    this.byId[def.id] = def;
    return this;
  }

  /** Adds (or replaces) several helpers. */
  registerAll(defs: Iterable<HelperDef>): this {
    for (const d of defs) this.register(d);
    return this;
  }

  /** Removes the helper with this id (if any). */
  unregister(id: number): this {
    if (id >= 0 && id < this.byId.length) this.byId[id] = undefined;
    return this;
  }

  /** The helper with this id, or undefined. */
  get(id: number): HelperDef | undefined {
    return this.byId[id];
  }

  /** The helper with this name (without `bpf_`), or undefined. */
  byName(name: string): HelperDef | undefined {
    return this.byId.find((d) => d !== undefined && d.name === name);
  }

  /** Every registered helper, by id. */
  list(): HelperDef[] {
    return this.byId.filter((d): d is HelperDef => d !== undefined);
  }

  /** The dense id-indexed table engines dispatch through. */
  table(): readonly (HelperDef | undefined)[] {
    return this.byId;
  }

  /** A copy that can be extended without changing this one. */
  clone(): HelperRegistry {
    return new HelperRegistry(this.list());
  }
}

/** Formats `fmt` like the kernel's bpf_trace_printk (bpf_bprintf_prepare + bstr_printf); undefined when the kernel returns -EINVAL. */
export function formatTracePrintk(call: HelperCall, fmt: string, args: readonly bigint[]): string | undefined {
  let out = '';
  let argi = 0;
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    const cc = ch.charCodeAt(0);
    if (!(cc >= 0x20 && cc < 0x7f) && !/\s/.test(ch)) return undefined;
    if (ch !== '%') { out += ch; continue; }
    i++;
    if (fmt[i] === '%') { out += '%'; continue; }
    if (argi >= 3) return undefined;
    let flags = '';
    while (i < fmt.length && '0+- '.includes(fmt[i]!)) flags += fmt[i++];
    let width = 0;
    while (i < fmt.length && fmt[i]! >= '0' && fmt[i]! <= '9') width = width * 10 + Number(fmt[i++]);
    const arg = args[argi++] ?? 0n;
    let s: string;
    let numeric = true;
    const c = fmt[i];
    if (c === 'p') {
      // %p, %px, %pK, %pS, %pB...: bpfsim prints the raw address (the kernel hashes plain %p).
      const nx = fmt[i + 1];
      if (nx !== undefined && /[xKSBsIi]/.test(nx)) i++;
      if (nx === 'I' || nx === 'i') {
        const v4 = fmt[i + 1] === '4';
        i++;
        const bytes = safeRead(call, arg, v4 ? 4 : 16);
        if (bytes === undefined) return undefined;
        s = v4 ? Array.from(bytes).join('.') : Array.from({ length: 8 }, (_, k) => ((bytes[2 * k]! << 8) | bytes[2 * k + 1]!).toString(16).padStart(4, '0')).join(':');
        numeric = false;
      } else {
        s = arg.toString(16).padStart(16, '0');
      }
    } else if (c === 's') {
      s = readCString(call, arg, 512);
      numeric = false;
    } else if (c === 'c') {
      s = String.fromCharCode(Number(arg & 0xffn));
      numeric = false;
    } else {
      let long = false;
      if (fmt[i] === 'l') { long = true; i++; if (fmt[i] === 'l') i++; }
      const conv = fmt[i];
      const v = long ? arg : arg & 0xffffffffn;
      const bits = long ? 64 : 32;
      if (conv === 'd' || conv === 'i') s = BigInt.asIntN(bits, v).toString();
      else if (conv === 'u') s = v.toString();
      else if (conv === 'x') s = v.toString(16);
      else if (conv === 'X') s = v.toString(16).toUpperCase();
      else return undefined;
      if (flags.includes('+') && !s.startsWith('-')) s = '+' + s;
      else if (flags.includes(' ') && !s.startsWith('-')) s = ' ' + s;
    }
    if (s.length < width) {
      if (flags.includes('-')) s = s.padEnd(width);
      else if (flags.includes('0') && numeric) {
        const sign = /^[-+ ]/.test(s) ? s[0]! : '';
        s = sign + s.slice(sign.length).padStart(width - sign.length, '0');
      } else s = s.padStart(width);
    }
    out += s;
  }
  return out;
}

function safeRead(call: HelperCall, addr: bigint, size: number): Uint8Array | undefined {
  try {
    return helperRead(call, addr, size);
  } catch {
    return undefined;
  }
}

/** A NUL-terminated string at `addr` (at most `max` bytes); '' when unreadable (the kernel's nofault copy). */
function readCString(call: HelperCall, addr: bigint, max: number): string {
  let s = '';
  for (let k = 0; k < max; k++) {
    const b = safeRead(call, addr + BigInt(k), 1);
    if (b === undefined || b[0] === 0) break;
    s += String.fromCharCode(b[0]!);
  }
  return s;
}

function kernelOnly(id: number, name: string): HelperDef {
  return {
    id, name,
    fn: (call) => { throw helperFault(call, `helper bpf_${name} (${id}) needs a real kernel and is not available in bpfsim`); },
  };
}

/**
 * bpfsim's built-in helpers over the run's {@link VmEnv}, plus failing stubs
 * for helpers that need a real kernel.
 */
export function defaultHelpers(): HelperDef[] {
  const H = BuiltinHelperId;
  return [
    { id: H.ktime_get_ns, name: 'ktime_get_ns', fn: (c) => U64(c.env.clockNs()) },
    { id: H.ktime_get_boot_ns, name: 'ktime_get_boot_ns', fn: (c) => U64(c.env.clockNs()) },
    { id: H.ktime_get_coarse_ns, name: 'ktime_get_coarse_ns', fn: (c) => U64(c.env.clockNs()) },
    { id: H.get_prandom_u32, name: 'get_prandom_u32', fn: (c) => BigInt(c.env.random32() >>> 0) },
    { id: H.get_smp_processor_id, name: 'get_smp_processor_id', fn: (c) => BigInt(c.env.cpu >>> 0) },
    {
      id: H.get_current_pid_tgid, name: 'get_current_pid_tgid',
      fn: (c) => (BigInt(c.env.task.tgid >>> 0) << 32n) | BigInt(c.env.task.pid >>> 0),
    },
    {
      id: H.get_current_uid_gid, name: 'get_current_uid_gid',
      fn: (c) => (BigInt(c.env.task.gid >>> 0) << 32n) | BigInt(c.env.task.uid >>> 0),
    },
    {
      id: H.get_current_comm, name: 'get_current_comm',
      fn: (c, buf, size) => {
        const n = Number(size & 0xffffffffn);
        if (n === 0) return U64(-EINVAL);
        const out = new Uint8Array(n);
        const comm = new TextEncoder().encode(c.env.task.comm).subarray(0, Math.min(15, n - 1));
        out.set(comm);
        helperWrite(c, buf, out);
        return 0n;
      },
    },
    {
      id: H.trace_printk, name: 'trace_printk',
      fn: (c, fmtPtr, fmtSize, a1, a2, a3) => {
        const n = Number(fmtSize & 0xffffffffn);
        if (n === 0 || n > 4096) return U64(-EINVAL);
        const raw = helperRead(c, fmtPtr, n);
        const nul = raw.indexOf(0);
        if (nul < 0) return U64(-EINVAL);
        const fmt = String.fromCharCode(...raw.subarray(0, nul));
        const s = formatTracePrintk(c, fmt, [a1, a2, a3]);
        if (s === undefined) return U64(-EINVAL);
        c.env.traceOutput.push(s);
        return BigInt(s.length);
      },
    },
    kernelOnly(H.probe_read, 'probe_read'),
    kernelOnly(H.probe_read_str, 'probe_read_str'),
    kernelOnly(H.probe_read_user, 'probe_read_user'),
    kernelOnly(H.probe_read_kernel, 'probe_read_kernel'),
    kernelOnly(H.probe_read_user_str, 'probe_read_user_str'),
    kernelOnly(H.probe_read_kernel_str, 'probe_read_kernel_str'),
    kernelOnly(H.copy_from_user, 'copy_from_user'),
    kernelOnly(H.get_current_task, 'get_current_task'),
    kernelOnly(H.get_current_task_btf, 'get_current_task_btf'),
    kernelOnly(H.get_current_cgroup_id, 'get_current_cgroup_id'),
  ];
}
