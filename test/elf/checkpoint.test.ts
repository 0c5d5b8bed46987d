/** Checkpoint/restore: a loaded collection round-trips through JSON and then behaves identically. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { checkpointCollection, loadCollection, restoreCollection, type LoadedCollection } from '../../src/elf/index.js';
import { createMap, RingbufMap } from '../../src/maps/index.js';
import { Memory } from '../../src/vm/memory.js';
import { fixtureSpec, frame, ipv4, seccompData } from './fixtures.js';

const dump = (c: LoadedCollection): unknown =>
  [...c.maps.entries()].map(([n, m]) => [n, m.frozen, m.sealed, m.flags, m.entries().map(([k, v]) => Buffer.from(k).toString('hex') + ':' + Buffer.from(v).toString('hex'))]);

function roundTrip(c: LoadedCollection): LoadedCollection {
  const json = JSON.stringify(checkpointCollection(c));
  const r = restoreCollection(json);
  expect(JSON.stringify(checkpointCollection(r))).toBe(json);
  expect(dump(r)).toEqual(dump(c));
  return r;
}

describe('checkpoint/restore', () => {
  it('global data: counters, frozen .rodata, then identical behaviour', () => {
    const a = loadCollection(fixtureSpec('global_data'));
    a.program('global_data').run({ packet: frame(0x800) });
    a.program('global_data').run({ packet: frame(0x800) });
    const b = roundTrip(a);
    expect(b.map('.rodata').sealed).toBe(true);
    for (let i = 0; i < 3; i++) {
      const pk = frame(0x800, ipv4(6, i));
      expect(b.program('global_data').run({ packet: pk }).r0).toBe(a.program('global_data').run({ packet: pk }).r0);
    }
    expect(dump(b)).toEqual(dump(a));
  });

  it('hash map contents keep their get_next_key order; prog array slots by program name', () => {
    const a = loadCollection(fixtureSpec('socket_proto'));
    for (const p of [6, 17, 1, 6, 50, 51, 52, 99]) a.program('socket').run({ packet: Uint8Array.from(ipv4(p)) });
    roundTrip(a);
    const t = loadCollection(fixtureSpec('tail_call'));
    t.map('jmp_table').delete(Uint8Array.of(0, 0, 0, 0));
    t.map('jmp_table').update(Uint8Array.of(3, 0, 0, 0), Uint8Array.of(2, 0, 0, 0));
    const u = roundTrip(t);
    for (const first of [0, 1, 2, 3]) {
      expect(u.program('entry').run({ packet: Uint8Array.of(first) }).r0).toBe(t.program('entry').run({ packet: Uint8Array.of(first) }).r0);
    }
  });

  it('seccomp policy with user-set entries and flags', () => {
    const a = loadCollection(fixtureSpec('seccomp_policy'));
    a.map('policy').update(Uint8Array.of(59, 0, 0, 0), Uint8Array.of(1, 0, 5, 0));
    a.map('policy').freeze();
    const b = roundTrip(a);
    expect(b.map('policy').sealed).toBe(true);
    for (const nr of [0, 59, 60]) expect(b.program('seccomp').run({ ctx: seccompData(nr) }).r0).toBe(a.program('seccomp').run({ ctx: seccompData(nr) }).r0);
  });

  it('property: random hash/LPM updates survive a map spec round trip (same get_next_key order)', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.boolean()), { maxLength: 60 }),
      (ops) => {
        const m = createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 32, flags: 0 }, new Memory());
        for (const [k, del] of ops) {
          const key = Uint8Array.of(k, 0, 0, 0);
          try {
            if (del) m.delete(key); else m.update(key, Uint8Array.of(k, 1, 2, 3));
          } catch { /* ENOENT / E2BIG */ }
        }
        const r = createMap(JSON.parse(JSON.stringify(m.toSpec())), new Memory());
        expect(r.entries()).toEqual(m.entries());
      },
    ), { numRuns: 200 });
  });

  it('malformed checkpoints are InputErrors with a JSON path', () => {
    expect(() => restoreCollection('{')).toThrow(InputError);
    const good = checkpointCollection(loadCollection(fixtureSpec('xdp_count')));
    const bad = JSON.parse(JSON.stringify(good));
    bad.programs[0].insns = 'xyz';
    expect(() => restoreCollection(bad)).toThrow(/\$\.programs\[0\]\.insns: expected hex/);
    const bad2 = JSON.parse(JSON.stringify(good));
    bad2.maps[0].keySize = -1;
    expect(() => restoreCollection(bad2)).toThrow(/\$\.maps\[0\]\.keySize/);
  });
});

describe('checkpoint/restore of ring buffers', () => {
  it('unconsumed records survive', () => {
    const a = loadCollection(fixtureSpec('ringbuf'));
    a.program('ringbuf').run({ packet: Uint8Array.of(1, 2, 3, 4) });
    a.program('ringbuf').run({ packet: Uint8Array.of(0xff, 2, 3, 4) });
    const b = restoreCollection(JSON.parse(JSON.stringify(checkpointCollection(a))));
    const ra = a.map('events') as RingbufMap, rb = b.map('events') as RingbufMap;
    expect(rb.consume()).toEqual(ra.consume());
  });
});

describe('checkpoint/restore of maps of maps', () => {
  it('slots survive by map id', () => {
    const a = loadCollection(fixtureSpec('map_in_map'));
    a.map('inner_a').update(Uint8Array.of(0, 0, 0, 0), Uint8Array.of(5, 0, 0, 0));
    a.map('outer_arr').update(Uint8Array.of(3, 0, 0, 0), Uint8Array.of(a.map('inner_a').id, 0, 0, 0));
    a.map('outer_hash').delete(Uint8Array.of(7, 0, 0, 0));
    const b = roundTrip(a);
    for (const pk of [[0, 0], [1, 0], [3, 0], [2, 0], [0, 1]]) {
      expect(b.program('map_in_map').run({ packet: Uint8Array.from(pk) }).r0).toBe(a.program('map_in_map').run({ packet: Uint8Array.from(pk) }).r0);
    }
  });
});
