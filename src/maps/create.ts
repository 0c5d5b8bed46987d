/**
 * The map factory: validates a {@link MapSpec} the way BPF_MAP_CREATE does
 * (`kernel/bpf/syscall.c`: map_create, bpf_get_file_flag;
 * `arraymap.c`: array_map_alloc_check, fd_array_map_alloc_check;
 * `hashtab.c`: htab_map_alloc_check; `lpm_trie.c`: trie_alloc;
 * `ringbuf.c`: ringbuf_map_alloc), creates the live map, stores the initial
 * contents and applies the freeze.
 */
import { ErrorCode, ErrnoError } from '../errors.js';
import type { Memory } from '../vm/memory.js';
import { ArrayMap, PerfEventArrayMap, ProgArrayMap } from './array.js';
import { fromHex, type BpfMap } from './base.js';
import { fail } from './errno.js';
import { HashMap, type HashMapOptions } from './hash.js';
import { LpmTrieMap } from './lpm-trie.js';
import { ArrayOfMapsMap, HashOfMapsMap } from './map-in-map.js';
import { RingbufMap } from './ringbuf.js';
import { MapFlag as F, MapType, type MapSpec } from './spec.js';

/** Options for {@link createMap}. */
export type CreateMapOptions = HashMapOptions;

const ACCESS_MASK = F.BPF_F_RDONLY | F.BPF_F_WRONLY | F.BPF_F_RDONLY_PROG | F.BPF_F_WRONLY_PROG;
const ARRAY_CREATE_FLAG_MASK = F.BPF_F_NUMA_NODE | F.BPF_F_MMAPABLE | ACCESS_MASK | F.BPF_F_PRESERVE_ELEMS | F.BPF_F_INNER_MAP;
const HTAB_CREATE_FLAG_MASK = F.BPF_F_NO_PREALLOC | F.BPF_F_NO_COMMON_LRU | F.BPF_F_NUMA_NODE | ACCESS_MASK | F.BPF_F_ZERO_SEED;
const LPM_CREATE_FLAG_MASK = F.BPF_F_NO_PREALLOC | F.BPF_F_NUMA_NODE | ACCESS_MASK;
/** KMALLOC_MAX_SIZE on x86_64 (4 MiB). */
const KMALLOC_MAX_SIZE = 1 << 22;
/** PCPU_MIN_UNIT_SIZE (32 KiB). */
const PCPU_MIN_UNIT_SIZE = 32 << 10;
/** sizeof(struct htab_elem) on x86_64. */
const HTAB_ELEM_SIZE = 48;

/** bpf_map_flags_access_ok: not both program-side flags. */
function accessOk(flags: number): boolean {
  return (flags & (F.BPF_F_RDONLY_PROG | F.BPF_F_WRONLY_PROG)) !== (F.BPF_F_RDONLY_PROG | F.BPF_F_WRONLY_PROG);
}

function isU32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/**
 * Checks a spec as BPF_MAP_CREATE would.
 * @throws ErrnoError with the kernel's errno (EINVAL, E2BIG, ENOTSUPP) and a message naming the rule.
 */
