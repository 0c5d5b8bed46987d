/**
 * Hash maps (`kernel/bpf/hashtab.c`): BPF_MAP_TYPE_HASH, PERCPU_HASH,
 * LRU_HASH and LRU_PERCPU_HASH.
 *
 * Elements live in roundup_pow_of_two(max_entries) buckets chosen by the
 * kernel's htab_map_hash (jhash2/jhash) with a fixed seed (default 0, which
 * is what the kernel uses with BPF_F_ZERO_SEED), new elements go to the head
 * of their bucket, and a replacing update of a (non-per-CPU) element moves
 * it to the head as the kernel's allocate-new-then-unlink-old does. So
 * get_next_key walks keys in the same order as a BPF_F_ZERO_SEED kernel map.
 *
 * LRU maps never fail with E2BIG: inserting into a full map evicts the least
 * recently used element, where "use" is an insert or a program-side lookup
 * (the kernel's reference bit; user-space lookups do not count). The kernel's
 * LRU is approximate (per-CPU free lists, inactive/active rotation); bpfsim's
 * is exact LRU.
 */
import type { Memory, Region } from '../vm/memory.js';
import { BpfMap, keyString, round8, toHex, type MapOptions } from './base.js';
import { fail } from './errno.js';
import { htabHash } from './jhash.js';
import type { MapSpec } from './spec.js';

interface Entry {
  readonly key: Uint8Array;
  /** {@link keyString} of the key. */
  readonly ks: string;
  /** valueSize bytes, or nrCpus × round8(valueSize) for per-CPU maps. */
  readonly value: Uint8Array;
  readonly bucket: number;
  /** Value regions per CPU (index 0 for plain maps), created on first program lookup. */
  readonly regions: (Region | undefined)[];
  /** LRU clock of the last use. */
  used: number;
}

/** Options of hash maps. */
export interface HashMapOptions extends MapOptions {
  /** htab hash seed (default 0 = the kernel's BPF_F_ZERO_SEED order). */
  hashSeed?: number;
}

/** smallest power of two >= n (n >= 1). */
function roundupPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH. */
export class HashMap extends BpfMap {
  readonly percpu: boolean;
  readonly lru: boolean;
  readonly nBuckets: number;
  readonly seed: number;
  private readonly elemSize: number;
  private readonly byKey = new Map<string, Entry>();
  private readonly buckets = new Map<number, Entry[]>();
  /**
   * Which buckets are non-empty: an occupancy bitmap for up to 2^24 buckets
   * (get_next_key scans forward, as the kernel does), else a sorted list.
   */
  private readonly occupied: Uint32Array | undefined;
  private readonly nonEmpty: number[] = [];
  private clock = 0;
  /** Regions of elements deleted by programs, freed at the next user-space operation (an RCU grace period). */
  private pendingFree: Region[] = [];

  constructor(spec: MapSpec, mem: Memory, opts: HashMapOptions) {
    super(spec, mem, opts);
    this.percpu = spec.type === 'percpu_hash' || spec.type === 'lru_percpu_hash';
    this.lru = spec.type === 'lru_hash' || spec.type === 'lru_percpu_hash';
    this.nBuckets = roundupPow2(spec.maxEntries);
    this.seed = (opts.hashSeed ?? 0) >>> 0;
    this.elemSize = round8(spec.valueSize);
    this.occupied = this.nBuckets <= 1 << 24 ? new Uint32Array((this.nBuckets + 31) >>> 5) : undefined;
  }

  override get userValueSize(): number {
    return this.percpu ? this.elemSize * this.nrCpus : this.valueSize;
  }

  /** Number of elements. */
  get size(): number {
    return this.byKey.size;
  }

  private reclaim(): void {
    if (this.pendingFree.length === 0) return;
    for (const r of this.pendingFree) this.mem.remove(r);
    this.pendingFree = [];
  }

  private bucketInsertHead(e: Entry): void {
    let list = this.buckets.get(e.bucket);
    if (list === undefined) {
      list = [];
      this.buckets.set(e.bucket, list);
      if (this.occupied) this.occupied[e.bucket >>> 5]! |= 1 << (e.bucket & 31);
      else this.nonEmpty.splice(this.lowerBound(e.bucket), 0, e.bucket);
    }
    list.unshift(e);
  }

  private bucketRemove(e: Entry): void {
    const list = this.buckets.get(e.bucket)!;
    list.splice(list.indexOf(e), 1);
    if (list.length === 0) {
      this.buckets.delete(e.bucket);
      if (this.occupied) this.occupied[e.bucket >>> 5]! &= ~(1 << (e.bucket & 31));
      else this.nonEmpty.splice(this.lowerBound(e.bucket), 1);
    }
  }

  /** The first non-empty bucket >= b, or -1. */
  private nextBucket(b: number): number {
    const occ = this.occupied;
    if (occ === undefined) {
      const j = this.lowerBound(b);
      return j < this.nonEmpty.length ? this.nonEmpty[j]! : -1;
    }
    if (b >= this.nBuckets) return -1;
    let w = b >>> 5;
    let bits = occ[w]! & (~0 << (b & 31));
    while (bits === 0) {
      if (++w >= occ.length) return -1;
      bits = occ[w]!;
    }
    return (w << 5) + (31 - Math.clz32(bits & -bits));
  }

