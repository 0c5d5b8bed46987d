/**
 * Maps of maps (`kernel/bpf/map_in_map.c`, `arraymap.c` array_of_map_*,
 * `hashtab.c` htab_of_map_*): BPF_MAP_TYPE_ARRAY_OF_MAPS and HASH_OF_MAPS.
 *
 * The spec's `inner` map is the template (the kernel's inner_map_fd): a map
 * stored in a slot must match it in type, key size, value size, flags and —
 * unless the template has BPF_F_INNER_MAP — max_entries (EINVAL otherwise).
 * User space stores an inner map by "fd" (resolved by {@link MapOfMaps.resolveFd};
 * the collection loader uses map ids) and looks up its id; a program's
 * map_lookup_elem returns the inner map's own address (usable with the map
 * helpers) or NULL. Programs cannot update or delete.
 */
import type { Memory } from '../vm/memory.js';
import { BpfMap, keyIndex, keyString, u32Key, type MapOptions } from './base.js';
import { FdArrayMap } from './array.js';
import { fail } from './errno.js';
import { HashMap, type HashMapOptions } from './hash.js';
import { MapFlag, type MapSpec } from './spec.js';

/** Checks a candidate inner map against the template (bpf_map_meta_equal). @throws ErrnoError EINVAL */
function checkInner(outer: BpfMap, inner: MapSpec, m: BpfMap): void {
  const same = m.type === inner.type && m.keySize === inner.keySize && m.valueSize === inner.valueSize &&
    (m.flags & ~MapFlag.BPF_F_INNER_MAP) === (inner.flags & ~MapFlag.BPF_F_INNER_MAP) &&
    ((inner.flags & MapFlag.BPF_F_INNER_MAP) !== 0 || m.maxEntries === inner.maxEntries);
  if (!same) fail('EINVAL', `update on ${outer.label}: ${m.label} does not match the inner map template`);
  if (m.type === 'array_of_maps' || m.type === 'hash_of_maps') fail('EINVAL', `update on ${outer.label}: maps of maps do not nest`);
}

/** What both map-of-maps types share. */
export interface MapOfMaps {
  /** The inner map template. */
  readonly inner: MapSpec;
  /** Resolves an inner-map "fd" (user-space update value) to a map; set by the loader. */
  resolveFd: ((fd: number) => BpfMap | undefined) | undefined;
  /** The inner map stored under `key`, or undefined. */
  innerMap(key: Uint8Array): BpfMap | undefined;
  /** Stores an inner map directly (user-space semantics). @throws ErrnoError */
  setInner(key: Uint8Array, m: BpfMap): void;
}

function resolve(outer: BpfMap & MapOfMaps, value: Uint8Array): BpfMap {
  const fd = keyIndex(value);
  const m = outer.resolveFd?.(fd);
  if (m === undefined) fail('EBADF', `update on ${outer.label}: ${fd} is not a map`);
  checkInner(outer, outer.inner, m);
  return m;
}

/** BPF_MAP_TYPE_ARRAY_OF_MAPS. */
export class ArrayOfMapsMap extends FdArrayMap<BpfMap> implements MapOfMaps {
  readonly inner: MapSpec;
  resolveFd: ((fd: number) => BpfMap | undefined) | undefined;
  protected readonly slotNoun = 'map';
  protected readonly typeNoun = 'map of maps';

  constructor(spec: MapSpec, mem: Memory, opts: MapOptions) {
    super(spec, mem, opts);
    this.inner = spec.inner!;
  }

  innerMap(key: Uint8Array): BpfMap | undefined {
    return this.slots[keyIndex(key)];
  }

  setInner(key: Uint8Array, m: BpfMap): void {
    this.checkSysWrite('update');
    const idx = keyIndex(key);
    if (idx >= this.maxEntries) fail('E2BIG', `update on ${this.label}: index ${idx} >= max_entries ${this.maxEntries}`);
    checkInner(this, this.inner, m);
    this.slots[idx] = m;
  }

  protected resolveValue(value: Uint8Array): BpfMap {
    return resolve(this, value);
  }

  override get progElemOps(): boolean {
    return true;
  }

  progLookup(key: Uint8Array): bigint {
    const idx = keyIndex(key);
    return idx < this.maxEntries ? this.slots[idx]?.address ?? 0n : 0n;
  }

  override progUpdate(): void {
    fail('EOPNOTSUPP', `${this.label}: programs may only look up maps of maps`);
  }

  override progDelete(): void {
    fail('EOPNOTSUPP', `${this.label}: programs may only look up maps of maps`);
  }
}

/** BPF_MAP_TYPE_HASH_OF_MAPS: a hash map whose values are inner-map ids. */
export class HashOfMapsMap extends HashMap implements MapOfMaps {
  readonly inner: MapSpec;
  resolveFd: ((fd: number) => BpfMap | undefined) | undefined;
  private readonly inners = new Map<string, BpfMap>();

  constructor(spec: MapSpec, mem: Memory, opts: HashMapOptions) {
    super(spec, mem, opts);
    this.inner = spec.inner!;
  }

  innerMap(key: Uint8Array): BpfMap | undefined {
    return this.inners.get(keyString(key));
  }

  setInner(key: Uint8Array, m: BpfMap): void {
    this.checkSysWrite('update');
    this.checkKey(key, 'update');
    checkInner(this, this.inner, m);
    super.doUpdate(key, u32Key(m.id), 0, -1);
    this.inners.set(keyString(key), m);
  }

  protected override doUpdate(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): void {
    if (cpu >= 0) fail('EINVAL', `${this.label}: programs cannot update a map of maps`);
    const m = resolve(this, value);
    super.doUpdate(key, u32Key(m.id), flags, cpu);
    this.inners.set(keyString(key), m);
  }

  protected override doDelete(key: Uint8Array, user: boolean): void {
    super.doDelete(key, user);
    this.inners.delete(keyString(key));
  }

  override progLookup(key: Uint8Array): bigint {
    return this.inners.get(keyString(key))?.address ?? 0n;
  }

  override progUpdate(): void {
    fail('EOPNOTSUPP', `${this.label}: programs may only look up maps of maps`);
  }

  override progDelete(): void {
    fail('EOPNOTSUPP', `${this.label}: programs may only look up maps of maps`);
  }
}

/** True for the two map-of-maps classes. */
export function isMapOfMaps(m: BpfMap): m is BpfMap & MapOfMaps {
  return m instanceof ArrayOfMapsMap || m instanceof HashOfMapsMap;
}
