/**
 * BPF_MAP_TYPE_RINGBUF (`kernel/bpf/ringbuf.c`): a multi-producer,
 * single-consumer byte ring of max_entries bytes (a power of two, a multiple
 * of the 4096-byte page). Records take round_up(size + 8, 8) bytes (8-byte
 * header); reserve fails (NULL) when the new producer position would be
 * `mask` or more bytes ahead of the consumer or of the oldest record still
 * being written. Samples are VM regions of kind 'ringbuf' that vanish on
 * submit/discard; the embedder drains committed records with
 * {@link RingbufMap.consume}. User-space element operations are ENOTSUPP.
 */
import type { Memory, Region } from '../vm/memory.js';
import { Perm, regionAddress } from '../vm/memory.js';
import { BpfMap, toHex, type MapOptions } from './base.js';
import { fail } from './errno.js';
import type { MapSpec } from './spec.js';

/** BPF_RINGBUF_HDR_SZ. */
export const RINGBUF_HDR_SZ = 8;

/** One reserved record. */
export class RingbufRecord {
  constructor(
    readonly ringbuf: RingbufMap,
    /** Producer position of the header. */
    readonly pos: number,
    /** Bytes the record takes in the ring (header + data, 8-aligned). */
    readonly len: number,
    readonly data: Uint8Array,
  ) {}
  busy = true;
  discarded = false;
  region: Region | undefined;
}

/** `bpf_ringbuf_query` flags. */
export const RingbufQuery = { BPF_RB_AVAIL_DATA: 0, BPF_RB_RING_SIZE: 1, BPF_RB_CONS_POS: 2, BPF_RB_PROD_POS: 3 } as const;

/** BPF_MAP_TYPE_RINGBUF. */
export class RingbufMap extends BpfMap {
  readonly mask: number;
  consumerPos = 0;
  producerPos = 0;
  /** Records between consumer and producer, oldest first. */
  private readonly records: RingbufRecord[] = [];

  constructor(spec: MapSpec, mem: Memory, opts: MapOptions) {
    super(spec, mem, opts);
    this.mask = spec.maxEntries - 1;
  }

  override get progElemOps(): boolean {
    return false;
  }

  /** bpf_ringbuf_reserve's core: a new busy record, or undefined when there is no room. */
  reserve(size: number): RingbufRecord | undefined {
    if (size < 0 || size > 0x3fffffff) return undefined;
    const len = (size + RINGBUF_HDR_SZ + 7) & ~7;
    if (len > this.mask + 1) return undefined;
    const newProd = this.producerPos + len;
    const pend = this.records.find((r) => r.busy)?.pos ?? this.producerPos;
    if (newProd - this.consumerPos > this.mask || newProd - pend > this.mask) return undefined;
    const rec = new RingbufRecord(this, this.producerPos, len, new Uint8Array(size));
    rec.region = this.mem.add(rec.data, Perm.RW, 'ringbuf', `${this.label} sample @${this.producerPos}`, rec);
    this.producerPos = newProd;
    this.records.push(rec);
    return rec;
  }

  /** Address of a record's sample. */
  sampleAddress(rec: RingbufRecord): bigint {
    return rec.region ? regionAddress(rec.region.id) : 0n;
  }

  /** bpf_ringbuf_submit / discard: the record is committed and its sample pointer dies. */
  commit(rec: RingbufRecord, discard: boolean): void {
    rec.busy = false;
    rec.discarded = discard;
    if (rec.region) this.mem.remove(rec.region);
    rec.region = undefined;
  }

  /** bpf_ringbuf_query. */
  query(flags: number): bigint {
    switch (flags) {
      case 0: return BigInt(this.producerPos - this.consumerPos);
      case 1: return BigInt(this.mask + 1);
      case 2: return BigInt(this.consumerPos);
      case 3: return BigInt(this.producerPos);
      default: return 0n;
    }
  }

  /**
   * The consumer side (ring_buffer__consume): returns committed samples in
   * order, skipping discarded ones, up to the first record still busy, and
   * advances the consumer position past them.
   */
  consume(): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.records.length > 0 && !this.records[0]!.busy) {
      const r = this.records.shift()!;
      if (!r.discarded) out.push(r.data);
      this.consumerPos = r.pos + r.len;
    }
    return out;
  }

  /** Committed, not yet consumed samples (without consuming them). */
  pending(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const r of this.records) {
      if (r.busy) break;
      if (!r.discarded) out.push(r.data);
    }
    return out;
  }

  protected doLookup(): Uint8Array {
    fail('ENOTSUPP', `lookup on ${this.label}: ring buffers have no elements`);
  }
  protected doUpdate(): void {
    fail('ENOTSUPP', `update on ${this.label}: ring buffers have no elements`);
  }
  protected doDelete(): void {
    fail('ENOTSUPP', `delete on ${this.label}: ring buffers have no elements`);
  }
  protected doNextKey(): Uint8Array {
    fail('ENOTSUPP', `get_next_key on ${this.label}: ring buffers have no elements`);
  }
  protected override extraState(s: MapSpec): void {
    const r = this.pending();
    if (r.length) s.records = r.map(toHex);
  }

  /** Re-creates committed records (restore). @throws ErrnoError ENOSPC when they do not fit */
  restoreRecords(records: readonly Uint8Array[]): void {
    for (const d of records) {
      const rec = this.reserve(d.length);
      if (rec === undefined) fail('ENOSPC', `${this.label}: restored records do not fit the ring`);
      rec.data.set(d);
      this.commit(rec, false);
    }
  }

  override entries(): Array<[Uint8Array, Uint8Array]> {
    return [];
  }
  progLookup(): bigint {
    fail('EOPNOTSUPP', `${this.label}: programs cannot look up a ring buffer`);
  }
}
