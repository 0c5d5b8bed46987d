/**
 * Context access rules per program type: which offsets and sizes of the
 * context structure a program may read or write, and what type a load yields
 * (net/core/filter.c: bpf_skb_is_valid_access, sk_filter_is_valid_access,
 * xdp_is_valid_access; Linux 6.18), plus bpfsim's seccomp type
 * (`struct seccomp_data`, read-only) and raw type.
 */
import type { ProgTypeName } from '../isa/prog-types.js';
import type { RegType } from './state.js';

/** Outcome of a context access check. */
export interface CtxAccess {
  /** Type of the loaded value ('scalar' for plain fields). */
  type: RegType;
  maybeNull?: boolean;
}

/** `offsetof(struct __sk_buff, ...)`. */
const SKB = {
  len: 0, mark: 8, tc_index: 44, cb0: 48, cb_end: 68, hash: 68, tc_classid: 72, data: 76, data_end: 80,
  napi_id: 84, family: 88, remote_ip4: 92, local_ip4: 96, remote_ip6: 100, local_ip6: 116, remote_port: 132,
  local_port: 136, data_meta: 140, flow_keys: 144, tstamp: 152, wire_len: 160, gso_segs: 164, sk: 168,
  gso_size: 176, tstamp_type: 180, hwtstamp: 184, size: 192,
} as const;

function inRange(off: number, start: number, size: number): boolean { return off >= start && off < start + size; }

/** bpf_skb_is_valid_access (shared by the skb program types). */
function skbValid(off: number, size: number, write: boolean): CtxAccess | undefined {
  if (off < 0 || off >= SKB.size) return undefined;
  if (off % size !== 0) return undefined;
  if (off >= SKB.cb0 && off < SKB.cb_end) {
    if (off + size > SKB.cb_end) return undefined;
    return { type: 'scalar' };
  }
  if (inRange(off, SKB.remote_ip6, 16) || inRange(off, SKB.local_ip6, 16) || off === SKB.remote_ip4 || off === SKB.local_ip4) {
    return size === 4 ? { type: 'scalar' } : undefined;
  }
  if (inRange(off, SKB.data, 4)) return size === 4 ? { type: 'pkt' } : undefined;
  if (inRange(off, SKB.data_meta, 4)) return size === 4 ? { type: 'pkt_meta' } : undefined;
  if (inRange(off, SKB.data_end, 4)) return size === 4 ? { type: 'pkt_end' } : undefined;
  if (inRange(off, SKB.flow_keys, 8)) return undefined;
  if (inRange(off, SKB.hwtstamp, 8)) return !write && size === 8 ? { type: 'scalar' } : undefined;
  if (inRange(off, SKB.tstamp, 8)) return size === 8 ? { type: 'scalar' } : undefined;
  if (off === SKB.sk) return !write && size === 8 ? { type: 'sock_common', maybeNull: true } : undefined;
  if (off >= SKB.tstamp_type && off < SKB.hwtstamp) return undefined;
  if (write) return size === 4 ? { type: 'scalar' } : undefined;
  // Narrow reads of 4-byte fields.
  return size <= 4 && (size & (size - 1)) === 0 ? { type: 'scalar' } : undefined;
}

/** sk_filter_is_valid_access. */
function socketFilterValid(off: number, size: number, write: boolean): CtxAccess | undefined {
  if (inRange(off, SKB.tc_classid, 4) || inRange(off, SKB.data, 4) || inRange(off, SKB.data_meta, 4) ||
    inRange(off, SKB.data_end, 4) || (off >= SKB.family && off < SKB.local_port + 4) || inRange(off, SKB.tstamp, 8) ||
    inRange(off, SKB.wire_len, 4) || inRange(off, SKB.hwtstamp, 8)) return undefined;
  if (write && !(off >= SKB.cb0 && off < SKB.cb_end)) return undefined;
  return skbValid(off, size, write);
}

/** xdp_is_valid_access (struct xdp_md, 24 bytes of u32; only reads). */
function xdpValid(off: number, size: number, write: boolean): CtxAccess | undefined {
  if (write) return undefined;
  if (off < 0 || off >= 24 || off % size !== 0 || size !== 4) return undefined;
  if (off === 0) return { type: 'pkt' };
  if (off === 4) return { type: 'pkt_end' };
  if (off === 8) return { type: 'pkt_meta' };
  return { type: 'scalar' };
}

/**
 * bpfsim's seccomp type: `struct seccomp_data` (nr, arch, instruction_pointer,
 * args[6]; 64 bytes) is read-only; loads of 4 or 8 bytes aligned to their size.
 */
function seccompValid(off: number, size: number, write: boolean): CtxAccess | undefined {
  if (write) return undefined;
  if (off < 0 || off + size > 64 || (size !== 4 && size !== 8) || off % size !== 0) return undefined;
  return { type: 'scalar' };
}

const r = (off: number, start: number, size: number) => inRange(off, start, size);
const SKB_PRIORITY = 32, SKB_QUEUE_MAPPING = 12;

/** tc_cls_act_is_valid_access (sched_cls, sched_act). */
function tcValid(off: number, size: number, write: boolean): CtxAccess | undefined {
  if (write && !(r(off, SKB.mark, 4) || r(off, SKB.tc_index, 4) || r(off, SKB_PRIORITY, 4) || r(off, SKB.tc_classid, 4) ||
    (off >= SKB.cb0 && off < SKB.cb_end) || r(off, SKB.tstamp, 8) || r(off, SKB_QUEUE_MAPPING, 4))) return undefined;
  if (off >= SKB.family && off < SKB.local_port + 4) return undefined;
  return skbValid(off, size, write);
}

