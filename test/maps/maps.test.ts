import { describe, expect, it } from 'vitest';
import { ErrnoError } from '../../src/errors.js';
import { Memory, Perm } from '../../src/vm/memory.js';
import {
  ArrayMap, HashMap, LpmTrieMap, MapFlag as F, ProgArrayMap, RingbufMap, createMap, type BpfMap, type MapSpec,
} from '../../src/maps/index.js';
import { hex, u32, u64 } from './support.js';

function errnoOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof ErrnoError) return e.errno;
    throw e;
  }
  return undefined;
}

const mk = (s: Partial<MapSpec> & Pick<MapSpec, 'type'>, opts = {}): BpfMap =>
  createMap({ keySize: 4, valueSize: 8, maxEntries: 4, flags: 0, ...s }, new Memory(), opts);

describe('creation checks (BPF_MAP_CREATE)', () => {
  const cases: Array<[string, Partial<MapSpec> & Pick<MapSpec, 'type'>, string | undefined]> = [
    ['array ok', { type: 'array' }, undefined],
    ['array max_entries 0', { type: 'array', maxEntries: 0 }, 'EINVAL'],
    ['array key_size 8', { type: 'array', keySize: 8 }, 'EINVAL'],
    ['array value_size 0', { type: 'array', valueSize: 0 }, 'EINVAL'],
    ['array rdonly_prog|wronly_prog', { type: 'array', flags: F.BPF_F_RDONLY_PROG | F.BPF_F_WRONLY_PROG }, 'EINVAL'],
    ['array rdonly|wronly', { type: 'array', flags: F.BPF_F_RDONLY | F.BPF_F_WRONLY }, 'EINVAL'],
    ['array no_prealloc', { type: 'array', flags: F.BPF_F_NO_PREALLOC }, 'EINVAL'],
    ['percpu_array mmapable', { type: 'percpu_array', flags: F.BPF_F_MMAPABLE }, 'EINVAL'],
    ['percpu_array value 32k+1', { type: 'percpu_array', valueSize: 32769 }, 'E2BIG'],
    ['array preserve_elems', { type: 'array', flags: F.BPF_F_PRESERVE_ELEMS }, 'EINVAL'],
    ['hash ok', { type: 'hash' }, undefined],
    ['hash key 0', { type: 'hash', keySize: 0 }, 'EINVAL'],
    ['hash key 513', { type: 'hash', keySize: 513 }, undefined],
    ['hash key+value 4 MiB', { type: 'hash', keySize: 1 << 21, valueSize: 1 << 21 }, 'E2BIG'],
    ['hash max 0', { type: 'hash', maxEntries: 0 }, 'EINVAL'],
    ['hash mmapable', { type: 'hash', flags: F.BPF_F_MMAPABLE }, 'EINVAL'],
    ['hash no_common_lru', { type: 'hash', flags: F.BPF_F_NO_COMMON_LRU }, 'EINVAL'],
    ['lru_hash no_prealloc', { type: 'lru_hash', flags: F.BPF_F_NO_PREALLOC }, 'ENOTSUPP'],
    ['hash both prog flags', { type: 'hash', flags: F.BPF_F_RDONLY_PROG | F.BPF_F_WRONLY_PROG }, 'EINVAL'],
    ['prog_array value 8', { type: 'prog_array', valueSize: 8 }, 'EINVAL'],
    ['prog_array rdonly_prog', { type: 'prog_array', valueSize: 4, flags: F.BPF_F_RDONLY_PROG }, 'EINVAL'],
    ['lpm_trie without no_prealloc', { type: 'lpm_trie', keySize: 8 }, 'EINVAL'],
    ['lpm_trie key 4', { type: 'lpm_trie', keySize: 4, flags: F.BPF_F_NO_PREALLOC }, 'EINVAL'],
    ['lpm_trie ok', { type: 'lpm_trie', keySize: 8, flags: F.BPF_F_NO_PREALLOC }, undefined],
    ['ringbuf not page multiple', { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 1000 }, 'EINVAL'],
    ['ringbuf key 4', { type: 'ringbuf', keySize: 4, valueSize: 0, maxEntries: 4096 }, 'EINVAL'],
    ['ringbuf rdonly_prog', { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: F.BPF_F_RDONLY_PROG }, 'EINVAL'],
    ['ringbuf ok', { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 }, undefined],
  ];
  it.each(cases)('%s', (_n, spec, errno) => {
    expect(errnoOf(() => mk(spec))).toBe(errno);
  });
});

