/**
 * Array-type maps (`kernel/bpf/arraymap.c`): BPF_MAP_TYPE_ARRAY,
 * PERCPU_ARRAY, PROG_ARRAY and PERF_EVENT_ARRAY.
 *
 * Elements are preallocated and always exist: update with BPF_NOEXIST is
 * EEXIST, delete is EINVAL, an index past max_entries is E2BIG on update and
 * ENOENT on lookup; get_next_key of a missing or out-of-range index starts
 * over at 0 and the last index gives ENOENT. Values of ARRAY maps are one
 * buffer with an 8-byte element stride; each element becomes its own VM
 * region (created on first use) so that program accesses are bounds-checked
 * per value.
 */
import type { Memory, Region } from '../vm/memory.js';
import { BpfMap, keyIndex, round8, toHex, u32Key, type MapOptions } from './base.js';
import { fail } from './errno.js';
import type { MapSpec } from './spec.js';

/** Refuses update flags other than BPF_ANY/NOEXIST/EXIST (arraymap.c: `(map_flags & ~BPF_F_LOCK) > BPF_EXIST`). */
function checkArrayFlags(flags: number, label: string): void {
  if ((flags & ~4) > 2 || flags < 0) fail('EINVAL', `update on ${label}: invalid flags 0x${flags.toString(16)}`);
}

/** Kernel array get_next_key. */
function arrayNextKey(key: Uint8Array | null, maxEntries: number): Uint8Array {
  const idx = key === null ? maxEntries : keyIndex(key);
  if (idx >= maxEntries) return u32Key(0);
  if (idx === maxEntries - 1) fail('ENOENT', 'get_next_key: no key after the last index');
  return u32Key(idx + 1);
}

/** BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY. */
export class ArrayMap extends BpfMap {
  /** One value per CPU. */
  readonly percpu: boolean;
  /** Element stride (round_up(value_size, 8)). */
  readonly elemSize: number;
  /** All values: index-major, then CPU. */
  readonly storage: Uint8Array;
  private readonly regions: (Region | undefined)[] = [];

  constructor(spec: MapSpec, mem: Memory, opts: MapOptions) {
    super(spec, mem, opts);
    this.percpu = spec.type === 'percpu_array';
    this.elemSize = round8(spec.valueSize);
    const n = spec.maxEntries * (this.percpu ? this.nrCpus : 1) * this.elemSize;
    if (n > 1 << 30) fail('ENOMEM', `${this.label}: ${n} bytes of values is more than bpfsim allocates (1 GiB)`);
    this.storage = new Uint8Array(n);
  }

  override get userValueSize(): number {
    return this.percpu ? this.elemSize * this.nrCpus : this.valueSize;
  }

  /** Byte offset of element `idx` for `cpu`. */
  private offsetOf(idx: number, cpu: number): number {
    return (this.percpu ? idx * this.nrCpus + cpu : idx) * this.elemSize;
  }

  /** The VM region of element `idx` (CPU `cpu` for per-CPU arrays), created on first use. */
  elementRegion(idx: number, cpu = 0): Region {
    if (this.percpu && (cpu < 0 || cpu >= this.nrCpus)) fail('EINVAL', `${this.label}: cpu ${cpu} is not below nr_cpus ${this.nrCpus}`);
    const slot = this.percpu ? idx * this.nrCpus + cpu : idx;
    let r = this.regions[slot];
    if (r === undefined) {
      const off = this.offsetOf(idx, cpu);
      r = this.valueRegion(this.storage.subarray(off, off + this.valueSize), `value [${idx}]${this.percpu ? ` cpu ${cpu}` : ''}`);
      this.regions[slot] = r;
    }
    return r;
  }

  protected doLookup(key: Uint8Array): Uint8Array {
    const idx = keyIndex(key);
    if (idx >= this.maxEntries) fail('ENOENT', `lookup on ${this.label}: index ${idx} >= max_entries ${this.maxEntries}`);
    if (!this.percpu) return this.storage.slice(this.offsetOf(idx, 0), this.offsetOf(idx, 0) + this.valueSize);
    const out = new Uint8Array(this.userValueSize);
    for (let c = 0; c < this.nrCpus; c++) {
      const off = this.offsetOf(idx, c);
      out.set(this.storage.subarray(off, off + this.elemSize), c * this.elemSize);
    }
    return out;
  }

  protected doUpdate(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): void {
    checkArrayFlags(flags, this.label);
    const idx = keyIndex(key);
    if (idx >= this.maxEntries) fail('E2BIG', `update on ${this.label}: index ${idx} >= max_entries ${this.maxEntries}`);
    if (flags & 1) fail('EEXIST', `update on ${this.label}: BPF_NOEXIST, but array elements always exist`);
    if (flags & 4) fail('EINVAL', `update on ${this.label}: BPF_F_LOCK on a map without bpf_spin_lock`);
    if (!this.percpu) {
      this.storage.set(value.subarray(0, this.valueSize), this.offsetOf(idx, 0));
    } else if (cpu < 0) {
      for (let c = 0; c < this.nrCpus; c++) {
        this.storage.set(value.subarray(c * this.elemSize, (c + 1) * this.elemSize), this.offsetOf(idx, c));
      }
    } else {
      this.storage.set(value.subarray(0, this.valueSize), this.offsetOf(idx, Math.min(cpu, this.nrCpus - 1)));
    }
  }

