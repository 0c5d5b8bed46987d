/**
 * The per-program ctx region kept across runs (src/vm/vm.ts): a run that
 * passes the same ctx bytes again sees their current contents, the region is
 * gone between runs, another buffer gets its own region, and runU32 agrees
 * with run.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/index.js';
import { Vm } from '../../src/vm/vm.js';

const prog = assemble('ldxw r0, [r1+4]\nexit').bytes;

describe('ctx region reuse across runs', () => {
  it('reads the current bytes, removes the region after each run, and matches run()', () => {
    const vm = new Vm();
    const lp = vm.load(prog, { progType: 'seccomp' });
    const ctx = new Uint8Array(64);
    for (const v of [5, 0xfffffff0, 9]) {
      new DataView(ctx.buffer).setUint32(4, v, true);
      expect(lp.runU32({ ctx })).toBe(v >>> 0);
      expect(vm.memory.regions.filter((r) => r?.kind === 'ctx')).toEqual([]);
      expect(lp.run({ ctx }).r0).toBe(BigInt(v >>> 0));
    }
    const other = new Uint8Array(64);
    other[4] = 77;
    expect(lp.run({ ctx: other }).r0).toBe(77n);
    expect(lp.runU32({ ctx })).toBe(9);
    const small = new Uint8Array(4);
    expect(() => lp.run({ ctx: small })).toThrow(/invalid read of 4 bytes/);
    expect(vm.memory.regions.filter((r) => r?.kind === 'ctx')).toEqual([]);
  });
});
