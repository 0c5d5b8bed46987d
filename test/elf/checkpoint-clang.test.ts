/** Checkpoint/restore of the libbpf-style objects: multi_prog (8 programs, custom data sections) and btf_maps. */
import { describe, expect, it } from 'vitest';
import { checkpointCollection, loadCollection, restoreCollection, setVariable, type LoadedCollection } from '../../src/elf/index.js';
import { FIXTURE_CPUS, fixtureSpec } from './fixtures.js';

const dump = (c: LoadedCollection): unknown =>
  [...c.maps.entries()].filter(([, m]) => m.type !== 'ringbuf').map(([n, m]) => [n, m.frozen, m.sealed, m.flags, m.entries().map(([k, v]) => Buffer.from(k).toString('hex') + ':' + Buffer.from(v).toString('hex'))]);
const pkt = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i + 1);

describe.each(FIXTURE_CPUS)('-mcpu=%s', (cpu) => {
  it('multi_prog: state after runs and a user-set .rodata value survives; programs then behave identically', () => {
    const spec = fixtureSpec('multi_prog', cpu);
    setVariable(spec, 'cfg_mult', 9);
    const a = loadCollection(spec);
    for (const p of a.programs.keys()) a.program(p).run({ packet: pkt(17) });
    const json = JSON.stringify(checkpointCollection(a));
    const b = restoreCollection(json);
    expect(JSON.stringify(checkpointCollection(b))).toBe(json);
    expect(dump(b)).toEqual(dump(a));
    for (const n of [3, 14, 40]) for (const p of a.programs.keys()) {
      expect([p, n, b.program(p).run({ packet: pkt(n) }).r0]).toEqual([p, n, a.program(p).run({ packet: pkt(n) }).r0]);
    }
    expect(dump(b)).toEqual(dump(a));
  });

  it('btf_maps: every map type, map-in-map slots and flags survive', () => {
    const a = loadCollection(fixtureSpec('btf_maps', cpu));
    a.program('fill').run({ packet: pkt(30) });
    const b = restoreCollection(JSON.stringify(checkpointCollection(a)));
    expect(dump(b)).toEqual(dump(a));
    expect(b.program('fill').run({ packet: pkt(12) }).r0).toBe(a.program('fill').run({ packet: pkt(12) }).r0);
    expect(dump(b)).toEqual(dump(a));
  });
});