describe('array', () => {
  it('lookup/update/delete/get_next_key as arraymap.c', () => {
    const m = mk({ type: 'array', maxEntries: 3 });
    expect(hex(m.lookup(u32(1)))).toBe('0000000000000000');
    m.update(u32(1), u64(42n));
    expect(hex(m.lookup(u32(1)))).toBe(hex(u64(42n)));
    m.update(u32(1), u64(43n), 2);
    expect(errnoOf(() => m.update(u32(1), u64(1n), 1))).toBe('EEXIST');
    expect(errnoOf(() => m.update(u32(3), u64(1n)))).toBe('E2BIG');
    expect(errnoOf(() => m.update(u32(1), u64(1n), 3))).toBe('EINVAL');
    expect(errnoOf(() => m.update(u32(1), u64(1n), 4))).toBe('EINVAL');
    expect(errnoOf(() => m.lookup(u32(3)))).toBe('ENOENT');
    expect(errnoOf(() => m.delete(u32(0)))).toBe('EINVAL');
    expect(hex(m.nextKey(null))).toBe(hex(u32(0)));
    expect(hex(m.nextKey(u32(0)))).toBe(hex(u32(1)));
    expect(hex(m.nextKey(u32(99)))).toBe(hex(u32(0)));
    expect(errnoOf(() => m.nextKey(u32(2)))).toBe('ENOENT');
    expect(m.entries().length).toBe(3);
  });
  it('percpu array keeps one value per CPU (8-byte stride)', () => {
    const m = mk({ type: 'percpu_array', valueSize: 4, maxEntries: 2 }, { nrCpus: 3 }) as ArrayMap;
    expect(m.userValueSize).toBe(24);
    const v = new Uint8Array(24); v[0] = 1; v[8] = 2; v[16] = 3;
    m.update(u32(1), v);
    expect(hex(m.lookup(u32(1)))).toBe(hex(v));
    const a = m.progLookup(u32(1), 2);
    expect(m.mem.resolve(a, 4, Perm.READ)!.region.bytes[0]).toBe(3);
  });
  it('value regions are per element and carry the program-side permission', () => {
    for (const [flags, perm] of [[0, Perm.RW], [F.BPF_F_RDONLY_PROG, Perm.READ], [F.BPF_F_WRONLY_PROG, Perm.WRITE]] as const) {
      const m = mk({ type: 'array', flags, maxEntries: 2, valueSize: 6 });
      const a = m.progLookup(u32(1), 0);
      expect(m.mem.resolve(a, 6, perm)).toBeDefined();
      expect(m.mem.resolve(a + 1n, 6, Perm.NONE)).toBeUndefined();
      if (perm !== Perm.RW) expect(m.mem.resolve(a, 1, Perm.RW)).toBeUndefined();
      expect(m.progLookup(u32(2), 0)).toBe(0n);
    }
  });
  it('direct value access only for single-element arrays', () => {
    const m = mk({ type: 'array', maxEntries: 1, valueSize: 16 });
    const a = m.directValueAddress(4);
    expect(a - m.progLookup(u32(0), 0)).toBe(4n);
    expect(errnoOf(() => m.directValueAddress(16))).toBe('EINVAL');
    expect(errnoOf(() => mk({ type: 'array', maxEntries: 2 }).directValueAddress(0))).toBe('EOPNOTSUPP');
  });
});