  protected doDelete(): void {
    fail('EINVAL', `delete on ${this.label}: array elements cannot be deleted`);
  }

  protected doNextKey(key: Uint8Array | null): Uint8Array {
    return arrayNextKey(key, this.maxEntries);
  }

  progLookup(key: Uint8Array, cpu: number): bigint {
    const idx = keyIndex(key);
    if (idx >= this.maxEntries) return 0n;
    if (this.percpu && cpu >= this.nrCpus) return 0n;
    return this.addressOf(this.elementRegion(idx, this.percpu ? cpu : 0));
  }

  /**
   * bpf_map_lookup_elem on the register halves (non-per-CPU arrays): the
   * region id of element `idx` (the value address is `id << 32`), or 0 (NULL)
   * when `idx` is out of range. Same result as {@link progLookup}.
   */
  lookupRegionId(idx: number): number {
    if (idx >= this.maxEntries) return 0;
    const r = this.regions[idx];
    return r !== undefined ? r.id : this.elementRegion(idx, 0).id;
  }

  private addressOf(r: Region): bigint {
    return (BigInt(r.id) << 32n);
  }

  override directValueAddress(off: number): bigint {
    if (this.percpu) fail('EOPNOTSUPP', `${this.label}: per-CPU arrays have no direct value access`);
    if (this.maxEntries !== 1) fail('EOPNOTSUPP', `${this.label}: direct value access needs max_entries 1 (has ${this.maxEntries})`);
    if (off < 0 || off >= this.valueSize) fail('EINVAL', `${this.label}: direct value offset ${off} >= value_size ${this.valueSize}`);
    return this.addressOf(this.elementRegion(0)) + BigInt(off);
  }

  /** Only elements that are not all zero (a restored array starts zeroed). */
  protected override contentsForSpec(): Array<{ key: string; value: string }> {
    const out: Array<{ key: string; value: string }> = [];
    for (let i = 0; i < this.maxEntries; i++) {
      const v = this.doLookup(u32Key(i));
      if (v.some((b) => b !== 0)) out.push({ key: toHex(u32Key(i)), value: toHex(v) });
    }
    return out;
  }
}

/** A program in a prog array, as the loader stores it. */
export interface ProgSlot {
  /** The loaded program (what the VM's tail_call runs). */
  prog: unknown;
  /** Its id (what user-space lookup returns; the collection's program index + 1 by default). */
  id: number;
}

/**
 * The checks before a user-space update of an fd array (kernel/bpf/arraymap.c
 * bpf_fd_array_map_update_elem): never from a program, BPF_ANY only, index
 * below max_entries. `type` names the map type in the message.
 * @returns the index. @throws ErrnoError EINVAL, E2BIG
 */
function fdArrayUpdateIndex(map: BpfMap, key: Uint8Array, flags: number, cpu: number, type: string): number {
  if (cpu >= 0) fail('EINVAL', `${map.label}: programs cannot update a ${type}`);
  if (flags !== 0) fail('EINVAL', `update on ${map.label}: fd arrays take only BPF_ANY`);
  const idx = keyIndex(key);
  if (idx >= map.maxEntries) fail('E2BIG', `update on ${map.label}: index ${idx} >= max_entries ${map.maxEntries}`);
  return idx;
}

/** The index of an fd-array delete. @throws ErrnoError E2BIG past max_entries */
function fdArrayDeleteIndex(map: BpfMap, key: Uint8Array): number {
  const idx = keyIndex(key);
  if (idx >= map.maxEntries) fail('E2BIG', `delete on ${map.label}: index ${idx} >= max_entries ${map.maxEntries}`);
  return idx;
}

/**
 * What prog arrays and arrays of maps share (kernel/bpf/arraymap.c
 * fd_array_map_*): one slot per index holding an object with an id;
 * user-space lookup returns the id, delete empties the slot, update (BPF_ANY
 * only) stores what {@link FdArrayMap.resolveValue} makes of the fd.
 */
export abstract class FdArrayMap<T extends { id: number }> extends BpfMap {
  protected readonly slots: (T | undefined)[] = [];
  /** What a slot holds (`program`, `map`), for messages. */
  protected abstract readonly slotNoun: string;
  /** The map type (`prog array`, `map of maps`), for messages. */
  protected abstract readonly typeNoun: string;
  /** The slot object for the fd in `value`. @throws ErrnoError */
  protected abstract resolveValue(value: Uint8Array): T;

  protected doLookup(key: Uint8Array): Uint8Array {
    const s = this.slots[keyIndex(key)];
    if (keyIndex(key) >= this.maxEntries || s === undefined) fail('ENOENT', `lookup on ${this.label}: no ${this.slotNoun} at index ${keyIndex(key)}`);
    return u32Key(s.id);
  }

