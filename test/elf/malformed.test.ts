/**
 * Malformed ELF: specific corruptions give an ElfError naming the section and
 * offset; fast-check mutations of the real fixtures (byte flips, truncation,
 * splices) never crash or hang: the reader and loader either succeed or
 * throw a BpfError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BpfError, ElfError } from '../../src/errors.js';
import { loadCollection, readCollectionSpec } from '../../src/elf/index.js';
import { FIXTURE_NAMES, fixtureBytes } from './fixtures.js';

function elfErr(bytes: Uint8Array): ElfError {
  try {
    readCollectionSpec(bytes);
  } catch (e) {
    if (e instanceof ElfError) return e;
    throw e;
  }
  throw new Error('no error');
}

const base = fixtureBytes('global_data');
const patch = (at: number, bytes: number[], src = base): Uint8Array => {
  const b = src.slice();
  b.set(bytes, at);
  return b;
};
const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe('malformed ELF → ElfError with section and offset', () => {
  it('header checks', () => {
    expect(elfErr(base.slice(0, 10)).message).toMatch(/ELF header.*shorter than the 64-byte/);
    expect(elfErr(patch(0, [0x7f, 0x45, 0x4c, 0x47])).message).toMatch(/bad magic/);
    expect(elfErr(patch(4, [1]))).toMatchObject({ section: 'ELF header', offset: 4 });
    expect(elfErr(patch(5, [2])).message).toMatch(/not little-endian/);
    expect(elfErr(patch(18, [62, 0]))).toMatchObject({ section: 'ELF header', offset: 18 });
    expect(elfErr(patch(18, [62, 0])).message).toMatch(/e_machine 62 is not EM_BPF/);
  });
  it('truncated: section header table outside the file', () => {
    const e = elfErr(base.slice(0, base.length - 100));
    expect(e.section).toBe('section header table');
    expect(e.offset).toBe(Number(dv(base).getBigUint64(40, true)));
  });
  it('a section whose offset lies outside the file', () => {
    const b = base.slice();
    const shoff = Number(dv(b).getBigUint64(40, true));
    // section 3 is the program section 'xdp'
    dv(b).setBigUint64(shoff + 3 * 64 + 24, 0x100000n, true);
    const e = elfErr(b);
    expect(e.section).toBe('xdp');
    expect(e.offset).toBe(0x100000);
  });
  it('a bad section-name string index', () => {
    const b = base.slice();
    const shoff = Number(dv(b).getBigUint64(40, true));
    dv(b).setUint32(shoff + 2 * 64, 0xfffff, true);
    expect(elfErr(b).message).toMatch(/section header 2.*string index 1048575 outside/);
  });
  it('a relocation against a symbol index out of range', () => {
    const b = base.slice();
    const shoff = Number(dv(b).getBigUint64(40, true));
    const shnum = dv(b).getUint16(60, true);
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * 64;
      if (dv(b).getUint32(o + 4, true) !== 9) continue;
      const relOff = Number(dv(b).getBigUint64(o + 24, true));
      dv(b).setUint32(relOff + 12, 9999, true);
      const e = elfErr(b);
      expect(e.message).toMatch(/symbol index 9999 out of range/);
      expect(e.offset).toBe(relOff);
      return;
    }
    throw new Error('no REL section');
  });
});

describe('unsupported features → ElfError (UNSUPPORTED) naming section and symbol', () => {
  it('a kfunc call (extern __ksym)', () => {
    const e = elfErr(fixtureBytes('bad_kfunc'));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.section).toBe('tc');
    expect(e.message).toMatch(/section tc, offset 0x0: extern symbol 'bpf_rcu_read_lock' \(kfunc call\) is not supported/);
  });
  it('a CO-RE relocation in .BTF.ext', () => {
    const e = elfErr(fixtureBytes('bad_core'));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.section).toBe('kprobe/do_nothing');
    expect(e.message).toMatch(/CO-RE relocation \(kind 0\) on 'task_like' \(access '0:1'\) at instruction offset \d+ is not supported/);
  });
});

describe('fuzzed fixtures never crash', () => {
  const fixtures = FIXTURE_NAMES.map((n) => fixtureBytes(n));
  const smallMaps = (spec: ReturnType<typeof readCollectionSpec>): boolean =>
    spec.maps.every((m) => m.maxEntries * Math.max(m.valueSize, 1) < 1 << 20 && m.maxEntries < 1 << 16);
  const attempt = (bytes: Uint8Array): void => {
    try {
      const spec = readCollectionSpec(bytes);
      if (smallMaps(spec)) loadCollection(spec).dispose();
    } catch (e) {
      if (!(e instanceof BpfError)) throw e;
    }
  };
  it('byte mutations', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: fixtures.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      (fi, muts) => {
        const b = fixtures[fi]!.slice();
        for (const [at, v] of muts) b[at % b.length] = v;
        attempt(b);
      },
    ), { numRuns: Number(process.env.ELF_FUZZ_RUNS ?? 700) });
  });
  it('mutations targeted at headers, section headers and symbol/relocation tables', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: fixtures.length - 1 }), fc.nat(), fc.integer({ min: 0, max: 63 }),
      fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constant(0xff), fc.constant(0)), fc.boolean(),
      (fi, which, field, val, inTables) => {
        const b = fixtures[fi]!.slice();
        const v = dv(b);
        const shoff = Number(v.getBigUint64(40, true));
        const shnum = v.getUint16(60, true);
        if (inTables) {
          const i = which % shnum;
          b[shoff + i * 64 + field] = val;
        } else {
          const i = which % shnum;
          const off = Number(v.getBigUint64(shoff + i * 64 + 24, true));
          const size = Number(v.getBigUint64(shoff + i * 64 + 32, true));
          if (size > 0) b[(off + (which >>> 5) % size) % b.length] = val;
        }
        attempt(b);
      },
    ), { numRuns: Number(process.env.ELF_FUZZ_RUNS ?? 700) });
  });
  it('truncations and random bytes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: fixtures.length - 1 }), fc.nat(), (fi, n) => {
      const f = fixtures[fi]!;
      attempt(f.slice(0, n % f.length));
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 512 }), (b) => {
      const h = b.slice();
      if (h.length >= 20) h.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
      attempt(h);
    }), { numRuns: 300 });
  });
});
