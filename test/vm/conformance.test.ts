/**
 * All bpf_conformance vectors (../shared/conformance/bpf_conformance/tests)
 * on every engine, with the conformance runner's helper set (the uBPF test
 * helpers its plugins register). The runner compares the low 32 bits of r0;
 * here the full 64-bit value is compared.
 */
import '../../src/vm/jit/index.js'; // registers the jit engine: every engine runs the vectors
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/index.js';
import { HelperRegistry, Vm, conformanceHelpers, defaultHelpers, engineNames } from '../../src/vm/index.js';
import { sharedPath } from '../support/shared.js';
import { loadConformance } from './conformance-data.js';

const dir = sharedPath('conformance', 'bpf_conformance', 'tests');
const vectors = dir === undefined ? [] : loadConformance(dir);

describe.skipIf(dir === undefined)('bpf_conformance vectors', () => {
  it('has all 313 vectors', () => {
    expect(vectors.length).toBe(313);
  });
  const helpers = new HelperRegistry(defaultHelpers()).registerAll(conformanceHelpers());
  describe.each(engineNames())('engine %s', (engine) => {
    const vm = new Vm({ helpers, engine });
    it.each(vectors.map((v) => [v.name, v] as const))('%s', (_n, v) => {
      const bytes = v.raw ?? assemble(v.asm!).bytes;
      const mem = v.mem.slice();
      if (v.error !== undefined) {
        expect(() => vm.load(bytes).run({ mem })).toThrow();
        return;
      }
      const { r0 } = vm.load(bytes).run({ mem });
      expect('0x' + r0.toString(16)).toBe('0x' + v.result!.toString(16));
    });
  });
});
