/**
 * The common part of every live map: identity, flags, the access rules of
 * `kernel/bpf/syscall.c` (map_get_sys_perms, map_freeze, map_update_elem's
 * BPF_F_LOCK check), the zero-length VM region that stands for the map, and
 * the value regions programs reach through pointers.
 *
 * User-space operations (`lookup`, `update`, `delete`, `nextKey`, `freeze`)
 * follow the BPF_MAP_* commands of bpf(2); program-side operations
 * (`progLookup`, `progUpdate`, `progDelete`) follow the helpers. Errors are
 * {@link ErrnoError}s carrying the kernel's errno name.
 */
import { ErrnoError } from '../errors.js';
import { Memory, Perm, regionAddress, type Region } from '../vm/memory.js';
import type { VmMap } from '../vm/types.js';
import { fail } from './errno.js';
import { MapFlag, type MapSpec, type MapTypeName } from './spec.js';

/** `BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`, `BPF_F_LOCK` (update flags). */
export const UpdateFlag = { BPF_ANY: 0, BPF_NOEXIST: 1, BPF_EXIST: 2, BPF_F_LOCK: 4 } as const;

/** Options for creating a live map. */
export interface MapOptions {
  /** Possible CPUs, for per-CPU maps (default 1). */
  nrCpus?: number;
}

/** Rounds up to a multiple of 8 (per-CPU value stride, array element size). */
export function round8(n: number): number {
  return (n + 7) & ~7;
}

/** Lower-case hex of bytes. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

/**
 * A compact Map key for bytes: one UTF-16 unit per byte (a flat string, cheap
 * to hash; not for display).
 */
export function keyString(b: Uint8Array): string {
  if (b.length <= 64) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = '';
  for (let i = 0; i < b.length; i += 64) s += String.fromCharCode.apply(null, b.subarray(i, i + 64) as unknown as number[]);
  return s;
}

