/**
 * Helper prototypes (`struct bpf_func_proto` in include/linux/bpf.h and the
 * `*_proto` definitions of kernel/bpf/helpers.c, net/core/filter.c,
 * kernel/trace/bpf_trace.c, kernel/bpf/ringbuf.c, Linux 6.18): argument and
 * return types, and which program types may call which helper
 * (`*_func_proto` of each program type's verifier ops).
 */
import { BPF_FUNC_MAX_ID, helperName as isaHelperName } from '../isa/helper-ids.js';
import type { ProgTypeName } from '../isa/prog-types.js';

/** Argument kinds (`enum bpf_arg_type`). */
export type ArgType =
  | 'anything' | 'const_map_ptr' | 'map_key' | 'map_value' | 'ctx'
  | 'mem' | 'mem_or_null' | 'mem_uninit' | 'const_size' | 'const_size_or_zero' | 'const_alloc_size_or_zero'
  | 'ringbuf_release' | 'sock_common' | 'sock_release';

/** Return kinds (`enum bpf_return_type`). */
export type RetType = 'integer' | 'void' | 'map_value_or_null' | 'ringbuf_mem_or_null' | 'sock_or_null' | 'sock_common_or_null' | 'tcp_sock_or_null';

/** One helper prototype. */
export interface HelperProto {
  readonly id: number;
  /** The kernel's name without `bpf_`. */
  readonly name: string;
  readonly args: readonly ArgType[];
  readonly ret: RetType;
  /** Acquires a reference (ringbuf_reserve, sk_lookup_*). */
  readonly acquire?: boolean;
  /** May take packet pointers as memory arguments (`pkt_access`). */
  readonly pktAccess?: boolean;
  /** The result carries the argument's reference (is_ptr_cast_function: sk_fullsock, tcp_sock). */
  readonly ptrCast?: boolean;
  /** Map types the helper accepts in its map argument (undefined: any map except special ones). */
  readonly mapTypes?: readonly string[];
  /** Return value is bounded by the size argument (get_current_comm etc. return <= 0 or size). */
}

const P: HelperProto[] = [
  { id: 1, name: 'map_lookup_elem', args: ['const_map_ptr', 'map_key'], ret: 'map_value_or_null', pktAccess: true },
  { id: 2, name: 'map_update_elem', args: ['const_map_ptr', 'map_key', 'map_value', 'anything'], ret: 'integer', pktAccess: true },
  { id: 3, name: 'map_delete_elem', args: ['const_map_ptr', 'map_key'], ret: 'integer', pktAccess: true },
  { id: 4, name: 'probe_read', args: ['mem_uninit', 'const_size_or_zero', 'anything'], ret: 'integer' },
  { id: 5, name: 'ktime_get_ns', args: [], ret: 'integer' },
  { id: 6, name: 'trace_printk', args: ['mem', 'const_size'], ret: 'integer' },
  { id: 7, name: 'get_prandom_u32', args: [], ret: 'integer' },
  { id: 8, name: 'get_smp_processor_id', args: [], ret: 'integer' },
  { id: 12, name: 'tail_call', args: ['ctx', 'const_map_ptr', 'anything'], ret: 'void', mapTypes: ['prog_array'] },
  { id: 14, name: 'get_current_pid_tgid', args: [], ret: 'integer' },
  { id: 15, name: 'get_current_uid_gid', args: [], ret: 'integer' },
  { id: 16, name: 'get_current_comm', args: ['mem_uninit', 'const_size'], ret: 'integer' },
  { id: 17, name: 'get_cgroup_classid', args: ['ctx'], ret: 'integer' },
  { id: 25, name: 'perf_event_output', args: ['ctx', 'const_map_ptr', 'anything', 'mem', 'const_size_or_zero'], ret: 'integer', mapTypes: ['perf_event_array'] },
  { id: 26, name: 'skb_load_bytes', args: ['ctx', 'anything', 'mem_uninit', 'const_size'], ret: 'integer' },
  { id: 28, name: 'csum_diff', args: ['mem_or_null', 'const_size_or_zero', 'mem_or_null', 'const_size_or_zero', 'anything'], ret: 'integer', pktAccess: true },
  { id: 46, name: 'get_socket_cookie', args: ['ctx'], ret: 'integer' },
  { id: 47, name: 'get_socket_uid', args: ['ctx'], ret: 'integer' },
  { id: 112, name: 'probe_read_user', args: ['mem_uninit', 'const_size_or_zero', 'anything'], ret: 'integer' },
  { id: 113, name: 'probe_read_kernel', args: ['mem_uninit', 'const_size_or_zero', 'anything'], ret: 'integer' },
  { id: 84, name: 'sk_lookup_tcp', args: ['ctx', 'mem', 'const_size', 'anything', 'anything'], ret: 'sock_or_null', acquire: true, pktAccess: true },
  { id: 85, name: 'sk_lookup_udp', args: ['ctx', 'mem', 'const_size', 'anything', 'anything'], ret: 'sock_or_null', acquire: true, pktAccess: true },
  { id: 86, name: 'sk_release', args: ['sock_release'], ret: 'integer' },
  { id: 95, name: 'sk_fullsock', args: ['sock_common'], ret: 'sock_or_null', ptrCast: true },
  { id: 96, name: 'tcp_sock', args: ['sock_common'], ret: 'tcp_sock_or_null', ptrCast: true },
  { id: 98, name: 'get_listener_sock', args: ['sock_common'], ret: 'sock_or_null' },
  { id: 99, name: 'skc_lookup_tcp', args: ['ctx', 'mem', 'const_size', 'anything', 'anything'], ret: 'sock_common_or_null', acquire: true, pktAccess: true },
  { id: 125, name: 'ktime_get_boot_ns', args: [], ret: 'integer' },
  { id: 130, name: 'ringbuf_output', args: ['const_map_ptr', 'mem', 'const_size_or_zero', 'anything'], ret: 'integer', mapTypes: ['ringbuf'] },
  { id: 131, name: 'ringbuf_reserve', args: ['const_map_ptr', 'const_alloc_size_or_zero', 'anything'], ret: 'ringbuf_mem_or_null', acquire: true, mapTypes: ['ringbuf'] },
  { id: 132, name: 'ringbuf_submit', args: ['ringbuf_release', 'anything'], ret: 'void' },
  { id: 133, name: 'ringbuf_discard', args: ['ringbuf_release', 'anything'], ret: 'void' },
  { id: 134, name: 'ringbuf_query', args: ['const_map_ptr', 'anything'], ret: 'integer', mapTypes: ['ringbuf'] },
];

