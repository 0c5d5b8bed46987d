/**
 * The five vm-speed loops (bench/vm-speed.js): eBPF programs built from
 * instruction objects, each a counted loop of N iterations.
 */
import { encodeInsns, lddwInsns } from '../dist/index.js';

const I = (code, dst = 0, src = 0, off = 0, imm = 0) => ({ code, dst, src, off, imm });
const EXIT = I(0x95);

/** Closes a loop body: r9 -= 1; if r9 != 0 goto start. */
function loop(n, setup, body) {
  const start = setup.length + 1;
  const insns = [...setup, I(0xb7, 9, 0, 0, n), ...body, I(0x07, 9, 0, 0, -1)];
  const back = start - (insns.length + 1);
  insns.push(I(0x55, 9, 0, back, 0), EXIT);
  return encodeInsns(insns);
}

/** The loops by name: bytes and iterations. */
export function vmSpeedLoops(n = 100_000) {
  return {
    'alu64': loop(n, [I(0xb7, 0, 0, 0, 1), ...lddwInsns(1, 0x123456789abcdefn), I(0xb7, 2, 0, 0, 7)], [
      I(0x0f, 0, 1), I(0xaf, 2, 0), I(0xbf, 3, 2), I(0x67, 3, 0, 0, 3), I(0x1f, 0, 3), I(0x77, 2, 0, 0, 1), I(0x4f, 1, 2), I(0x57, 1, 0, 0, 0x7fffffff),
    ]),
    'alu32': loop(n, [I(0xb4, 0, 0, 0, 1), I(0xb4, 1, 0, 0, 0x12345), I(0xb4, 2, 0, 0, 7)], [
      I(0x0c, 0, 1), I(0xac, 2, 0), I(0xbc, 3, 2), I(0x64, 3, 0, 0, 3), I(0x1c, 0, 3), I(0x74, 2, 0, 0, 1), I(0x4c, 1, 2), I(0x54, 1, 0, 0, 0x7fffffff),
    ]),
    'stack': loop(n, [I(0xb7, 1, 0, 0, 42), I(0xb7, 0, 0, 0, 0)], [
      I(0x7b, 10, 1, -8), I(0x79, 2, 10, -8), I(0x63, 10, 2, -16), I(0x61, 3, 10, -16), I(0x6b, 10, 3, -20), I(0x69, 4, 10, -20),
      I(0x73, 10, 4, -24), I(0x71, 5, 10, -24), I(0x0f, 0, 5), I(0x07, 1, 0, 0, 1),
    ]),
    'muldiv': loop(n, [I(0xb7, 0, 0, 0, 1), I(0xb7, 1, 0, 0, 12345), I(0xb7, 2, 0, 0, 1000003), I(0xb7, 3, 0, 0, 77)], [
      I(0x2f, 1, 3), I(0x3f, 2, 3), I(0x9f, 1, 3), I(0x27, 0, 0, 0, 3), I(0x24, 3, 0, 0, 5), I(0x34, 3, 0, 0, 3), I(0x07, 3, 0, 0, 11), I(0x07, 2, 0, 0, 1000003),
    ]),
    'branch': loop(n, [I(0xb7, 0, 0, 0, 0), I(0xb7, 1, 0, 0, 5)], [
      I(0x25, 9, 0, 1, 50000), I(0x07, 0, 0, 0, 1), I(0x15, 1, 0, 1, 6), I(0x07, 0, 0, 0, 2), I(0x6d, 9, 1, 1, 0), I(0x07, 0, 0, 0, 3),
      I(0x45, 9, 0, 1, 1), I(0x07, 0, 0, 0, 4), I(0xa6, 9, 0, 1, 100), I(0x07, 0, 0, 0, 5),
    ]),
  };
}
