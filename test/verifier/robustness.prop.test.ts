/**
 * Bad input never surfaces as a TypeError / RangeError / hang: arbitrary
 * instruction bytes (valid opcodes with random fields, random maps and
 * program types) always give a VerifyResult.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPCODES } from '../../src/isa/opcodes.js';
import { type Insn, encodeInsns } from '../../src/isa/insn.js';
import { verify } from '../../src/verifier/index.js';
import { RuntimeFault } from '../../src/errors.js';
import { Vm, mapHelpers } from '../../src/index.js';
import { createMap } from '../../src/maps/index.js';

const insn = fc.record({
  row: fc.integer({ min: 0, max: OPCODES.length - 1 }),
  dst: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 9 }), weight: 20 }, { arbitrary: fc.integer({ min: 0, max: 15 }), weight: 1 }),
  src: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 10 }), weight: 20 }, { arbitrary: fc.constantFrom(0, 1, 2, 5, 6, 12), weight: 3 }),
  off: fc.oneof({ arbitrary: fc.integer({ min: -16, max: 16 }), weight: 20 }, { arbitrary: fc.integer({ min: -32768, max: 32767 }), weight: 1 }),
  imm: fc.oneof(fc.integer({ min: -8, max: 64 }), fc.integer()),
});

const ROWS = OPCODES.filter((r) => r.kind !== 'lddw' && r.kind !== 'callx');

/** Zeroes the fields the instruction form reserves (so most programs pass decoding; a few keep junk). */
function wellFormed(r: (typeof OPCODES)[number], x: { dst: number; src: number; off: number; imm: number }): Insn {
  const v = r.variant;
  const i = { code: r.code, dst: x.dst, src: x.src, off: x.off, imm: x.imm };
  switch (r.kind) {
    case 'alu': case 'movsx': case 'neg': case 'end':
      i.off = 0;
      if (r.kind === 'neg' || r.kind === 'end' || r.source === 'K') i.src = 0; else i.imm = 0;
      break;
    case 'ja': i.dst = 0; i.src = 0; i.imm = 0; break;
    case 'jcond': if (r.source === 'K') i.src = 0; else i.imm = 0; break;
    case 'call': i.dst = 0; i.src = 0; i.off = 0; i.imm = [1, 2, 3, 5, 7, 12, 14, 16, 26, 131][Math.abs(x.imm) % 10]!; break;
    case 'exit': i.dst = 0; i.src = 0; i.off = 0; i.imm = 0; break;
    case 'ldabs': i.dst = 0; i.src = 0; i.off = 0; break;
    case 'ldind': i.dst = 0; i.off = 0; break;
    case 'ldx': case 'ldxsx': case 'stx': i.imm = 0; break;
    case 'st': i.src = 0; break;
    default: break;
  }
  if (v) { if (v.field === 'off') i.off = v.value; else i.imm = v.value; }
  return i;
}

describe('verifier robustness', () => {
  it('random instruction streams always give a result', () => {
    let deep = 0, ran = 0;
    fc.assert(fc.property(fc.array(insn, { minLength: 1, maxLength: 24 }), fc.constantFrom('socket_filter', 'xdp', 'sched_cls', 'seccomp', 'raw', 'kprobe') as fc.Arbitrary<'socket_filter'>, (xs, progType) => {
      const body = xs.map((x) => wellFormed(ROWS[x.row % ROWS.length]!, x));
      // Mostly forward jumps inside the program (some stay out of range).
      body.forEach((b, k) => {
        if ((b.code & 7) === 5 || (b.code & 7) === 6) {
          const op = b.code & 0xf0;
          if (op !== 0x80 && op !== 0x90 && b.off !== 0 && Math.abs(b.off) < 100) b.off = Math.abs(b.off) % (body.length - k);
        }
      });
      const init = [0, 2, 3, 4, 5, 6, 7, 8, 9].map((r) => ({ code: 0xb7, dst: r, src: 0, off: 0, imm: r * 3 }));
      const insns = [...init, ...body, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }];
      const r = verify(encodeInsns(insns), { progType, maps: [{ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 }], logLevel: 2, insnLimit: 20000 });
      expect(typeof r.accepted).toBe('boolean');
      if (r.insnsProcessed > 10) deep++;
      if (!r.accepted) expect(r.message.length).toBeGreaterThan(0);
      // Raw programs the verifier accepts also run without a fault (a second, unbiased soundness check).
      if (r.accepted && progType === ('raw' as string)) {
        const vm = new Vm({ helpers: mapHelpers() });
        const m = createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 }, vm.memory);
        // Like Linux, the VM loads malformed instructions in code the verifier proves dead
        // (reserved fields are checked on executed instructions only).
        const lp = vm.load(encodeInsns(insns), { progType: 'raw', maps: [m] });
        try {
          lp.run({ mem: new Uint8Array(64).fill(7) });
        } catch (e) {
          if (!(e instanceof RuntimeFault)) throw e;
          if (e.code !== 'BUDGET') throw new Error(`accepted raw program faulted: ${e.message}`);
        }
        ran++;
      }
    }), { numRuns: 1500 });
    // A fair share must get past the structural checks into abstract interpretation.
    expect(deep).toBeGreaterThan(150);
    expect(ran).toBeGreaterThan(10);
  });
  it('odd byte lengths and empty programs are rejections', () => {
    expect(verify(new Uint8Array(0)).message).toBe('last insn is not an exit or jmp');
    expect(verify(new Uint8Array(7)).accepted).toBe(false);
  });
});
