/** All bpf_conformance vectors under the `jit` engine (and the same r0 as the interpreter). */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../../src/asm/index.js';
import { runProgram } from '../../../src/vm/index.js';
import { loadVectors, VECTOR_DIR } from './vectors.js';

const vectors = loadVectors();

describe.skipIf(VECTOR_DIR === undefined)('bpf_conformance vectors, jit engine', () => {
  it('finds all 313 vectors', () => { expect(vectors.length).toBe(313); });
  describe.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    it('gives the expected r0 under jit, like the interpreter', () => {
      const bytes = assemble(v.asm, { syntax: 'ubpf' }).bytes;
      const jit = runProgram(bytes, { mem: Uint8Array.from(v.mem), engine: 'jit' });
      const interp = runProgram(bytes, { mem: Uint8Array.from(v.mem), engine: 'interp' });
      expect(v.result).toBeDefined();
      expect(jit.r0).toBe(v.result);
      expect(jit.r0).toBe(interp.r0);
      expect(jit.insnsExecuted).toBe(interp.insnsExecuted);
    });
  });
});