describe('flags and freeze', () => {
  it('BPF_F_RDONLY / BPF_F_WRONLY restrict user space', () => {
    const ro = mk({ type: 'hash', flags: F.BPF_F_RDONLY });
    expect(errnoOf(() => ro.update(u32(1), u64(1n)))).toBe('EPERM');
    expect(errnoOf(() => ro.delete(u32(1)))).toBe('EPERM');
    expect(errnoOf(() => ro.lookup(u32(1)))).toBe('ENOENT');
    expect(errnoOf(() => ro.freeze())).toBe('EPERM');
    const wo = mk({ type: 'hash', flags: F.BPF_F_WRONLY });
    wo.update(u32(1), u64(1n));
    expect(errnoOf(() => wo.lookup(u32(1)))).toBe('EPERM');
    expect(errnoOf(() => wo.nextKey(null))).toBe('EPERM');
  });
  it('freeze: user-space writes EPERM, second freeze EPERM, programs still write', () => {
    const m = mk({ type: 'array' });
    m.update(u32(0), u64(5n));
    m.freeze();
    expect(m.frozen).toBe(true);
    expect(m.sealed).toBe(false);
    expect(errnoOf(() => m.update(u32(0), u64(6n)))).toBe('EPERM');
    expect(errnoOf(() => m.freeze())).toBe('EPERM');
    expect(hex(m.lookup(u32(0)))).toBe(hex(u64(5n)));
    m.progUpdate(u32(0), u64(7n), 0);
    expect(hex(m.lookup(u32(0)))).toBe(hex(u64(7n)));
  });
  it('rdonly_prog + frozen = sealed; spec.frozen applies after contents', () => {
    const m = createMap({
      type: 'array', keySize: 4, valueSize: 8, maxEntries: 2, flags: F.BPF_F_RDONLY_PROG, frozen: true,
      contents: [{ key: '01000000', value: '2a' }],
    }, new Memory());
    expect(m.sealed).toBe(true);
    expect(hex(m.lookup(u32(1)))).toBe('2a00000000000000');
    const a = m.progLookup(u32(1), 0);
    expect(m.mem.resolve(a, 8, Perm.WRITE)).toBeUndefined();
  });
});

describe('hash', () => {
  it('update flags, E2BIG when full, replace works when full', () => {
    const m = mk({ type: 'hash', maxEntries: 2 });
    m.update(u32(1), u64(1n), 1);
    expect(errnoOf(() => m.update(u32(1), u64(1n), 1))).toBe('EEXIST');
    expect(errnoOf(() => m.update(u32(2), u64(1n), 2))).toBe('ENOENT');
    m.update(u32(2), u64(2n));
    expect(errnoOf(() => m.update(u32(3), u64(3n)))).toBe('E2BIG');
    m.update(u32(2), u64(22n), 2);
    expect(hex(m.lookup(u32(2)))).toBe(hex(u64(22n)));
    expect(errnoOf(() => m.delete(u32(3)))).toBe('ENOENT');
    m.delete(u32(1));
    m.update(u32(3), u64(3n));
    expect(errnoOf(() => m.update(u32(1), u64(1n), 8))).toBe('EINVAL');
  });
  it('get_next_key: missing/NULL key → first, visits every key once, then ENOENT', () => {
    const m = mk({ type: 'hash', maxEntries: 64 });
    for (let i = 0; i < 50; i++) m.update(u32(i * 7), u64(BigInt(i)));
    const seen = new Set<string>();
    let k: Uint8Array | null = null;
    for (;;) {
      const e = errnoOf(() => { k = m.nextKey(k); });
      if (e) { expect(e).toBe('ENOENT'); break; }
      seen.add(hex(k!));
    }
    expect(seen.size).toBe(50);
    expect(hex(m.nextKey(u32(12345)))).toBe(hex(m.nextKey(null)));
  });
  it('LRU evicts the least recently used (program lookups count)', () => {
    const m = mk({ type: 'lru_hash', maxEntries: 3 }) as HashMap;
    m.update(u32(1), u64(1n)); m.update(u32(2), u64(2n)); m.update(u32(3), u64(3n));
    m.progLookup(u32(1), 0);
    m.update(u32(4), u64(4n));
    expect(m.size).toBe(3);
    expect(errnoOf(() => m.lookup(u32(2)))).toBe('ENOENT');
    expect(hex(m.lookup(u32(1)))).toBe(hex(u64(1n)));
  });
  it('percpu hash: user sees all CPUs, a program update writes its CPU', () => {
    const m = mk({ type: 'percpu_hash', valueSize: 4 }, { nrCpus: 2 });
    m.progUpdate(u32(9), u32(5), 0, 1);
    expect(hex(m.lookup(u32(9)))).toBe('0000000000000000' + '0500000000000000');
  });
  it('deleted element regions die (after the grace period for program deletes)', () => {
    const m = mk({ type: 'hash' });
    m.update(u32(1), u64(1n));
    const a = m.progLookup(u32(1), 0);
    m.progDelete(u32(1));
    expect(m.mem.resolve(a, 8, Perm.READ)).toBeDefined();
    expect(errnoOf(() => m.lookup(u32(1)))).toBe('ENOENT');
    expect(m.mem.resolve(a, 8, Perm.READ)).toBeUndefined();
  });
});