export function validateMapSpec(spec: MapSpec): void {
  const name = spec.name ? `map '${spec.name}'` : 'map';
  const bad = (why: string): never => fail('EINVAL', `create ${name}: ${why}`);
  if (!(spec.type in MapType)) bad(`unknown map type ${JSON.stringify(spec.type)}`);
  for (const k of ['keySize', 'valueSize', 'maxEntries', 'flags'] as const) {
    if (!isU32(spec[k])) bad(`${k} must be an unsigned 32-bit integer (got ${JSON.stringify(spec[k])})`);
  }
  const { type, keySize, valueSize, maxEntries, flags } = spec;
  if ((flags & F.BPF_F_RDONLY) && (flags & F.BPF_F_WRONLY)) bad('BPF_F_RDONLY and BPF_F_WRONLY together');
  switch (type) {
    case 'array': case 'percpu_array': case 'prog_array': case 'perf_event_array': {
      if (type === 'prog_array' || type === 'perf_event_array') {
        if (valueSize !== 4) bad(`${type} value_size must be 4 (got ${valueSize})`);
        if (flags & (F.BPF_F_RDONLY_PROG | F.BPF_F_WRONLY_PROG)) bad(`${type} does not take BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG`);
      }
      if (maxEntries === 0) bad('max_entries is 0');
      if (keySize !== 4) bad(`array key_size must be 4 (got ${keySize})`);
      if (valueSize === 0) bad('value_size is 0');
      if (flags & ~ARRAY_CREATE_FLAG_MASK) bad(`flags 0x${(flags & ~ARRAY_CREATE_FLAG_MASK).toString(16)} not allowed for ${type}`);
      if (!accessOk(flags)) bad('BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together');
      if (type !== 'array' && flags & (F.BPF_F_MMAPABLE | F.BPF_F_INNER_MAP)) bad(`BPF_F_MMAPABLE / BPF_F_INNER_MAP only for array maps`);
      if (type !== 'perf_event_array' && flags & F.BPF_F_PRESERVE_ELEMS) bad('BPF_F_PRESERVE_ELEMS only for perf event arrays');
      if (valueSize > 0x7fffffff) fail('E2BIG', `create ${name}: value_size ${valueSize} > INT_MAX`);
      if (type === 'percpu_array' && ((valueSize + 7) & ~7) > PCPU_MIN_UNIT_SIZE) fail('E2BIG', `create ${name}: per-CPU value_size ${valueSize} > ${PCPU_MIN_UNIT_SIZE}`);
      return;
    }
    case 'hash': case 'percpu_hash': case 'lru_hash': case 'lru_percpu_hash': {
      const lru = type.startsWith('lru');
      const percpu = type.includes('percpu');
      if (flags & ~HTAB_CREATE_FLAG_MASK || !accessOk(flags)) bad(`flags 0x${flags.toString(16)} not allowed for ${type}`);
      if (!lru && flags & F.BPF_F_NO_COMMON_LRU) bad('BPF_F_NO_COMMON_LRU without an LRU map');
      if (lru && flags & F.BPF_F_NO_PREALLOC) fail('ENOTSUPP', `create ${name}: LRU maps must be preallocated (BPF_F_NO_PREALLOC)`);
      if (flags & F.BPF_F_NUMA_NODE && (percpu || flags & F.BPF_F_NO_COMMON_LRU)) bad('BPF_F_NUMA_NODE with a per-CPU map');
      if (maxEntries === 0 || keySize === 0 || valueSize === 0) bad('max_entries, key_size and value_size must be non-zero');
      if (keySize + valueSize >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) fail('E2BIG', `create ${name}: key_size + value_size ${keySize + valueSize} too large`);
      if (percpu && ((valueSize + 7) & ~7) > PCPU_MIN_UNIT_SIZE) fail('E2BIG', `create ${name}: per-CPU value_size ${valueSize} > ${PCPU_MIN_UNIT_SIZE}`);
      if (maxEntries > 2 ** 31) fail('E2BIG', `create ${name}: max_entries ${maxEntries} > 2^31`);
      return;
    }
    case 'lpm_trie': {
      if (maxEntries === 0) bad('max_entries is 0');
      if (!(flags & F.BPF_F_NO_PREALLOC)) bad('LPM tries need BPF_F_NO_PREALLOC');
      if (flags & ~LPM_CREATE_FLAG_MASK || !accessOk(flags)) bad(`flags 0x${flags.toString(16)} not allowed for lpm_trie`);
      if (keySize < 5 || keySize > 4 + 256) bad(`lpm_trie key_size must be 5..260 (got ${keySize})`);
      if (valueSize < 1 || valueSize > KMALLOC_MAX_SIZE - 256 - 40) bad(`lpm_trie value_size ${valueSize} out of range`);
      return;
    }
    case 'array_of_maps': case 'hash_of_maps': {
      if (spec.inner === undefined) fail('EBADF', `create ${name}: a map of maps needs an inner map template (inner_map_fd)`);
      if (valueSize !== 4) bad(`${type} value_size must be 4 (got ${valueSize})`);
      if (type === 'array_of_maps') {
        if (maxEntries === 0 || keySize !== 4) bad('array_of_maps needs key_size 4 and max_entries > 0');
        if (flags & ~ARRAY_CREATE_FLAG_MASK || flags & (F.BPF_F_RDONLY_PROG | F.BPF_F_WRONLY_PROG | F.BPF_F_MMAPABLE | F.BPF_F_INNER_MAP | F.BPF_F_PRESERVE_ELEMS)) bad(`flags 0x${flags.toString(16)} not allowed for array_of_maps`);
      } else {
        if (flags & ~HTAB_CREATE_FLAG_MASK || !accessOk(flags)) bad(`flags 0x${flags.toString(16)} not allowed for hash_of_maps`);
        if (maxEntries === 0 || keySize === 0) bad('max_entries and key_size must be non-zero');
      }
      const inner = spec.inner;
      if (inner.type === 'array_of_maps' || inner.type === 'hash_of_maps' || inner.type === 'prog_array') bad(`inner map type ${inner.type} cannot be stored in a map of maps`);
      validateMapSpec(inner);
      return;
    }
    case 'ringbuf': {
      if (flags & ~F.BPF_F_NUMA_NODE) bad(`flags 0x${flags.toString(16)} not allowed for ringbuf`);
      if (keySize !== 0 || valueSize !== 0) bad('ringbuf key_size and value_size must be 0');
      if (maxEntries === 0 || (maxEntries & (maxEntries - 1)) !== 0 || maxEntries % 4096 !== 0) bad(`ringbuf max_entries ${maxEntries} is not a power of two multiple of 4096`);
      if (maxEntries > 1 << 30) fail('ENOMEM', `create ${name}: ring of ${maxEntries} bytes is more than bpfsim allocates (1 GiB)`);
      return;
    }
    default:
      throw new ErrnoError('EINVAL', `create ${name}: map type ${type} is not implemented by bpfsim`, ErrorCode.Unsupported);
  }
}

