/**
 * Program-side map semantics against Linux: random sequences of
 * bpf_map_update_elem (all flag values) / delete_elem / lookup_elem calls on
 * hash, array, LRU-free LPM and RDONLY-user maps, each helper's r0 stored
 * into a results array (direct value access). The kernel runs the same bytes
 * through koracle `ebpf-run --dump-maps`; bpfsim runs them in its VM with the
 * map helpers. Results and final map contents must agree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { createMap, mapHelpers, MapFlag as F, type MapSpec } from '../../src/maps/index.js';
import { Vm } from '../../src/vm/vm.js';
import { encodeInsns } from '../../src/isa/insn.js';

type Op = { op: 'update'; key: number; value: number; flags: number } | { op: 'delete'; key: number } | { op: 'lookup'; key: number };

const ins = (code: number, dst: number, src: number, off: number, imm: number): number[] =>
  Array.from(encodeInsns([{ code, dst, src, off, imm }]));

/** The test program: results map = map index 1 (value 8 × ops), subject map = index 0. */
function program(spec: MapSpec, ops: Op[]): Uint8Array {
  const p: number[] = [];
  p.push(...ins(0x18, 6, 2, 0, 1), ...ins(0, 0, 0, 0, 0)); // r6 = &results[0]
  ops.forEach((o, i) => {
    if (spec.keySize === 8) { // lpm: {prefixlen, data}
      p.push(...ins(0x62, 10, 0, -8, 8 + (o.key % 3) * 8), ...ins(0x62, 10, 0, -4, o.key * 0x01000193));
    } else {
      p.push(...ins(0x62, 10, 0, -8, o.key));
    }
    p.push(...ins(0x18, 1, 1, 0, 0), ...ins(0, 0, 0, 0, 0)); // r1 = subject map
    p.push(...ins(0xbf, 2, 10, 0, 0), ...ins(0x07, 2, 0, 0, -8));
    if (o.op === 'update') {
      p.push(...ins(0x7a, 10, 0, -16, o.value), ...ins(0xbf, 3, 10, 0, 0), ...ins(0x07, 3, 0, 0, -16), ...ins(0xb7, 4, 0, 0, o.flags));
      p.push(...ins(0x85, 0, 0, 0, 2));
    } else if (o.op === 'delete') {
      p.push(...ins(0x85, 0, 0, 0, 3));
    } else {
      p.push(...ins(0x85, 0, 0, 0, 1), ...ins(0x55, 0, 0, 2, 0), ...ins(0xb7, 0, 0, 0, -1), ...ins(0x05, 0, 0, 1, 0), ...ins(0x61, 0, 0, 0, 0));
    }
    p.push(...ins(0x7b, 6, 0, i * 8, 0));
  });
  p.push(...ins(0xb7, 0, 0, 0, 0), ...ins(0x95, 0, 0, 0, 0));
  return Uint8Array.from(p);
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function runSim(spec: MapSpec, ops: Op[]): { results: string; subject: string[] } {
  const vm = new Vm({ helpers: mapHelpers() });
  const subject = createMap(spec, vm.memory);
  const results = createMap({ type: 'array', keySize: 4, valueSize: 8 * ops.length, maxEntries: 1, flags: 0 }, vm.memory);
  vm.load(program(spec, ops), { progType: 'socket_filter', maps: [subject, results] }).run({ packet: new Uint8Array(0) });
  return {
    results: hex(results.lookup(new Uint8Array(4))),
    subject: subject.entries().map(([k, v]) => `${hex(k)}:${hex(v)}`).sort(),
  };
}

const specs: Array<[string, MapSpec]> = [
  ['hash', { type: 'hash', keySize: 4, valueSize: 8, maxEntries: 3, flags: 0 }],
  ['hash no_prealloc', { type: 'hash', keySize: 4, valueSize: 8, maxEntries: 2, flags: F.BPF_F_NO_PREALLOC }],
  ['array', { type: 'array', keySize: 4, valueSize: 8, maxEntries: 3, flags: 0 }],
  ['lpm_trie', { type: 'lpm_trie', keySize: 8, valueSize: 8, maxEntries: 3, flags: F.BPF_F_NO_PREALLOC }],
  ['hash rdonly (user side only)', { type: 'hash', keySize: 4, valueSize: 8, maxEntries: 3, flags: F.BPF_F_RDONLY }],
];

describe.skipIf(!koracleAvailable())('map helpers = Linux (koracle)', () => {
  it.each(specs)('%s: random helper sequences', (_n, spec) => {
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('update' as const), key: fc.integer({ min: 0, max: 4 }), value: fc.integer({ min: 1, max: 1000 }), flags: fc.constantFrom(0, 0, 1, 2, 3, 4) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 4 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('lookup' as const), key: fc.integer({ min: 0, max: 4 }) }) },
    );
    const cases = fc.sample(fc.array(opArb, { minLength: 1, maxLength: 14 }), { numRuns: 40, seed: 77 });
    const k = koracleBatch('ebpf-run', cases.map((ops) => ({
      prog: hex(program(spec, ops)), type: 'socket_filter', dump_maps: true,
      maps: [
        { type: spec.type, key: spec.keySize, value: spec.valueSize, entries: spec.maxEntries, flags: '0x' + spec.flags.toString(16) },
        { type: 'array', key: 4, value: 8 * ops.length, entries: 1 },
      ],
    })));
    cases.forEach((ops, i) => {
      const kr = k[i]!;
      expect(kr.status, String(kr.log ?? kr.error ?? '').slice(-300)).toBe('accepted');
      const kernel = {
        results: String(kr.map1).split(':')[1],
        subject: kr.map0 ? String(kr.map0).split(',').sort() : [],
      };
      expect({ ops, ...runSim(spec, ops) }).toEqual({ ops, ...kernel });
    });
  });
});
