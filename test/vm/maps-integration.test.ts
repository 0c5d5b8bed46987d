/** The VM with real maps from src/maps: map helpers, direct value access, prog_array tail calls. */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/index.js';
import { type Insn, encodeInsns, Vm, lddwInsns } from '../../src/index.js';
import { createMap } from '../../src/maps/create.js';
import { u32Key } from '../../src/maps/base.js';
import type { ProgArrayMap } from '../../src/maps/array.js';

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const asm = (s: string): Insn[] => assemble(s).insns;

describe('VM with src/maps', () => {
  it('map_lookup_elem / map_update_elem on an array map', () => {
    const vm = new Vm();
    const map = createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 4, flags: 0 }, vm.memory);
    map.update(u32Key(2), Uint8Array.from([5, 0, 0, 0, 0, 0, 0, 0]));
    const prog = encodeInsns([
      ...asm('*(u32 *)(r10 - 4) = 2\nr2 = r10\nr2 += -4'),
      ...lddwInsns(1, 0n, 1), // r1 = map[0] (src 1)
      I(0x85, 0, 0, 0, 1), // call map_lookup_elem
      ...asm(`if r0 == 0 goto pc+4
        r1 = *(u64 *)(r0 + 0)
        r1 *= 10
        *(u64 *)(r0 + 0) = r1
        r0 = r1
        exit`),
    ]);
    const lp = vm.load(prog, { maps: [map], progType: 'socket_filter' });
    expect(lp.run().r0).toBe(50n);
    expect(lp.run().r0).toBe(500n);
    expect([...map.lookup(u32Key(2))]).toEqual([0xf4, 1, 0, 0, 0, 0, 0, 0]);
  });
  it('direct value access (ld_imm64 src 2)', () => {
    const vm = new Vm();
    const map = createMap({ type: 'array', keySize: 4, valueSize: 16, maxEntries: 1, flags: 0 }, vm.memory);
    map.update(u32Key(0), Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]));
    const [a, b] = lddwInsns(1, 0n, 2);
    const prog = encodeInsns([a, { ...b, imm: 8 }, ...asm('r0 = *(u64 *)(r1 + 0)\nexit')]);
    expect(vm.load(prog, { maps: [map] }).run().r0).toBe(7n);
  });
  it('bpf_tail_call through a prog_array map', () => {
    const vm = new Vm();
    const pa = createMap({ type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 2, flags: 0 }, vm.memory) as ProgArrayMap;
    const target = vm.load(encodeInsns(asm('r0 = 77\nexit')), { progType: 'socket_filter' });
    pa.setProgram(1, target, 1);
    const main = vm.load(encodeInsns([
      ...lddwInsns(2, 0n, 1),
      ...asm('r3 = 1\ncall 12\nr0 = 1\nexit'),
    ]), { maps: [pa], progType: 'socket_filter' });
    expect(main.run().r0).toBe(77n);
    const miss = vm.load(encodeInsns([...lddwInsns(2, 0n, 1), ...asm('r3 = 0\ncall 12\nr0 = 1\nexit')]), { maps: [pa], progType: 'socket_filter' });
    expect(miss.run().r0).toBe(1n);
  });
});
