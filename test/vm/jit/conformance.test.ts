/**
 * All bpf_conformance vectors under the `jit` engine, with the vm tests'
 * parser (test/vm/conformance-data.ts) and the conformance helper set: the
 * expected r0, and the same r0 and executed-instruction count as the
 * interpreter, for every code-generation variant.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../../src/asm/index.js';
import { HelperRegistry, Vm, conformanceHelpers, createJitEngine, defaultHelpers, registerEngine } from '../../../src/vm/index.js';
import { sharedPath } from '../../support/shared.js';
import { loadConformance } from '../conformance-data.js';

const dir = sharedPath('conformance', 'bpf_conformance', 'tests');
const vectors = dir === undefined ? [] : loadConformance(dir);
registerEngine(createJitEngine('jit-dispatch', { structured: false }));
registerEngine(createJitEngine('jit-generic', { fastStack: false }));
registerEngine(createJitEngine('jit-chunk3', { chunkInsns: 3 }));

describe.skipIf(dir === undefined)('bpf_conformance vectors, jit engine', () => {
  it('finds all 313 vectors', () => { expect(vectors.length).toBe(313); });
  const helpers = new HelperRegistry(defaultHelpers()).registerAll(conformanceHelpers());
  const vm = new Vm({ helpers });
  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const lp = vm.load(v.raw ?? assemble(v.asm!).bytes);
    const interp = lp.run({ mem: v.mem.slice(), engine: 'interp' });
    for (const engine of ['jit', 'jit-dispatch', 'jit-generic', 'jit-chunk3']) {
      const r = lp.run({ mem: v.mem.slice(), engine });
      expect(r.r0).toBe(v.result);
      expect(r).toEqual(interp);
    }
  });
});