/** Prototypes by helper id. */
export const HELPER_PROTOS: ReadonlyMap<number, HelperProto> = new Map(P.map((p) => [p.id, p]));

export { BPF_FUNC_MAX_ID };

/** The kernel's func_id_name: `bpf_<name>`, or `unknown` outside the helper id range. */
export function funcIdName(id: number): string {
  const n = isaHelperName(id);
  return n === undefined ? 'unknown' : `bpf_${n}`;
}

const BASE = new Set([1, 2, 3, 5, 7, 8, 12, 125, 130, 131, 132, 133, 134, 14, 6, 112, 113]);
const SOCKET_FILTER = new Set([...BASE, 26, 46, 47, 25]);

/**
 * The prototype of `id` when a program of `type` may call it, else undefined
 * (`program of this type cannot use helper`).
 */
export function helperFor(type: ProgTypeName, id: number): HelperProto | undefined {
  const p = HELPER_PROTOS.get(id);
  if (p === undefined) return undefined;
  switch (type) {
    case 'socket_filter': return SOCKET_FILTER.has(id) ? p : undefined;
    case 'seccomp':
      // The seccomp type: pure helpers and (sealed) map access only.
      return [1, 5, 7, 8, 14, 15, 16, 125].includes(id) ? p : undefined;
    case 'raw': return p;
    case 'xdp': return [...BASE, 25, 28, 84, 85, 86, 99].includes(id) ? p : undefined;
    case 'sched_cls': case 'sched_act': return [...BASE, 17, 25, 26, 28, 46, 47, 84, 85, 86, 95, 96, 98, 99].includes(id) ? p : undefined;
    case 'cgroup_skb': return [...BASE, 25, 26, 95, 96, 98, 84, 85, 86, 99].includes(id) ? p : undefined;
    case 'sk_skb': return [...BASE, 25, 26, 84, 85, 86, 99].includes(id) ? p : undefined;
    case 'lwt_in': case 'lwt_out': case 'lwt_xmit': return [...BASE, 25, 26, 28].includes(id) ? p : undefined;
    case 'kprobe': case 'tracepoint': case 'perf_event': case 'raw_tracepoint':
      return BASE.has(id) || [4, 15, 16, 25].includes(id) ? p : undefined;
    default: return BASE.has(id) || [15, 16, 25].includes(id) ? p : undefined;
  }
}
