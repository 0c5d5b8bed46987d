/**
 * bpfsim's verifier accepts the libbpf-style fixture programs that Linux accepts (kernel-clang-objects.test.ts
 * runs them in the kernel). Known gap, owned by the verifier: a lookup in an array/hash of maps should yield a
 * map pointer usable as bpf_map_lookup_elem's R1 (btf_maps `fill`); bpfsim's verifier types it as a map value.
 */
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/verifier/index.js';
import { mapIndexOf, programBytes } from '../../src/elf/index.js';
import { FIXTURE_CPUS, fixtureSpec } from './fixtures.js';

const NAMES = ['multi_prog', 'sections', 'strings', 'no_btf_legacy', 'license_variants', 'no_license', 'atomics'];

describe.each(FIXTURE_CPUS)('-mcpu=%s', (cpu) => {
  it.each(NAMES)('%s: every program verifies', (name) => {
    const spec = fixtureSpec(name, cpu);
    for (const ps of spec.programs) {
      const r = verify(programBytes(ps, mapIndexOf(spec)), { progType: ps.type, maps: spec.maps, logLevel: 0 });
      expect([ps.name, r.accepted, r.accepted ? '' : r.message]).toEqual([ps.name, true, '']);
    }
  });

  it.fails('btf_maps: inner-map lookup through a map-of-maps value (verifier gap, see header)', () => {
    const spec = fixtureSpec('btf_maps', cpu);
    const ps = spec.programs[0]!;
    expect(verify(programBytes(ps, mapIndexOf(spec)), { progType: ps.type, maps: spec.maps, logLevel: 0 }).accepted).toBe(true);
  });
});