/** Bytes of an even-length hex string (whitespace and `_` ignored, optional 0x). */
export function fromHex(hex: string, what = 'hex'): Uint8Array {
  const h = hex.replace(/[\s_]/g, '').replace(/^0x/i, '');
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) fail('EINVAL', `${what}: not an even-length hex string: ${JSON.stringify(hex)}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A u32 array index as a 4-byte little-endian key. */
export function u32Key(i: number): Uint8Array {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, i >>> 0, true);
  return k;
}

/** Reads a u32 little-endian index from a 4-byte key. */
export function keyIndex(key: Uint8Array): number {
  return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
}

/**
 * A live map. Subclasses implement the `do*` operations; this class applies
 * the permission and argument checks that the syscall layer does first.
 */
export abstract class BpfMap implements VmMap {
  readonly type: MapTypeName;
  readonly name: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** Possible CPUs (per-CPU maps keep one value per CPU). */
  readonly nrCpus: number;
  /** The VM memory holding the value regions. */
  readonly mem: Memory;
  /** Zero-length region of kind 'map' whose owner is this map. */
  readonly region: Region;
  /** Region permission of values as programs see them (from BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG). */
  readonly progPerm: number;
  /** Extra spec fields kept for serialisation (pinning, numa node, inner map). */
  readonly extra: Pick<MapSpec, 'pinning' | 'numaNode' | 'inner'>;
  private frozenFlag = false;
  /**
   * Map id (what user-space lookups in maps of maps return, and the "fd" the
   * collection loader resolves): the 1-based position in a loaded collection,
   * 0 for a map created on its own.
   */
  id = 0;

  constructor(spec: MapSpec, mem: Memory, opts: MapOptions) {
    this.type = spec.type;
    this.name = spec.name ?? '';
    this.keySize = spec.keySize;
    this.valueSize = spec.valueSize;
    this.maxEntries = spec.maxEntries;
    this.flags = spec.flags;
    this.nrCpus = opts.nrCpus ?? 1;
    this.mem = mem;
    this.extra = {};
    if (spec.pinning !== undefined) this.extra.pinning = spec.pinning;
    if (spec.numaNode !== undefined) this.extra.numaNode = spec.numaNode;
    if (spec.inner !== undefined) this.extra.inner = spec.inner;
    this.progPerm = spec.flags & MapFlag.BPF_F_RDONLY_PROG ? Perm.READ
      : spec.flags & MapFlag.BPF_F_WRONLY_PROG ? Perm.WRITE : Perm.RW;
    this.region = mem.add(new Uint8Array(0), Perm.NONE, 'map', `map '${this.name}'`, this);
  }

  /** Address that ld_imm64 with a map reference loads. */
  get address(): bigint {
    return regionAddress(this.region.id);
  }

  /** BPF_MAP_FREEZE has been applied. */
  get frozen(): boolean {
    return this.frozenFlag;
  }

  /** BPF_F_RDONLY_PROG and frozen: neither programs nor user space can change it any more. */
  get sealed(): boolean {
    return this.frozenFlag && (this.flags & MapFlag.BPF_F_RDONLY_PROG) !== 0;
  }

  /** Bytes of one value as user space reads and writes it (per-CPU maps: all CPUs, 8-byte stride). */
  get userValueSize(): number {
    return this.valueSize;
  }

  /** For messages: `map 'name'` or `map (array)`. */
  get label(): string {
    return this.name ? `map '${this.name}'` : `map (${this.type})`;
  }

  // ---- user space (bpf(2) commands) ----

  /** The syscall side may read (map_get_sys_perms: not BPF_F_WRONLY). */
  protected checkSysRead(what: string): void {
    if (this.flags & MapFlag.BPF_F_WRONLY) fail('EPERM', `${what} on ${this.label}: map is BPF_F_WRONLY for user space`);
  }

  /** The syscall side may write (not BPF_F_RDONLY, not frozen). */
  protected checkSysWrite(what: string): void {
    if (this.flags & MapFlag.BPF_F_RDONLY) fail('EPERM', `${what} on ${this.label}: map is BPF_F_RDONLY for user space`);
    if (this.frozenFlag) fail('EPERM', `${what} on ${this.label}: map is frozen`);
  }

  protected checkKey(key: Uint8Array | null, what: string): void {
    if (key !== null && key.length !== this.keySize) fail('EINVAL', `${what} on ${this.label}: key is ${key.length} bytes, key_size is ${this.keySize}`);
  }

  /** BPF_MAP_LOOKUP_ELEM: a copy of the value (per-CPU maps: every CPU's value). @throws ErrnoError */
  lookup(key: Uint8Array): Uint8Array {
    this.checkSysRead('lookup');
    this.checkKey(key, 'lookup');
    return this.doLookup(key);
  }

  /** BPF_MAP_UPDATE_ELEM with BPF_ANY / BPF_NOEXIST / BPF_EXIST. @throws ErrnoError */
  update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkSysWrite('update');
    this.checkKey(key, 'update');
    if (value.length !== this.userValueSize) fail('EINVAL', `update on ${this.label}: value is ${value.length} bytes, expected ${this.userValueSize}`);
    if (flags & UpdateFlag.BPF_F_LOCK) fail('EINVAL', `update on ${this.label}: BPF_F_LOCK on a map without bpf_spin_lock`);
    this.doUpdate(key, value, flags, -1);
  }

  /** BPF_MAP_DELETE_ELEM. @throws ErrnoError */
  delete(key: Uint8Array): void {
    this.checkSysWrite('delete');
    this.checkKey(key, 'delete');
    this.doDelete(key, true);
  }

  /** BPF_MAP_GET_NEXT_KEY: the key after `key`; null or a missing key gives the first. @throws ErrnoError ENOENT at the end */
  nextKey(key: Uint8Array | null): Uint8Array {
    this.checkSysRead('get_next_key');
    this.checkKey(key, 'get_next_key');
    return this.doNextKey(key);
  }

  /** BPF_MAP_FREEZE. A second freeze fails with EPERM (the frozen map's fd has lost write permission). @throws ErrnoError */
  freeze(): void {
    if (this.flags & MapFlag.BPF_F_RDONLY || this.frozenFlag) {
      fail('EPERM', `freeze on ${this.label}: ${this.frozenFlag ? 'map is already frozen' : 'map is BPF_F_RDONLY for user space'}`);
    }
    this.frozenFlag = true;
  }

  /** All (key, value) pairs in get_next_key order, as user space would see them (ignores BPF_F_WRONLY). */
  entries(): Array<[Uint8Array, Uint8Array]> {
    const out: Array<[Uint8Array, Uint8Array]> = [];
    let k: Uint8Array | null = null;
    for (;;) {
      try {
        k = this.doNextKey(k);
      } catch (e) {
        if (e instanceof ErrnoError && e.errno === 'ENOENT') break;
        throw e;
      }
      let v: Uint8Array;
      try {
        v = this.doLookup(k);
      } catch (e) {
        if (e instanceof ErrnoError) continue;
        throw e;
      }
      out.push([k, v]);
      if (out.length > this.maxEntries) break;
    }
    return out;
  }

  /** Plain, serialisable spec with the current contents and frozen state (checkpoint). */
  toSpec(): MapSpec {
    const s: MapSpec = {
      type: this.type, keySize: this.keySize, valueSize: this.valueSize, maxEntries: this.maxEntries, flags: this.flags,
    };
    if (this.name) s.name = this.name;
    Object.assign(s, this.extra);
    const contents = this.contentsForSpec();
    if (contents.length) s.contents = contents;
    this.extraState(s);
    if (this.frozenFlag) s.frozen = true;
    return s;
  }

  /** Adds type-specific state (ring-buffer records, perf events) to a spec. */
  protected extraState(s: MapSpec): void {
    void s;
  }

  /** Contents for {@link toSpec}; maps that cannot list contents return []. */
  protected contentsForSpec(): Array<{ key: string; value: string }> {
    return this.entries().map(([k, v]) => ({ key: toHex(k), value: toHex(v) }));
  }

  /** Applies a spec's initial contents (user-space updates, before any freeze). @throws ErrnoError */
  applyContents(contents: ReadonlyArray<{ key: string; value: string }>): void {
    for (const c of contents) {
      const k = fromHex(c.key, `${this.label} key`);
      let v = fromHex(c.value, `${this.label} value`);
      if (v.length < this.userValueSize) {
        const full = new Uint8Array(this.userValueSize);
        full.set(v);
        v = full;
      }
      this.update(k, v, 0);
    }
  }

  // ---- program side (helpers) ----

  /** bpf_map_lookup_elem from a program: value address or 0n (NULL). @throws ErrnoError EOPNOTSUPP where programs may not look up */
  abstract progLookup(key: Uint8Array, cpu: number): bigint;

  /**
   * True when programs may pass this map to map_lookup/update/delete_elem
   * (the verifier's check_map_func_compatibility); false for prog arrays,
   * perf event arrays and ring buffers.
   */
  get progElemOps(): boolean {
    return true;
  }

  /** bpf_map_update_elem from a program running on `cpu` (value is valueSize bytes). @throws ErrnoError */
  progUpdate(key: Uint8Array, value: Uint8Array, flags: number, cpu = 0): void {
    // BPF_F_LOCK without a spin lock is EINVAL, checked by each map type at its own point.
    this.doUpdate(key, value, flags, cpu);
  }

  /** bpf_map_delete_elem from a program. @throws ErrnoError */
  progDelete(key: Uint8Array): void {
    this.doDelete(key, false);
  }

  /** ld_imm64 src 2/6 (direct value access): address of byte `off` of the value. @throws ErrnoError */
  directValueAddress(off: number): bigint {
    fail('EOPNOTSUPP', `${this.label}: ${this.type} maps have no direct value access (off ${off})`);
  }

  protected abstract doLookup(key: Uint8Array): Uint8Array;
  /**
   * `cpu` = -1: a user-space update (per-CPU maps: the value holds every
   * CPU's value at an 8-byte stride); else a program update on that CPU.
   */
  protected abstract doUpdate(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): void;
  protected abstract doDelete(key: Uint8Array, user: boolean): void;
  protected abstract doNextKey(key: Uint8Array | null): Uint8Array;

  /** Adds a value region over `bytes` with the program-side permission. */
  protected valueRegion(bytes: Uint8Array, what = 'value'): Region {
    return this.mem.add(bytes, this.progPerm, 'map_value', `${this.label} ${what}`, this);
  }

  /** Releases every VM region this map holds (the map must not be used afterwards). */
  dispose(): void {
    this.mem.remove(this.region);
  }
}
