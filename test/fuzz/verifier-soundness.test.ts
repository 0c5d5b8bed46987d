/**
 * Long soundness fuzz (npm run fuzz): the generator of test/verifier/gen.ts
 * with more runs and longer programs; accepted programs must never fault.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { RuntimeFault } from '../../src/errors.js';
import { Vm, mapHelpers } from '../../src/index.js';
import { createMap } from '../../src/maps/index.js';
import type { MapSpec } from '../../src/maps/spec.js';
import { verify } from '../../src/verifier/index.js';
import { genProgram, rng } from '../verifier/gen.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);

describe('verifier soundness fuzz', () => {
  for (const [type, len, calls] of [['array', 12, false], ['hash', 24, false], ['array', 32, false], ['array', 16, true]] as const) {
    it(`${type} map, body ${len}${calls ? ', bpf-to-bpf calls' : ''}`, () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (seed) => {
        const spec: MapSpec = { type, keySize: type === 'array' ? 4 : 8, valueSize: 16, maxEntries: 4, flags: 0 };
        const g = genProgram(seed, { memSize: 32, valueSize: 16, bodyLen: len, calls });
        const r = verify(g.bytes, { progType: 'raw', rawMemSize: 32, maps: [spec] });
        if (!r.accepted) return;
        const R = rng(seed);
        for (let i = 0; i < 8; i++) {
          const vm = new Vm({ helpers: mapHelpers() });
          const m = createMap(spec, vm.memory);
          if (type === 'array' || R() < 0.7) m.update(new Uint8Array(spec.keySize), new Uint8Array(16).map(() => Math.floor(R() * 256)), 0);
          try {
            vm.load(g.bytes, { progType: 'raw', maps: [m] }).run({ mem: new Uint8Array(32).map(() => (R() < 0.5 ? Math.floor(R() * 256) : 0)) });
          } catch (e) {
            // Known VM defect (see test/verifier/soundness.prop.test.ts): lost carry at offset >= 2^32.
            if (e instanceof RuntimeFault && /at offset (\d+)/.exec(e.message) && Number(/at offset (\d+)/.exec(e.message)![1]) >= 2 ** 32) continue;
            if (e instanceof RuntimeFault) throw new Error(`seed ${seed}: accepted program faulted: ${e.message}`);
            throw e;
          }
        }
      }), { numRuns: RUNS });
    }, 600_000);
  }
});