describe('lpm_trie', () => {
  const key = (len: number, ...b: number[]): Uint8Array => Uint8Array.from([len, 0, 0, 0, ...b]);
  it('longest prefix match, ENOSPC, exact delete, post-order iteration', () => {
    const m = mk({ type: 'lpm_trie', keySize: 8, valueSize: 1, maxEntries: 4, flags: F.BPF_F_NO_PREALLOC }) as LpmTrieMap;
    m.update(key(8, 10, 0, 0, 0), Uint8Array.of(1));
    m.update(key(16, 10, 1, 0, 0), Uint8Array.of(2));
    m.update(key(24, 10, 1, 2, 0), Uint8Array.of(3));
    m.update(key(0, 0, 0, 0, 0), Uint8Array.of(4));
    expect(errnoOf(() => m.update(key(8, 11, 0, 0, 0), Uint8Array.of(5)))).toBe('ENOSPC');
    expect(m.lookup(key(32, 10, 1, 2, 3))[0]).toBe(3);
    expect(m.lookup(key(32, 10, 1, 9, 3))[0]).toBe(2);
    expect(m.lookup(key(32, 10, 9, 9, 3))[0]).toBe(1);
    expect(m.lookup(key(32, 99, 9, 9, 3))[0]).toBe(4);
    expect(m.lookup(key(12, 10, 1, 2, 3))[0]).toBe(1);
    expect(errnoOf(() => m.update(key(33, 0, 0, 0, 0), Uint8Array.of(1)))).toBe('EINVAL');
    expect(errnoOf(() => m.update(key(8, 10, 0, 0, 0), Uint8Array.of(1), 1))).toBe('EEXIST');
    const order = m.entries().map(([k]) => k[0]);
    expect(order).toEqual([24, 16, 8, 0]);
    expect(errnoOf(() => m.delete(key(9, 10, 0, 0, 0)))).toBe('ENOENT');
    m.delete(key(16, 10, 1, 0, 0));
    expect(m.lookup(key(32, 10, 1, 9, 3))[0]).toBe(1);
  });
});

describe('prog_array and ringbuf', () => {
  it('prog_array slots', () => {
    const m = mk({ type: 'prog_array', valueSize: 4, maxEntries: 2 }) as ProgArrayMap;
    const p = { name: 'p' };
    m.resolveFd = (fd) => (fd === 7 ? { prog: p, id: 70 } : undefined);
    m.update(u32(1), u32(7));
    expect(m.getProgram(1)).toBe(p);
    expect(m.getProgram(0)).toBeUndefined();
    expect(hex(m.lookup(u32(1)))).toBe(hex(u32(70)));
    expect(errnoOf(() => m.update(u32(0), u32(8)))).toBe('EBADF');
    expect(errnoOf(() => m.update(u32(2), u32(7)))).toBe('E2BIG');
    expect(errnoOf(() => m.update(u32(0), u32(7), 1))).toBe('EINVAL');
    expect(errnoOf(() => m.delete(u32(0)))).toBe('ENOENT');
    m.delete(u32(1));
    expect(m.getProgram(1)).toBeUndefined();
  });
  it('ringbuf reserve/commit/consume with the kernel space rule', () => {
    const m = mk({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 }) as RingbufMap;
    const a = m.reserve(100)!;
    expect(a.len).toBe(112);
    const b = m.reserve(3960 - 112 - 8 - 8)!; // 3832 + 8 header = 3840; total 3952
    expect(b).toBeDefined();
    expect(m.reserve(136)).toBeUndefined(); // 3952 + 144 = 4096 > mask
    expect(m.reserve(128)).toBeDefined(); // 4088 <= 4095
    m.commit(b, false);
    expect(m.consume()).toEqual([]); // a still busy
    m.commit(a, true);
    expect(m.consume().length).toBe(1);
    expect(m.query(0)).toBe(BigInt(m.producerPos - m.consumerPos));
    expect(errnoOf(() => m.lookup(new Uint8Array(0)))).toBe('ENOTSUPP');
  });
});