  protected doUpdate(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): void {
    const idx = fdArrayUpdateIndex(this, key, flags, cpu, this.typeNoun);
    this.slots[idx] = this.resolveValue(value);
  }

  protected doDelete(key: Uint8Array): void {
    const idx = fdArrayDeleteIndex(this, key);
    if (this.slots[idx] === undefined) fail('ENOENT', `delete on ${this.label}: slot ${idx} is empty`);
    this.slots[idx] = undefined;
  }

  protected doNextKey(key: Uint8Array | null): Uint8Array {
    return arrayNextKey(key, this.maxEntries);
  }

  protected override contentsForSpec(): Array<{ key: string; value: string }> {
    const out: Array<{ key: string; value: string }> = [];
    this.slots.forEach((s, i) => { if (s) out.push({ key: toHex(u32Key(i)), value: toHex(u32Key(s.id)) }); });
    return out;
  }
}

/**
 * BPF_MAP_TYPE_PROG_ARRAY: slots hold loaded programs for tail calls. User
 * space stores a program by "fd" (resolved through {@link ProgArrayMap.resolveFd});
 * lookup returns the program id; programs may only use it with tail_call.
 */
export class ProgArrayMap extends FdArrayMap<ProgSlot> {
  protected readonly slotNoun = 'program';
  protected readonly typeNoun = 'prog array';
  /** Resolves a program "fd" given to user-space update to a program; set by the loader. */
  resolveFd: ((fd: number) => ProgSlot | undefined) | undefined;

  override get progElemOps(): boolean {
    return false;
  }

  /** The program at `index` for tail_call (ProgArrayLike), or undefined. */
  getProgram(index: number): unknown {
    return index >>> 0 < this.maxEntries ? this.slots[index >>> 0]?.prog : undefined;
  }

  /** The slot at `index`, or undefined. */
  getSlot(index: number): ProgSlot | undefined {
    return this.slots[index];
  }

  /** Stores a program directly (the embedder's equivalent of update with a prog fd). @throws ErrnoError */
  setProgram(index: number, prog: unknown, id: number): void {
    this.checkSysWrite('update');
    if (index >>> 0 >= this.maxEntries) fail('E2BIG', `update on ${this.label}: index ${index} >= max_entries ${this.maxEntries}`);
    this.slots[index] = { prog, id };
  }

  protected resolveValue(value: Uint8Array): ProgSlot {
    const fd = keyIndex(value);
    const slot = this.resolveFd?.(fd);
    if (slot === undefined) fail('EBADF', `update on ${this.label}: ${fd} is not a program`);
    return slot;
  }

  progLookup(): bigint {
    fail('EOPNOTSUPP', `${this.label}: programs cannot look up a prog array`);
  }
}

/** One bpf_perf_event_output record captured for the embedder. */
export interface PerfEvent {
  /** CPU (array index) the event went to. */
  index: number;
  /** The sample bytes. */
  data: Uint8Array;
}

/**
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY. bpfsim has no perf events: every index
 * below max_entries counts as open (unless user space deleted it), and
 * bpf_perf_event_output appends to {@link PerfEventArrayMap.events}.
 * User-space lookup is ENOTSUPP as in the kernel (no fd lookup for this type).
 */
export class PerfEventArrayMap extends BpfMap {
  /** Captured samples, in order. */
  readonly events: PerfEvent[] = [];
  private readonly closed = new Set<number>();
  private readonly fds = new Map<number, number>();

  override get progElemOps(): boolean {
    return false;
  }

  /** True when `index` has an (assumed) perf event. */
  isOpen(index: number): boolean {
    return index < this.maxEntries && !this.closed.has(index);
  }

  protected override extraState(s: MapSpec): void {
    if (this.events.length) s.events = this.events.map((e) => ({ index: e.index, data: toHex(e.data) }));
  }

  /** Removes and returns the captured events. */
  drain(): PerfEvent[] {
    return this.events.splice(0);
  }

  protected doLookup(): Uint8Array {
    fail('ENOTSUPP', `lookup on ${this.label}: perf event arrays cannot be read from user space`);
  }

  protected doUpdate(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): void {
    const idx = fdArrayUpdateIndex(this, key, flags, cpu, 'perf event array');
    this.closed.delete(idx);
    this.fds.set(idx, keyIndex(value));
  }

  protected doDelete(key: Uint8Array): void {
    const idx = fdArrayDeleteIndex(this, key);
    if (this.closed.has(idx)) fail('ENOENT', `delete on ${this.label}: slot ${idx} is empty`);
    this.closed.add(idx);
    this.fds.delete(idx);
  }

  protected doNextKey(key: Uint8Array | null): Uint8Array {
    return arrayNextKey(key, this.maxEntries);
  }

  progLookup(): bigint {
    fail('EOPNOTSUPP', `${this.label}: programs cannot look up a perf event array`);
  }

  protected override contentsForSpec(): Array<{ key: string; value: string }> {
    return [...this.fds].map(([i, fd]) => ({ key: toHex(u32Key(i)), value: toHex(u32Key(fd)) }));
  }
}
