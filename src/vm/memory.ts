/**
 * VM memory: a table of regions (context, packet, stack frames, map values,
 * ring-buffer records, ...), each a byte array with read/write permissions.
 *
 * A pointer is a 64-bit value whose high 32 bits name the region (its id,
 * never 0, so NULL and small scalars never point anywhere) and whose low 32
 * bits are the byte offset inside it. Every access is bounds-checked against
 * the region; an access that misses every region, or violates the region's
 * permissions, is a fault (never a JS exception).
 *
 * Regions are long-lived (map values outlive a run); per-run regions (ctx,
 * packet, stack) are added and removed by the VM around each run.
 */

/** Region permission bits. */
export const Perm = { READ: 1, WRITE: 2, RW: 3, NONE: 0 } as const;

/** What a region holds (for messages and for helpers that check pointer kinds). */
export type RegionKind =
  | 'ctx' | 'packet' | 'stack' | 'map_value' | 'map' | 'mem' | 'ringbuf' | 'rodata' | 'other';

/** One addressable region. */
export interface Region {
  /** Region id = high 32 bits of every pointer into it (1 .. 2^32-1). */
  readonly id: number;
  readonly kind: RegionKind;
  /** Name for messages, e.g. `stack`, `map 'events' value`. */
  readonly name: string;
  /** The bytes (may be a view into a larger buffer). */
  readonly bytes: Uint8Array;
  /** Little-endian view over `bytes`. */
  readonly view: DataView;
  /** {@link Perm} bits; may change (e.g. a map freeze). */
  perm: number;
  /** An object the region stands for (a map for kind 'map'), for helpers. */
  readonly owner?: unknown;
  /**
   * Exclusive end offset of readable bytes: `bytes.length` when readable,
   * -1 when not (kept in sync with `perm`; lets engines check an access with
   * one comparison).
   */
  readonly readEnd: number;
  /** Exclusive end offset of writable bytes, or -1 (see {@link readEnd}). */
  readonly writeEnd: number;
}

/** The one Region implementation (a single object shape keeps engine accesses monomorphic). */
class RegionImpl implements Region {
  readEnd = -1;
  writeEnd = -1;
  private permBits = 0;
  readonly view: DataView;
  constructor(
    readonly id: number,
    readonly kind: RegionKind,
    readonly name: string,
    readonly bytes: Uint8Array,
    perm: number,
    readonly owner: unknown,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.perm = perm;
  }
  get perm(): number {
    return this.permBits;
  }
  set perm(p: number) {
    this.permBits = p;
    this.readEnd = (p & Perm.READ) !== 0 ? this.bytes.length : -1;
    this.writeEnd = (p & Perm.WRITE) !== 0 ? this.bytes.length : -1;
  }
}

/** The unsigned 64-bit address of `offset` inside region `id`. */
export function regionAddress(id: number, offset = 0): bigint {
  return (BigInt(id >>> 0) << 32n) + BigInt(offset);
}

/**
 * The region table. Ids are reused after removal, lowest first, so that a
 * long-running embedder does not exhaust them.
 */
export class Memory {
  /** Regions by id; index 0 is always empty (NULL). */
  readonly regions: (Region | undefined)[] = [undefined];
  private readonly free: number[] = [];

  /** Adds a region and returns it; its base address is `regionAddress(region.id)`. */
  add(bytes: Uint8Array, perm: number, kind: RegionKind, name: string, owner?: unknown): Region {
    const id = this.free.length > 0 ? this.free.pop()! : this.regions.length;
    const region = new RegionImpl(id, kind, name, bytes, perm, owner);
    this.regions[id] = region;
    return region;
  }

  /** Removes a region; pointers into it fault from now on. */
  remove(region: Region): void {
    if (this.regions[region.id] === region) {
      this.regions[region.id] = undefined;
      const free = this.free;
      // Kept sorted descending (lowest id popped first); removal in reverse order of addition needs no sort.
      if (free.length === 0 || region.id < free[free.length - 1]!) free.push(region.id);
      else { free.push(region.id); free.sort((a, b) => b - a); }
    }
  }

  /**
   * Puts a region removed with {@link remove} back under its old id, when
   * that id is still free; returns false (and changes nothing) otherwise.
   * Lets the VM keep one region object per per-run buffer across runs.
   */
  restore(region: Region): boolean {
    const id = region.id;
    if (this.regions[id] !== undefined || !(region instanceof RegionImpl)) return false;
    const free = this.free;
    const n = free.length;
    if (n > 0 && free[n - 1] === id) free.pop();
    else {
      const i = free.indexOf(id);
      if (i < 0) return false;
      free.splice(i, 1);
    }
    this.regions[id] = region;
    return true;
  }

  /** The region a pointer's high word names, or undefined. */
  regionOf(hi: number): Region | undefined {
    return this.regions[hi >>> 0];
  }

  /**
   * The region an access of `size` bytes at (hi, lo) falls in, if it lies
   * entirely inside it and the region allows `perm`; else undefined.
   */
  check(hi: number, lo: number, size: number, perm: number): Region | undefined {
    const r = this.regions[hi >>> 0];
    if (r === undefined) return undefined;
    const off = lo >>> 0;
    if (off + size > r.bytes.length || (r.perm & perm) !== perm) return undefined;
    return r;
  }

  /**
   * Resolves a 64-bit address to (region, offset) for an access of `size`
   * bytes with permission `perm`, or undefined when it is out of bounds.
   */
  resolve(addr: bigint, size: number, perm: number): { region: Region; offset: number } | undefined {
    const a = BigInt.asUintN(64, addr);
    const hi = Number(a >> 32n);
    const lo = Number(a & 0xffffffffn);
    const r = this.check(hi, lo, size, perm);
    return r === undefined ? undefined : { region: r, offset: lo };
  }
}
