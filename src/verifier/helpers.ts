/**
 * Helper prototypes (`struct bpf_func_proto` in include/linux/bpf.h and the
 * `*_proto` definitions of kernel/bpf/helpers.c, net/core/filter.c,
 * kernel/trace/bpf_trace.c, kernel/bpf/ringbuf.c, Linux 6.18): argument and
 * return types, and which program types may call which helper
 * (`*_func_proto` of each program type's verifier ops).
 */
import type { ProgTypeName } from '../isa/prog-types.js';

/** Argument kinds (`enum bpf_arg_type`). */
export type ArgType =
  | 'anything' | 'const_map_ptr' | 'map_key' | 'map_value' | 'ctx'
  | 'mem' | 'mem_uninit' | 'const_size' | 'const_size_or_zero' | 'const_alloc_size_or_zero'
  | 'ringbuf_release';

/** Return kinds (`enum bpf_return_type`). */
export type RetType = 'integer' | 'void' | 'map_value_or_null' | 'ringbuf_mem_or_null';

/** One helper prototype. */
export interface HelperProto {
  readonly id: number;
  /** The kernel's name without `bpf_`. */
  readonly name: string;
  readonly args: readonly ArgType[];
  readonly ret: RetType;
  /** Acquires a reference (ringbuf_reserve). */
  readonly acquire?: boolean;
  /** Map types the helper accepts in its map argument (undefined: any map except special ones). */
  readonly mapTypes?: readonly string[];
  /** Return value is bounded by the size argument (get_current_comm etc. return <= 0 or size). */
}

const P: HelperProto[] = [
  { id: 1, name: 'map_lookup_elem', args: ['const_map_ptr', 'map_key'], ret: 'map_value_or_null' },
  { id: 2, name: 'map_update_elem', args: ['const_map_ptr', 'map_key', 'map_value', 'anything'], ret: 'integer' },
  { id: 3, name: 'map_delete_elem', args: ['const_map_ptr', 'map_key'], ret: 'integer' },
  { id: 5, name: 'ktime_get_ns', args: [], ret: 'integer' },
  { id: 6, name: 'trace_printk', args: ['mem', 'const_size', 'anything', 'anything', 'anything'], ret: 'integer' },
  { id: 7, name: 'get_prandom_u32', args: [], ret: 'integer' },
  { id: 8, name: 'get_smp_processor_id', args: [], ret: 'integer' },
  { id: 12, name: 'tail_call', args: ['ctx', 'const_map_ptr', 'anything'], ret: 'void', mapTypes: ['prog_array'] },
  { id: 14, name: 'get_current_pid_tgid', args: [], ret: 'integer' },
  { id: 15, name: 'get_current_uid_gid', args: [], ret: 'integer' },
  { id: 16, name: 'get_current_comm', args: ['mem_uninit', 'const_size'], ret: 'integer' },
  { id: 25, name: 'perf_event_output', args: ['ctx', 'const_map_ptr', 'anything', 'mem', 'const_size_or_zero'], ret: 'integer', mapTypes: ['perf_event_array'] },
  { id: 26, name: 'skb_load_bytes', args: ['ctx', 'anything', 'mem_uninit', 'const_size'], ret: 'integer' },
  { id: 46, name: 'get_socket_cookie', args: ['ctx'], ret: 'integer' },
  { id: 47, name: 'get_socket_uid', args: ['ctx'], ret: 'integer' },
  { id: 125, name: 'ktime_get_boot_ns', args: [], ret: 'integer' },
  { id: 130, name: 'ringbuf_output', args: ['const_map_ptr', 'mem', 'const_size_or_zero', 'anything'], ret: 'integer', mapTypes: ['ringbuf'] },
  { id: 131, name: 'ringbuf_reserve', args: ['const_map_ptr', 'const_alloc_size_or_zero', 'anything'], ret: 'ringbuf_mem_or_null', acquire: true, mapTypes: ['ringbuf'] },
  { id: 132, name: 'ringbuf_submit', args: ['ringbuf_release', 'anything'], ret: 'void' },
  { id: 133, name: 'ringbuf_discard', args: ['ringbuf_release', 'anything'], ret: 'void' },
  { id: 134, name: 'ringbuf_query', args: ['const_map_ptr', 'anything'], ret: 'integer', mapTypes: ['ringbuf'] },
];

/** Prototypes by helper id. */
export const HELPER_PROTOS: ReadonlyMap<number, HelperProto> = new Map(P.map((p) => [p.id, p]));

/** Largest helper id of Linux 6.18 plus one (`__BPF_FUNC_MAX_ID`). */
export const BPF_FUNC_MAX_ID = 212;

/** Kernel names of helpers the verifier does not model (for messages). */
const OTHER_NAMES: Record<number, string> = {
  0: 'unspec', 4: 'probe_read', 9: 'skb_store_bytes', 10: 'l3_csum_replace', 11: 'l4_csum_replace',
  13: 'clone_redirect', 17: 'get_cgroup_classid', 22: 'perf_event_read', 23: 'redirect', 27: 'get_stackid',
  35: 'get_current_task', 44: 'xdp_adjust_head', 51: 'redirect_map', 160: 'ktime_get_coarse_ns',
};

/** `bpf_<name>` as the kernel's func_id_name prints it, `unknown` outside the id range. */
export function helperName(id: number): string {
  if (id < 0 || id >= BPF_FUNC_MAX_ID) return 'unknown';
  const p = HELPER_PROTOS.get(id);
  if (p) return `bpf_${p.name}`;
  const o = OTHER_NAMES[id];
  return o === undefined ? `bpf_func_${id}` : (id === 0 ? 'unspec' : `bpf_${o}`);
}

const BASE = new Set([1, 2, 3, 5, 7, 8, 12, 125, 130, 131, 132, 133, 134, 14, 6]);
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
    case 'xdp': case 'sched_cls': case 'sched_act': return [...BASE, 25, 26].includes(id) ? p : undefined;
    default: return BASE.has(id) || [14, 15, 16, 25].includes(id) ? p : undefined;
  }
}