/** cg_skb_is_valid_access (root: data / data_end readable). */
function cgSkbValid(off: number, size: number, write: boolean): CtxAccess | undefined {
  if (r(off, SKB.tc_classid, 4) || r(off, SKB.data_meta, 4) || r(off, SKB.wire_len, 4)) return undefined;
  if (write && !(r(off, SKB.mark, 4) || r(off, SKB_PRIORITY, 4) || (off >= SKB.cb0 && off < SKB.cb_end) || r(off, SKB.tstamp, 8))) return undefined;
  return skbValid(off, size, write);
}

/** sk_skb_is_valid_access. */
function skSkbValid(off: number, size: number, write: boolean): CtxAccess | undefined {
  if (r(off, SKB.tc_classid, 4) || r(off, SKB.data_meta, 4) || r(off, SKB.tstamp, 8) || r(off, SKB.wire_len, 4) || r(off, SKB.hwtstamp, 8)) return undefined;
  if (write && !(r(off, SKB.tc_index, 4) || r(off, SKB_PRIORITY, 4))) return undefined;
  if (r(off, SKB.mark, 4)) return undefined;
  return skbValid(off, size, write);
}

/** lwt_is_valid_access (lwt_in, lwt_out, lwt_xmit). */
function lwtValid(off: number, size: number, write: boolean): CtxAccess | undefined {
  if (r(off, SKB.tc_classid, 4) || (off >= SKB.family && off < SKB.local_port + 4) || r(off, SKB.data_meta, 4) ||
    r(off, SKB.tstamp, 8) || r(off, SKB.wire_len, 4) || r(off, SKB.hwtstamp, 8)) return undefined;
  if (write && !(r(off, SKB.mark, 4) || r(off, SKB_PRIORITY, 4) || (off >= SKB.cb0 && off < SKB.cb_end))) return undefined;
  return skbValid(off, size, write);
}

/** kprobe_prog_is_valid_access: struct pt_regs (x86_64: 168 bytes), read-only. */
function kprobeValid(off: number, size: number, write: boolean): CtxAccess | undefined {
  if (write || off < 0 || off >= 168 || off % size !== 0 || off + size > 168) return undefined;
  return { type: 'scalar' };
}

/** tp_prog_is_valid_access: the trace event record after its common header pointer. */
function tracepointValid(off: number, size: number, write: boolean): CtxAccess | undefined {
  if (off < 8 || off >= 2048 || write || off % size !== 0) return undefined;
  return { type: 'scalar' };
}

/** pe_prog_is_valid_access: struct bpf_perf_event_data (regs, sample_period, addr). */
function perfEventValid(off: number, size: number, write: boolean): CtxAccess | undefined {
  if (off < 0 || off >= 184 || write || off % size !== 0) return undefined;
  if (off >= 168) return size <= 8 ? { type: 'scalar' } : undefined;
  return size === 8 ? { type: 'scalar' } : undefined;
}

/** sk_msg_is_valid_access: struct sk_msg_md (data / data_end pointers, socket fields, sk), read-only. */
function skMsgValid(off: number, size: number, write: boolean): CtxAccess | undefined {
  if (write || off < 0 || off >= 80 || off % size !== 0) return undefined;
  if (off === 0) return size === 8 ? { type: 'pkt' } : undefined;
  if (off === 8) return size === 8 ? { type: 'pkt_end' } : undefined;
  if (off >= 16 && off < 72) return size === 4 ? { type: 'scalar' } : undefined;
  if (off === 72) return size === 8 ? { type: 'sock' } : undefined;
  return undefined;
}

/**
 * Checks one context access; undefined when it is invalid
 * (`invalid bpf_context access off=%d size=%d`).
 */
export function ctxAccess(type: ProgTypeName, off: number, size: number, write: boolean): CtxAccess | undefined {
  switch (type) {
    case 'socket_filter': return socketFilterValid(off, size, write);
    case 'xdp': return xdpValid(off, size, write);
    case 'seccomp': return seccompValid(off, size, write);
    case 'sched_cls': case 'sched_act': return tcValid(off, size, write);
    case 'cgroup_skb': return cgSkbValid(off, size, write);
    case 'sk_skb': return skSkbValid(off, size, write);
    case 'lwt_in': case 'lwt_out': case 'lwt_xmit': return lwtValid(off, size, write);
    case 'sk_msg': return skMsgValid(off, size, write);
    case 'kprobe': return kprobeValid(off, size, write);
    case 'tracepoint': return tracepointValid(off, size, write);
    case 'perf_event': return perfEventValid(off, size, write);
    default: return undefined;
  }
}

/** may_access_direct_pkt_data: whether the type may write packet data directly. */
export function mayWritePacket(type: ProgTypeName): boolean {
  return ['sched_cls', 'sched_act', 'xdp', 'lwt_xmit', 'sk_skb', 'sk_msg', 'raw'].includes(type);
}

/** The return-value range check_return_code enforces, or undefined for none. */
export function returnRange(type: ProgTypeName): [number, number] | undefined {
  switch (type) {
    case 'cgroup_skb': case 'cgroup_sock': case 'cgroup_sock_addr': case 'cgroup_device': case 'cgroup_sysctl':
    case 'cgroup_sockopt': case 'sk_lookup':
      return [0, 1];
    default: return undefined;
  }
}

/** True when the program type may use LD_ABS / LD_IND (may_access_skb). */
export function mayAccessSkb(type: ProgTypeName): boolean {
  return type === 'socket_filter' || type === 'sched_cls' || type === 'sched_act';
}

/** Seccomp return actions (SECCOMP_RET_*, the upper 16 bits of the low word). */
export const SECCOMP_ACTIONS: readonly number[] = [
  0x80000000, 0x00000000, 0x00030000, 0x00050000, 0x7fc00000, 0x7ff00000, 0x7ffc0000, 0x7fff0000,
];
