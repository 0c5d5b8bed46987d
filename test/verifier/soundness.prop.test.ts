/**
 * Soundness: whatever the verifier accepts never faults in the interpreter.
 * Random programs (test/verifier/gen.ts) biased toward buffer, stack and map
 * value accesses with constant and variable offsets, map lookups and branches
 * on loaded values; each accepted one runs on random buffers and map contents.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuntimeFault } from '../../src/errors.js';
import { createMap } from '../../src/maps/index.js';
import type { MapSpec } from '../../src/maps/spec.js';
import { Vm, mapHelpers } from '../../src/index.js';
import { verify } from '../../src/verifier/index.js';
import { genProgram, rng } from './gen.js';

const MEM = 32;

function runChecked(seed: number, type: 'array' | 'hash', calls = false): { accepted: boolean; hasCall?: boolean } {
  const valueSize = 16;
  const spec: MapSpec = { type, keySize: 8, valueSize, maxEntries: 4, flags: 0 };
  if (type === 'array') spec.keySize = 4;
  const g = genProgram(seed, { memSize: MEM, valueSize, bodyLen: 16, calls });
  if (type === 'array') {
    // array keys are 4 bytes: the 8-byte zero key on the stack still starts with key 0
  }
  const r = verify(g.bytes, { progType: 'raw', rawMemSize: MEM, maps: [spec] });
  if (!r.accepted) return { accepted: false };
  const R = rng(seed ^ 0x5eed);
  for (let run = 0; run < 4; run++) {
    const vm = new Vm({ helpers: mapHelpers() });
    const m = createMap(spec, vm.memory);
    const key = new Uint8Array(spec.keySize);
    const val = new Uint8Array(valueSize).map(() => Math.floor(R() * 256));
    if (type === 'array' || R() < 0.7) m.update(key, val, 0);
    const lp = vm.load(g.bytes, { progType: 'raw', maps: [m] });
    const mem = new Uint8Array(MEM).map(() => (R() < 0.5 ? Math.floor(R() * 256) : 0));
    try {
      lp.run({ mem });
    } catch (e) {
      if (e instanceof RuntimeFault) {
        throw new Error(`seed ${seed} (${type}): accepted program faulted: ${e.message}\n${r.log}`);
      }
      throw e;
    }
  }
  return { accepted: true, hasCall: g.insns.some((x) => x.code === 0x85 && x.src === 1) };
}

function runXdp(seed: number): boolean {
  const spec: MapSpec = { type: 'array', keySize: 4, valueSize: 16, maxEntries: 1, flags: 0 };
  const g = genProgram(seed, { valueSize: 16, bodyLen: 16, packet: true });
  const r = verify(g.bytes, { progType: 'xdp', maps: [spec] });
  if (!r.accepted) return false;
  const R = rng(seed ^ 0xabc);
  for (let run = 0; run < 6; run++) {
    const vm = new Vm({ helpers: mapHelpers() });
    const m = createMap(spec, vm.memory);
    m.update(new Uint8Array(4), new Uint8Array(16).map(() => Math.floor(R() * 256)), 0);
    const packet = new Uint8Array(Math.floor(R() * 40)).map(() => Math.floor(R() * 256));
    try {
      vm.load(g.bytes, { progType: 'xdp', maps: [m] }).run({ packet });
    } catch (e) {
      if (e instanceof RuntimeFault) throw new Error(`seed ${seed} (xdp, packet ${packet.length} bytes): accepted program faulted: ${e.message}\n${r.log}`);
      throw e;
    }
  }
  return true;
}

describe('verifier soundness against the interpreter', () => {
  it('accepted xdp programs never fault (packet range checks)', () => {
    let accepted = 0;
    fc.assert(fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
      if (runXdp(seed)) accepted++;
    }), { numRuns: 300 });
    expect(accepted).toBeGreaterThan(15);
  });

  it('pointer offset carry: r7 = r1 - 1, then *(u8 *)(r7 + 2) reads mem[1] (64-bit effective address)', () => {
    const vm = new Vm();
    const b = new Uint8Array([0xbf, 0x17, 0, 0, 0, 0, 0, 0, 0x07, 0x07, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x71, 0x70, 2, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    expect(vm.load(b, { progType: 'raw' }).run({ mem: new Uint8Array([1, 2, 3, 4]) }).r0).toBe(2n);
  });

  it('accepted programs with bpf-to-bpf calls never fault (pointer arguments into caller frames)', () => {
    let withCalls = 0;
    fc.assert(fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
      if (runChecked(seed, 'array', true).hasCall) withCalls++;
    }), { numRuns: 300 });
    expect(withCalls).toBeGreaterThan(10);
  });
  for (const type of ['array', 'hash'] as const) {
    it(`accepted programs never fault (${type} map)`, () => {
      let accepted = 0;
      fc.assert(fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        if (runChecked(seed, type).accepted) accepted++;
      }), { numRuns: 300 });
      // The generator must produce a useful share of accepted programs.
      expect(accepted).toBeGreaterThan(15);
    });
  }
});