  /** Index of the first non-empty bucket >= b in the sorted list. */
  private lowerBound(b: number): number {
    let lo = 0, hi = this.nonEmpty.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.nonEmpty[mid]! < b) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  private unlink(e: Entry, user: boolean): void {
    this.bucketRemove(e);
    this.byKey.delete(e.ks);
    for (const r of e.regions) {
      if (r === undefined) continue;
      if (user) this.mem.remove(r); else this.pendingFree.push(r);
    }
  }

  protected doLookup(key: Uint8Array): Uint8Array {
    this.reclaim();
    const e = this.byKey.get(keyString(key));
    if (e === undefined) fail('ENOENT', `lookup on ${this.label}: no such key ${toHex(key)}`);
    return e.value.slice();
  }

  protected doUpdate(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): void {
    if (cpu < 0) this.reclaim();
    if ((flags & ~4) > 2 || flags < 0) fail('EINVAL', `update on ${this.label}: invalid flags 0x${flags.toString(16)}`);
    if (flags & 4) fail('EINVAL', `update on ${this.label}: BPF_F_LOCK on a map without bpf_spin_lock`);
    const ks = keyString(key);
    const old = this.byKey.get(ks);
    if (old !== undefined && flags === 1) fail('EEXIST', `update on ${this.label}: key ${toHex(key)} exists (BPF_NOEXIST)`);
    if (old === undefined && flags === 2) fail('ENOENT', `update on ${this.label}: key ${toHex(key)} does not exist (BPF_EXIST)`);
    if (old === undefined) {
      if (this.byKey.size >= this.maxEntries) {
        if (!this.lru) fail('E2BIG', `update on ${this.label}: map is full (max_entries ${this.maxEntries})`);
        this.evict(cpu < 0);
      }
      const e: Entry = {
        key: key.slice(), ks, value: new Uint8Array(this.userValueSize), bucket: htabHash(key, this.seed) & (this.nBuckets - 1),
        regions: [], used: ++this.clock,
      };
      this.writeValue(e, value, cpu);
      this.byKey.set(ks, e);
      this.bucketInsertHead(e);
      return;
    }
    this.writeValue(old, value, cpu);
    if (!this.percpu) {
      // Replace = new element at the bucket head, old one unlinked.
      this.bucketRemove(old);
      this.bucketInsertHead(old);
    }
    if (this.lru) old.used = ++this.clock;
  }

  private writeValue(e: Entry, value: Uint8Array, cpu: number): void {
    if (!this.percpu) e.value.set(value.subarray(0, this.valueSize));
    else if (cpu < 0) e.value.set(value.subarray(0, this.userValueSize));
    else e.value.set(value.subarray(0, this.valueSize), Math.min(cpu, this.nrCpus - 1) * this.elemSize);
  }

  private evict(user: boolean): void {
    let victim: Entry | undefined;
    for (const e of this.byKey.values()) if (victim === undefined || e.used < victim.used) victim = e;
    if (victim !== undefined) this.unlink(victim, user);
  }

  protected doDelete(key: Uint8Array, user: boolean): void {
    if (user) this.reclaim();
    const e = this.byKey.get(keyString(key));
    if (e === undefined) fail('ENOENT', `delete on ${this.label}: no such key ${toHex(key)}`);
    this.unlink(e, user);
  }

  protected doNextKey(key: Uint8Array | null): Uint8Array {
    this.reclaim();
    let start = 0;
    if (key !== null) {
      const e = this.byKey.get(keyString(key));
      if (e !== undefined) {
        const list = this.buckets.get(e.bucket)!;
        const i = list.indexOf(e);
        if (i + 1 < list.length) return list[i + 1]!.key.slice();
        start = e.bucket + 1;
      }
    }
    const b = this.nextBucket(start);
    if (b < 0) fail('ENOENT', `get_next_key on ${this.label}: no more keys`);
    return this.buckets.get(b)![0]!.key.slice();
  }

  progLookup(key: Uint8Array, cpu: number): bigint {
    const e = this.byKey.get(keyString(key));
    if (e === undefined) return 0n;
    if (this.lru) e.used = ++this.clock;
    const c = this.percpu ? cpu : 0;
    if (c >= this.nrCpus && this.percpu) return 0n;
    let r = e.regions[c];
    if (r === undefined) {
      const off = this.percpu ? c * this.elemSize : 0;
      r = this.valueRegion(e.value.subarray(off, off + this.valueSize), `value ${toHex(e.key)}${this.percpu ? ` cpu ${c}` : ''}`);
      e.regions[c] = r;
    }
    return BigInt(r.id) << 32n;
  }

  /** Contents in reverse iteration order, so that re-inserting them rebuilds the same bucket order. */
  protected override contentsForSpec(): Array<{ key: string; value: string }> {
    return this.entries().reverse().map(([k, v]) => ({ key: toHex(k), value: toHex(v) }));
  }
}
