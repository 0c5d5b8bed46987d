/**
 * Map specifications: plain, serialisable data describing a map (what an ELF
 * object declares, what a CLI `--map` option or a batch line gives), kept
 * apart from live map objects. Numbers are the kernel's uapi values
 * (`include/uapi/linux/bpf.h`: enum bpf_map_type, BPF_F_* map flags).
 */

/** `enum bpf_map_type`. */
export const MapType = {
  unspec: 0, hash: 1, array: 2, prog_array: 3, perf_event_array: 4, percpu_hash: 5, percpu_array: 6,
  stack_trace: 7, cgroup_array: 8, lru_hash: 9, lru_percpu_hash: 10, lpm_trie: 11, array_of_maps: 12,
  hash_of_maps: 13, devmap: 14, sockmap: 15, cpumap: 16, xskmap: 17, sockhash: 18, cgroup_storage: 19,
  reuseport_sockarray: 20, percpu_cgroup_storage: 21, queue: 22, stack: 23, sk_storage: 24,
  devmap_hash: 25, struct_ops: 26, ringbuf: 27, inode_storage: 28, task_storage: 29, bloom_filter: 30,
  user_ringbuf: 31, cgrp_storage: 32, arena: 33,
} as const;

/** A map type name: the kernel's BPF_MAP_TYPE_ name in lower case without the prefix. */
export type MapTypeName = keyof typeof MapType;

/** Map flags (`BPF_F_*` for BPF_MAP_CREATE). */
export const MapFlag = {
  BPF_F_NO_PREALLOC: 1 << 0,
  BPF_F_NO_COMMON_LRU: 1 << 1,
  BPF_F_NUMA_NODE: 1 << 2,
  BPF_F_RDONLY: 1 << 3,
  BPF_F_WRONLY: 1 << 4,
  BPF_F_STACK_BUILD_ID: 1 << 5,
  BPF_F_ZERO_SEED: 1 << 6,
  BPF_F_RDONLY_PROG: 1 << 7,
  BPF_F_WRONLY_PROG: 1 << 8,
  BPF_F_CLONE: 1 << 9,
  BPF_F_MMAPABLE: 1 << 10,
  BPF_F_PRESERVE_ELEMS: 1 << 11,
  BPF_F_INNER_MAP: 1 << 12,
  BPF_F_LINK: 1 << 13,
  BPF_F_PATH_FD: 1 << 14,
  BPF_F_VTYPE_BTF_OBJ_FD: 1 << 15,
  BPF_F_TOKEN_FD: 1 << 16,
  BPF_F_SEGV_ON_FAULT: 1 << 17,
  BPF_F_NO_USER_CONV: 1 << 18,
} as const;

export type MapFlagName = keyof typeof MapFlag;

/** Plain description of a map. */
export interface MapSpec {
  /** Name (from the ELF symbol or the user); optional. */
  name?: string;
  type: MapTypeName;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** OR of {@link MapFlag} values. */
  flags: number;
  /** BPF_MAP_FREEZE was (or is to be) applied after the initial contents. */
  frozen?: boolean;
  /** Initial contents as hex key → hex value (arrays: key is the u32 index, little-endian). */
  contents?: Array<{ key: string; value: string }>;
  /**
   * Symbolic initial values of prog arrays (and map-in-map maps) as an ELF
   * `.maps` initialiser declares them: slot index → program (or map) name.
   * Resolved by the collection loader.
   */
  values?: Array<{ index: number; program?: string; map?: string }>;
  /** Ring buffers: committed, not yet consumed records (hex), oldest first (checkpoints). */
  records?: string[];
  /** Perf event arrays: captured, not yet drained samples (checkpoints). */
  events?: Array<{ index: number; data: string }>;
  /** Inner map spec for array_of_maps / hash_of_maps. */
  inner?: MapSpec;
  /** LIBBPF_PIN_BY_NAME etc. (kept from ELF, not acted upon). */
  pinning?: number;
  /** NUMA node (kept, not acted upon). */
  numaNode?: number;
}

/** Parses a list of flag names (or numbers) into the flag word; throws on an unknown name. */
export function parseMapFlags(names: ReadonlyArray<string | number>): number {
  let f = 0;
  for (const n of names) {
    if (typeof n === 'number') { f |= n; continue; }
    const key = (n.startsWith('BPF_F_') ? n : `BPF_F_${n.toUpperCase()}`) as MapFlagName;
    const v = MapFlag[key];
    if (v === undefined) throw new Error(`unknown map flag ${JSON.stringify(n)}`);
    f |= v;
  }
  return f;
}

/** Flag names set in a flag word (unknown bits as hex). */
export function mapFlagNames(flags: number): string[] {
  const out: string[] = [];
  let rest = flags;
  for (const [k, v] of Object.entries(MapFlag)) {
    if (flags & v) { out.push(k); rest &= ~v; }
  }
  if (rest) out.push('0x' + rest.toString(16));
  return out;
}