/**
 * Creates a live map from a spec: validates it (BPF_MAP_CREATE), adds its
 * regions to `mem`, stores `spec.contents` (user-space updates) and freezes it
 * when `spec.frozen`.
 * @throws ErrnoError on an invalid spec or contents.
 */
export function createMap(spec: MapSpec, mem: Memory, opts: CreateMapOptions = {}): BpfMap {
  validateMapSpec(spec);
  if (opts.nrCpus !== undefined && (!Number.isInteger(opts.nrCpus) || opts.nrCpus < 1 || opts.nrCpus > 4096)) {
    fail('EINVAL', `nrCpus must be 1..4096 (got ${opts.nrCpus})`);
  }
  let map: BpfMap;
  switch (spec.type) {
    case 'array': case 'percpu_array': map = new ArrayMap(spec, mem, opts); break;
    case 'prog_array': map = new ProgArrayMap(spec, mem, opts); break;
    case 'perf_event_array': map = new PerfEventArrayMap(spec, mem, opts); break;
    case 'hash': case 'percpu_hash': case 'lru_hash': case 'lru_percpu_hash': map = new HashMap(spec, mem, opts); break;
    case 'lpm_trie': map = new LpmTrieMap(spec, mem, opts); break;
    case 'ringbuf': map = new RingbufMap(spec, mem, opts); break;
    case 'array_of_maps': map = new ArrayOfMapsMap(spec, mem, opts); break;
    case 'hash_of_maps': map = new HashOfMapsMap(spec, mem, opts); break;
    default: throw new Error('unreachable');
  }
  try {
    // prog arrays get their programs from the loader (contents name program ids).
    // prog arrays and maps of maps get their entries from the loader (contents name ids).
    if (spec.contents && spec.type !== 'prog_array' && !spec.type.endsWith('_of_maps')) map.applyContents(spec.contents);
    if (spec.records?.length && map instanceof RingbufMap) map.restoreRecords(spec.records.map((r) => fromHex(r, 'ring buffer record')));
    if (spec.events?.length && map instanceof PerfEventArrayMap) {
      for (const e of spec.events) map.events.push({ index: e.index, data: fromHex(e.data, 'perf event') });
    }
    if (spec.frozen) map.freeze();
  } catch (e) {
    map.dispose();
    throw e;
  }
  return map;
}
