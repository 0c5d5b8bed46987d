/**
 * CVE regressions: verifier bugs of the past, in the pattern of their public
 * reproducers. Each must be rejected, or, where a correct verifier accepts
 * the pattern, run in the interpreter without a fault (and compute what the
 * hardware would).
 */
import { describe, expect, it } from 'vitest';
import { RuntimeFault } from '../../src/errors.js';
import { Vm, mapHelpers } from '../../src/index.js';
import { createMap } from '../../src/maps/index.js';
import type { MapSpec } from '../../src/maps/spec.js';
import { verify } from '../../src/verifier/index.js';
import { bytesOf } from './support.js';

const ARR8: MapSpec = { type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 };
const LOOKUP = `r1 = 0
*(u32 *)(r10 -4) = r1
r2 = r10
r2 += -4
r1 = map[id:0]
call bpf_map_lookup_elem#1
if r0 == 0x0 goto out`;

/** The lookup prologue, the body, and an `out:` label with `r0 = 0; exit`. */
function prog(body: string): string {
  return `${LOOKUP}\n${body}\nout:\nr0 = 0\nexit`;
}

/** Verifies as a raw program; if accepted, runs it on several map contents and returns the r0 values. */
function check(src: string, values: bigint[] = [0n, 1n, 5n, 0xffffffffn, 0x80000000n, 0x100000001n, -1n]): { accepted: boolean; message: string; r0: bigint[] } {
  const bytes = bytesOf(src);
  const r = verify(bytes, { progType: 'raw', maps: [ARR8] });
  const r0: bigint[] = [];
  if (r.accepted) {
    for (const v of values) {
      const vm = new Vm({ helpers: mapHelpers() });
      const m = createMap(ARR8, vm.memory);
      const val = new Uint8Array(8);
      new DataView(val.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
      m.update(new Uint8Array(4), val, 0);
      try {
        r0.push(vm.load(bytes, { progType: 'raw', maps: [m] }).run({ mem: new Uint8Array(64) }).r0);
      } catch (e) {
        if (e instanceof RuntimeFault) throw new Error(`accepted program faulted for value ${v}: ${e.message}`);
        throw e;
      }
    }
  }
  return { accepted: r.accepted, message: r.message, r0 };
}

describe('CVE regressions', () => {
  it('CVE-2017-16995: 32-bit move and 64-bit compare (sign extension) cannot hide a path', () => {
    const r = check(`w9 = -1
if r9 != 0xffffffff goto pc+2
r0 = 0
exit
r0 = *(u64 *)(r9 +0)
exit`);
    expect(r.accepted).toBe(false);
    expect(r.message).toBe("R9 invalid mem access 'scalar'");
  });

  it('CVE-2020-8835: 32-bit bounds from 64-bit bounds (__reg_bound_offset32)', () => {
    const r = check(prog(`r6 = *(u64 *)(r0 +0)
if r6 < 0x1 goto out
r8 = 0x100000001 ll
if r6 > r8 goto out
if w6 == 0x5 goto out
r6 &= 2
r6 >>= 1
r6 *= 4096
r0 += r6
r0 = *(u8 *)(r0 +0)`));
    expect(r.accepted).toBe(false);
    expect(r.message).toBe('R0 max value is outside of the allowed memory range');
  });

  it('CVE-2021-3444: 32-bit mod by zero keeps the low half and clears the high half', () => {
    const r = check(`r0 = 0xffffffff00000001 ll
r1 = 0
w0 %= w1
exit`);
    expect(r.accepted).toBe(true);
    for (const x of r.r0) expect(x).toBe(1n);
  });

  it('CVE-2021-3490: 32-bit AND/OR/XOR bounds with known low bits', () => {
    // r6 = (unknown << 32) | 1 ; r6 &= 0x100000001: low word is exactly 1, high word unknown bit.
    const r = check(prog(`r6 = *(u64 *)(r0 +0)
r2 = 0xffffffff00000000 ll
r6 &= r2
r6 += 1
r2 = 0x100000001 ll
r6 &= r2
w6 += 1
w6 -= 2
r6 *= 4096
r0 += r6
r0 = *(u8 *)(r0 +0)`));
    // w6 = 0 exactly, so r6 = 0: a correct verifier may accept; then no fault.
    if (!r.accepted) expect(r.message).toMatch(/outside of the allowed memory range|unbounded/);
    const r2 = check(prog(`r6 = *(u64 *)(r0 +0)
r2 = 0xffffffff00000000 ll
r6 &= r2
r6 |= 1
w6 &= 3
w6 >>= 0
r6 *= 4096
r0 += r6
r0 = *(u8 *)(r0 +0)`));
    // w6 = 1 exactly → offset 4096 is out of an 8-byte value: must be rejected.
    expect(r2.accepted).toBe(false);
  });

  it('CVE-2021-31440: 64-bit bounds must not make the 32-bit signed range non-negative', () => {
    const r = check(prog(`r6 = *(u64 *)(r0 +0)
r2 = 0x80000000 ll
if r6 > r2 goto out
if w6 s>= 0x0 goto out
r6 >>= 31
r6 &= 1
r6 *= 4096
r0 += r6
r0 = *(u8 *)(r0 +0)`));
    // w6 s< 0 leaves only 0x80000000: r6 >> 31 = 1, offset 4096.
    expect(r.accepted).toBe(false);
    expect(r.message).toMatch(/R0 (min|max) value is outside of the allowed memory range/);
  });

  it('CVE-2022-23222: arithmetic on a *_OR_NULL pointer before the null check', () => {
    const src = `r1 = map[id:0]
r2 = 8
r3 = 0
call bpf_ringbuf_reserve#131
r0 += 1
exit`;
    const r = verify(bytesOf(src), { progType: 'socket_filter', maps: [{ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 }] });
    expect(r.accepted).toBe(false);
    expect(r.message).toBe('R0 pointer arithmetic on ringbuf_mem_or_null prohibited, null-check it first');
    const r2 = check(prog(`r1 = r0
r1 += 4
if r1 == 0x0 goto out
r0 = *(u64 *)(r0 +0)`));
    // map_value_or_null is already null-checked here (r0 != 0), so this must verify and run.
    expect(r2.accepted).toBe(true);
  });
});
