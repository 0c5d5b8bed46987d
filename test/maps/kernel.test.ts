/**
 * Differential tests of user-space map semantics against the running kernel
 * (bpf(2) through test/maps/kmapops.c): random scripts of update (all flag
 * values) / lookup / delete / get_next_key / freeze on array, per-CPU, hash
 * (BPF_F_ZERO_SEED, so iteration order is comparable), LPM trie and
 * flag-restricted maps must give the same errno and the same bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MapFlag as F, type MapSpec } from '../../src/maps/index.js';
import { kmapops, runKernel, runSim, type MapCase, type Op } from './kmapops.js';

const hasKernel = kmapops() !== null;

const hexOf = (n: number, bytes: number): string => Buffer.from(Array.from({ length: bytes }, (_, i) => (n >> (8 * (i % 4))) & 0xff)).toString('hex');

function opArb(spec: MapSpec, vsz: number, keyPool: fc.Arbitrary<string>): fc.Arbitrary<Op> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('update' as const), key: keyPool, value: fc.uint8Array({ minLength: vsz, maxLength: vsz }).map((b) => Buffer.from(b).toString('hex')), flags: fc.constantFrom(0, 0, 1, 2, 3, 4) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('lookup' as const), key: keyPool }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyPool }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('next' as const), key: fc.option(keyPool, { nil: null }) }) },
    { weight: 1, arbitrary: fc.constant({ op: 'freeze' as const }) },
  );
  void spec;
}

const specs: Array<[string, MapSpec, (n: number) => string]> = [
  ['array', { type: 'array', keySize: 4, valueSize: 6, maxEntries: 5, flags: 0 }, (n) => hexOf(n, 4)],
  ['hash (zero seed)', { type: 'hash', keySize: 4, valueSize: 8, maxEntries: 6, flags: F.BPF_F_ZERO_SEED }, (n) => hexOf(n * 0x01010101, 4)],
  ['hash key 3 (jhash)', { type: 'hash', keySize: 3, valueSize: 4, maxEntries: 5, flags: F.BPF_F_ZERO_SEED }, (n) => hexOf(n * 0x10203, 3)],
  ['hash key 16 (jhash2)', { type: 'hash', keySize: 16, valueSize: 4, maxEntries: 9, flags: F.BPF_F_ZERO_SEED | F.BPF_F_NO_PREALLOC }, (n) => hexOf(n * 0x1000193, 16)],
  ['percpu_hash', { type: 'percpu_hash', keySize: 4, valueSize: 4, maxEntries: 4, flags: F.BPF_F_ZERO_SEED }, (n) => hexOf(n, 4)],
  ['percpu_array', { type: 'percpu_array', keySize: 4, valueSize: 12, maxEntries: 3, flags: 0 }, (n) => hexOf(n, 4)],
  ['lpm_trie', { type: 'lpm_trie', keySize: 6, valueSize: 2, maxEntries: 5, flags: F.BPF_F_NO_PREALLOC }, (n) => hexOf([0, 4, 8, 12, 16, 7][n % 6]!, 1) + '000000' + hexOf(n * 0x3a17, 2)],
  ['rdonly array', { type: 'array', keySize: 4, valueSize: 4, maxEntries: 2, flags: F.BPF_F_RDONLY }, (n) => hexOf(n, 4)],
  ['wronly hash', { type: 'hash', keySize: 4, valueSize: 4, maxEntries: 2, flags: F.BPF_F_WRONLY | F.BPF_F_ZERO_SEED }, (n) => hexOf(n, 4)],
  ['rdonly_prog array', { type: 'array', keySize: 4, valueSize: 4, maxEntries: 2, flags: F.BPF_F_RDONLY_PROG }, (n) => hexOf(n, 4)],
  ['prog_array', { type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 3, flags: 0 }, (n) => hexOf(n, 4)],
];

describe.skipIf(!hasKernel)('user-space map semantics = Linux (bpf(2))', () => {
  it.each(specs)('%s: random scripts', (_name, spec, keyOf) => {
    const vsz = spec.type.includes('percpu') ? 0 : spec.valueSize; // per-CPU: sized below
    const cpus = Number(require_cpus());
    const uvs = vsz || ((spec.valueSize + 7) & ~7) * cpus;
    const keyPool = fc.integer({ min: 0, max: spec.maxEntries + 2 }).map(keyOf);
    const cases = fc.sample(fc.array(opArb(spec, uvs, keyPool), { minLength: 5, maxLength: 40 }), { numRuns: 60, seed: 4242 })
      .map((ops): MapCase => ({ spec, ops }));
    if (spec.type === 'prog_array') {
      for (const c of cases) c.ops = c.ops.filter((o) => o.op !== 'update');
    }
    const k = runKernel(cases);
    const s = runSim(cases);
    for (let i = 0; i < cases.length; i++) {
      expect({ ops: cases[i]!.ops, res: s[i] }).toEqual({ ops: cases[i]!.ops, res: k[i] });
    }
  });

  it('creation checks agree with BPF_MAP_CREATE', () => {
    const bad: MapSpec[] = [
      { type: 'array', keySize: 4, valueSize: 4, maxEntries: 0, flags: 0 },
      { type: 'array', keySize: 8, valueSize: 4, maxEntries: 1, flags: 0 },
      { type: 'array', keySize: 4, valueSize: 0, maxEntries: 1, flags: 0 },
      { type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: F.BPF_F_RDONLY_PROG | F.BPF_F_WRONLY_PROG },
      { type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: F.BPF_F_RDONLY | F.BPF_F_WRONLY },
      { type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: F.BPF_F_NO_PREALLOC },
      { type: 'array', keySize: 4, valueSize: 4, maxEntries: 1, flags: F.BPF_F_PRESERVE_ELEMS },
      { type: 'percpu_array', keySize: 4, valueSize: 32769, maxEntries: 1, flags: 0 },
      { type: 'percpu_array', keySize: 4, valueSize: 4, maxEntries: 1, flags: F.BPF_F_MMAPABLE },
      { type: 'hash', keySize: 0, valueSize: 4, maxEntries: 1, flags: 0 },
      { type: 'hash', keySize: 513, valueSize: 4, maxEntries: 1, flags: 0 },
      { type: 'hash', keySize: 1 << 21, valueSize: 1 << 21, maxEntries: 1, flags: 0 },
      { type: 'hash', keySize: 4, valueSize: (1 << 22) - 60, maxEntries: 1, flags: 0 },
      { type: 'hash', keySize: 4, valueSize: 4, maxEntries: 0, flags: 0 },
      { type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, flags: F.BPF_F_MMAPABLE },
      { type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, flags: F.BPF_F_NO_COMMON_LRU },
      { type: 'lru_hash', keySize: 4, valueSize: 4, maxEntries: 4, flags: F.BPF_F_NO_PREALLOC },
      { type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, flags: F.BPF_F_RDONLY_PROG | F.BPF_F_WRONLY_PROG },
      { type: 'prog_array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 },
      { type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 1, flags: F.BPF_F_RDONLY_PROG },
      { type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: 1, flags: F.BPF_F_WRONLY_PROG },
      { type: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 1, flags: 0 },
      { type: 'lpm_trie', keySize: 4, valueSize: 4, maxEntries: 1, flags: F.BPF_F_NO_PREALLOC },
      { type: 'lpm_trie', keySize: 261, valueSize: 4, maxEntries: 1, flags: F.BPF_F_NO_PREALLOC },
      { type: 'lpm_trie', keySize: 8, valueSize: 0, maxEntries: 1, flags: F.BPF_F_NO_PREALLOC },
      { type: 'lpm_trie', keySize: 8, valueSize: 4, maxEntries: 0, flags: F.BPF_F_NO_PREALLOC },
      { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 * 3, flags: 0 },
      { type: 'ringbuf', keySize: 4, valueSize: 0, maxEntries: 4096, flags: 0 },
      { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: F.BPF_F_RDONLY_PROG },
      { type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 8192, flags: 0 },
      { type: 'lru_percpu_hash', keySize: 4, valueSize: 4, maxEntries: 4, flags: F.BPF_F_NUMA_NODE },
    ];
    const cases = bad.map((spec) => ({ spec, ops: [] }));
    expect(runSim(cases)).toEqual(runKernel(cases));
  });

  it('LRU: a small full map evicts the least recently inserted key (as the kernel does here)', () => {
    const spec: MapSpec = { type: 'lru_hash', keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 };
    const ops: Op[] = [];
    for (let i = 1; i <= 6; i++) ops.push({ op: 'update', key: `0${i}000000`, value: '01000000', flags: 0 });
    for (let i = 1; i <= 6; i++) ops.push({ op: 'lookup', key: `0${i}000000` });
    const cases: MapCase[] = [{ spec, ops }];
    const k = runKernel(cases);
    expect(k[0]!.slice(7)).toEqual(['ENOENT', 'ENOENT', 'OK 01000000', 'OK 01000000', 'OK 01000000', 'OK 01000000']);
    expect(runSim(cases)).toEqual(k);
  });

  it('freeze rules: second freeze, rdonly freeze, writes after freeze', () => {
    const spec: MapSpec = { type: 'hash', keySize: 4, valueSize: 4, maxEntries: 4, flags: F.BPF_F_ZERO_SEED };
    const ops: Op[] = [
      { op: 'update', key: '01000000', value: '02000000', flags: 0 },
      { op: 'freeze' }, { op: 'freeze' },
      { op: 'update', key: '01000000', value: '03000000', flags: 0 },
      { op: 'delete', key: '01000000' },
      { op: 'lookup', key: '01000000' },
      { op: 'next', key: null },
    ];
    const cases: MapCase[] = [
      { spec, ops },
      { spec: { ...spec, flags: F.BPF_F_RDONLY }, ops: [{ op: 'freeze' }] },
      { spec: { ...spec, flags: F.BPF_F_RDONLY_PROG | F.BPF_F_ZERO_SEED }, ops },
    ];
    const k = runKernel(cases);
    expect(k[0]).toEqual(['OK', 'OK', 'OK', 'EPERM', 'EPERM', 'EPERM', 'OK 02000000', 'OK 01000000']);
    expect(runSim(cases)).toEqual(k);
  });
});

function require_cpus(): number {
  return Number(process.env.BPFSIM_TEST_CPUS ?? 0) || possible();
}
import { possibleCpus as possible } from './kmapops.js';
