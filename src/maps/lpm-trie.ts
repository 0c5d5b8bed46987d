/**
 * BPF_MAP_TYPE_LPM_TRIE (`kernel/bpf/lpm_trie.c`): longest-prefix-match
 * lookup over keys `struct bpf_lpm_trie_key { u32 prefixlen; u8 data[]; }`.
 *
 * Lookup (user space and programs) returns the value of the longest stored
 * prefix that matches the key's first `prefixlen` bits; update and delete act
 * on the exact (prefixlen, prefix) node; a full trie is ENOSPC (not E2BIG);
 * get_next_key walks the trie in post-order with the 0-branch first (the
 * kernel's order: the leftmost leaf first, a node after all its descendants),
 * and a NULL, missing or over-long key starts at the first node.
 */
import type { Memory, Region } from '../vm/memory.js';
import { BpfMap, keyIndex, toHex, type MapOptions } from './base.js';
import { fail } from './errno.js';
import type { MapSpec } from './spec.js';

interface Node {
  prefixlen: number;
  /** The key's data bytes as last stored. */
  data: Uint8Array;
  value: Uint8Array;
  region: Region | undefined;
}

function bit(data: Uint8Array, i: number): number {
  return (data[i >> 3]! >> (7 - (i & 7))) & 1;
}

/** Number of leading bits in which a and b agree, up to `limit`. */
function commonBits(a: Uint8Array, b: Uint8Array, limit: number): number {
  let i = 0;
  while (i < limit) {
    if ((i & 7) === 0 && limit - i >= 8 && a[i >> 3] === b[i >> 3]) { i += 8; continue; }
    if (bit(a, i) !== bit(b, i)) break;
    i++;
  }
  return i;
}

/** Post-order (0-branch first) comparison of two trie nodes. */
function postOrder(a: Node, b: Node): number {
  const lim = Math.min(a.prefixlen, b.prefixlen);
  const c = commonBits(a.data, b.data, lim);
  if (c < lim) return bit(a.data, c) - bit(b.data, c);
  return b.prefixlen - a.prefixlen;
}

/** BPF_MAP_TYPE_LPM_TRIE. */
export class LpmTrieMap extends BpfMap {
  /** Bits of data: 8 × (key_size − 4). */
  readonly maxPrefixlen: number;
  /** Nodes in get_next_key (post-)order. */
  private nodes: Node[] = [];
  private pendingFree: Region[] = [];

  constructor(spec: MapSpec, mem: Memory, opts: MapOptions) {
    super(spec, mem, opts);
    this.maxPrefixlen = 8 * (spec.keySize - 4);
  }

  /** Number of stored prefixes. */
  get size(): number {
    return this.nodes.length;
  }

  private split(key: Uint8Array): { prefixlen: number; data: Uint8Array } {
    return { prefixlen: keyIndex(key), data: key.subarray(4) };
  }

  private reclaim(): void {
    for (const r of this.pendingFree) this.mem.remove(r);
    this.pendingFree = [];
  }

  private longest(key: Uint8Array): Node | undefined {
    const { prefixlen, data } = this.split(key);
    let best: Node | undefined;
    for (const n of this.nodes) {
      if (n.prefixlen > prefixlen || (best !== undefined && n.prefixlen <= best.prefixlen)) continue;
      if (commonBits(n.data, data, n.prefixlen) === n.prefixlen) best = n;
    }
    return best;
  }

  private exact(prefixlen: number, data: Uint8Array): number {
    return this.nodes.findIndex((n) => n.prefixlen === prefixlen && commonBits(n.data, data, prefixlen) === prefixlen);
  }

  protected doLookup(key: Uint8Array): Uint8Array {
    this.reclaim();
    const n = this.longest(key);
    if (n === undefined) fail('ENOENT', `lookup on ${this.label}: no prefix matches ${toHex(key)}`);
    return n.value.slice();
  }

  protected doUpdate(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): void {
    if (cpu < 0) this.reclaim();
    if (flags < 0 || flags > 2) fail('EINVAL', `update on ${this.label}: invalid flags 0x${flags.toString(16)}`);
    const { prefixlen, data } = this.split(key);
    if (prefixlen > this.maxPrefixlen) fail('EINVAL', `update on ${this.label}: prefixlen ${prefixlen} > ${this.maxPrefixlen}`);
    const i = this.exact(prefixlen, data);
    if (i >= 0) {
      if (flags === 1) fail('EEXIST', `update on ${this.label}: prefix exists (BPF_NOEXIST)`);
      const n = this.nodes[i]!;
      n.data = data.slice();
      n.value.set(value.subarray(0, this.valueSize));
      return;
    }
    if (flags === 2) fail('ENOENT', `update on ${this.label}: prefix does not exist (BPF_EXIST)`);
    if (this.nodes.length >= this.maxEntries) fail('ENOSPC', `update on ${this.label}: trie is full (max_entries ${this.maxEntries})`);
    const node: Node = { prefixlen, data: data.slice(), value: value.slice(0, this.valueSize), region: undefined };
    let lo = 0, hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (postOrder(this.nodes[mid]!, node) < 0) lo = mid + 1; else hi = mid;
    }
    this.nodes.splice(lo, 0, node);
  }

  protected doDelete(key: Uint8Array, user: boolean): void {
    if (user) this.reclaim();
    const { prefixlen, data } = this.split(key);
    if (prefixlen > this.maxPrefixlen) fail('EINVAL', `delete on ${this.label}: prefixlen ${prefixlen} > ${this.maxPrefixlen}`);
    const i = this.exact(prefixlen, data);
    if (i < 0) fail('ENOENT', `delete on ${this.label}: no such prefix`);
    const [n] = this.nodes.splice(i, 1);
    if (n!.region) {
      if (user) this.mem.remove(n!.region); else this.pendingFree.push(n!.region);
    }
  }

  protected doNextKey(key: Uint8Array | null): Uint8Array {
    this.reclaim();
    if (this.nodes.length === 0) fail('ENOENT', `get_next_key on ${this.label}: trie is empty`);
    let next = 0;
    if (key !== null) {
      const { prefixlen, data } = this.split(key);
      const i = prefixlen > this.maxPrefixlen ? -1 : this.exact(prefixlen, data);
      if (i >= 0) next = i + 1;
    }
    if (next >= this.nodes.length) fail('ENOENT', `get_next_key on ${this.label}: no more keys`);
    const n = this.nodes[next]!;
    const out = new Uint8Array(this.keySize);
    new DataView(out.buffer).setUint32(0, n.prefixlen, true);
    out.set(n.data, 4);
    return out;
  }

  progLookup(key: Uint8Array): bigint {
    const n = this.longest(key);
    if (n === undefined) return 0n;
    n.region ??= this.valueRegion(n.value, `value /${n.prefixlen}`);
    return BigInt(n.region.id) << 32n;
  }
}
