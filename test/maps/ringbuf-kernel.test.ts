/**
 * Ring-buffer helpers against Linux: a program calls bpf_ringbuf_output with
 * a sequence of sizes (filling the ring until -EAGAIN) and then
 * bpf_ringbuf_query for every flag, storing each r0 into a results array;
 * koracle runs it in the kernel, bpfsim in its VM. Same r0s.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { createMap, mapHelpers } from '../../src/maps/index.js';
import { Vm } from '../../src/vm/vm.js';
import { encodeInsns } from '../../src/isa/insn.js';

const ins = (code: number, dst: number, src: number, off: number, imm: number): number[] =>
  Array.from(encodeInsns([{ code, dst, src, off, imm }]));

/** maps: 0 = ringbuf, 1 = results (8 bytes per slot). */
function program(sizes: number[], flags: number[]): Uint8Array {
  const p: number[] = [];
  p.push(...ins(0x18, 6, 2, 0, 1), ...ins(0, 0, 0, 0, 0)); // r6 = &results
  for (let o = 8; o <= 256; o += 8) p.push(...ins(0x7a, 10, 0, -o, o)); // init 256 stack bytes
  let slot = 0;
  sizes.forEach((size, i) => {
    p.push(...ins(0x18, 1, 1, 0, 0), ...ins(0, 0, 0, 0, 0));
    p.push(...ins(0xbf, 2, 10, 0, 0), ...ins(0x07, 2, 0, 0, -256), ...ins(0xb7, 3, 0, 0, size), ...ins(0xb7, 4, 0, 0, flags[i]!));
    p.push(...ins(0x85, 0, 0, 0, 130), ...ins(0x7b, 6, 0, 8 * slot++, 0));
  });
  for (const q of [0, 1, 2, 3, 4]) {
    p.push(...ins(0x18, 1, 1, 0, 0), ...ins(0, 0, 0, 0, 0), ...ins(0xb7, 2, 0, 0, q), ...ins(0x85, 0, 0, 0, 134), ...ins(0x7b, 6, 0, 8 * slot++, 0));
  }
  p.push(...ins(0xb7, 0, 0, 0, 0), ...ins(0x95, 0, 0, 0, 0));
  return Uint8Array.from(p);
}

describe.skipIf(!koracleAvailable())('ring buffer helpers = Linux (koracle)', () => {
  it('ringbuf_output until full, then ringbuf_query', () => {
    const cases = fc.sample(fc.array(fc.tuple(fc.integer({ min: 0, max: 256 }), fc.constantFrom(0, 0, 0, 1, 2, 4)), { minLength: 1, maxLength: 40 }), { numRuns: 30, seed: 99 });
    const n = (c: Array<[number, number]>): number => c.length + 5;
    const k = koracleBatch('ebpf-run', cases.map((c) => ({
      prog: Buffer.from(program(c.map((x) => x[0]), c.map((x) => x[1]))).toString('hex'), type: 'socket_filter', dump_maps: true,
      maps: [{ type: 'ringbuf', key: 0, value: 0, entries: 4096 }, { type: 'array', key: 4, value: 8 * n(c), entries: 1 }],
    })));
    cases.forEach((c, i) => {
      expect(k[i]!.status, String(k[i]!.log ?? '').slice(-300)).toBe('accepted');
      const vm = new Vm({ helpers: mapHelpers() });
      const rb = createMap({ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 }, vm.memory);
      const res = createMap({ type: 'array', keySize: 4, valueSize: 8 * n(c), maxEntries: 1, flags: 0 }, vm.memory);
      vm.load(program(c.map((x) => x[0]), c.map((x) => x[1])), { progType: 'socket_filter', maps: [rb, res] }).run({ packet: new Uint8Array(0) });
      expect({ c, r: Buffer.from(res.lookup(new Uint8Array(4))).toString('hex') }).toEqual({ c, r: String(k[i]!.map1).split(':')[1] });
    });
  });
});
