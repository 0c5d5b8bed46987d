/**
 * Pointer offset carry: the kernel accesses the 64-bit address `reg + off`
 * (kernel/bpf/core.c: `*(SIZE *)(unsigned long) (SRC + insn->off)`). A
 * pointer is (region id << 32) | offset, so when a pointer's offset half is
 * near 2^32 (it was moved below its region start: `r7 = r1; r7 += -1`) a
 * positive instruction offset carries into the region half, and a negative
 * one borrows from it. Every load/store/atomic path of every engine (the
 * interpreter, the JIT and its variants, the JIT's direct stack path) must
 * resolve the effective 64-bit address.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/index.js';
import { RuntimeFault } from '../../src/errors.js';
import type { ProgTypeName } from '../../src/isa/prog-types.js';
import { bytesToHex } from '../../src/isa/insn.js';
import { Vm, createJitEngine, engineNames, registerEngine } from '../../src/vm/index.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';

registerEngine(createJitEngine('jit-dispatch', { structured: false }));
registerEngine(createJitEngine('jit-generic', { fastStack: false }));
registerEngine(createJitEngine('jit-chunk3', { chunkInsns: 3 }));

const A = (src: string): Uint8Array => assemble(src).bytes;

describe.each(engineNames())('engine %s', (engine) => {
  const run = (src: string, mem?: Uint8Array, type: ProgTypeName = 'raw', packet?: Uint8Array) =>
    new Vm({ engine }).load(A(src), { progType: type }).run({ mem, packet });
  const fault = (src: string, mem?: Uint8Array): RuntimeFault => {
    try { run(src, mem); } catch (e) { if (e instanceof RuntimeFault) return e; throw e; }
    throw new Error('no fault');
  };
  const mem8 = () => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);

  it('loads of every size carry into the region half (pointer moved below its region, positive off)', () => {
    expect(run('r7 = r1\nr7 += -1\nr0 = *(u8 *)(r7 + 2)\nexit', mem8()).r0).toBe(2n);
    expect(run('r7 = r1\nr7 += -3\nr0 = *(u16 *)(r7 + 4)\nexit', mem8()).r0).toBe(0x0302n);
    expect(run('r7 = r1\nr7 += -100\nr0 = *(u32 *)(r7 + 104)\nexit', mem8()).r0).toBe(0x08070605n);
    expect(run('r7 = r1\nr7 += -32767\nr0 = *(u64 *)(r7 + 32767)\nexit', new Uint8Array(8).fill(0)).r0).toBe(0n);
    expect(run('r7 = r1\nr7 += -1\nr0 = *(u64 *)(r7 + 1)\nexit', mem8()).r0).toBe(0x0807060504030201n);
    const neg = new Uint8Array([0xff, 0xfe, 0xff, 0xff, 0x80, 0, 0, 0]);
    expect(run('r7 = r1\nr7 += -2\nr0 = *(s8 *)(r7 + 6)\nexit', neg).r0).toBe(BigInt.asUintN(64, -128n));
    expect(run('r7 = r1\nr7 += -2\nr0 = *(s16 *)(r7 + 3)\nexit', neg).r0).toBe(BigInt.asUintN(64, -2n));
    expect(run('r7 = r1\nr7 += -2\nr0 = *(s32 *)(r7 + 2)\nexit', neg).r0).toBe(BigInt.asUintN(64, -257n));
  });

  it('a pointer moved past its region end and back by a negative off; far below and back', () => {
    expect(run('r7 = r1\nr7 += 40\nr0 = *(u8 *)(r7 - 37)\nexit', mem8()).r0).toBe(4n);
    expect(run('r7 = r1\nr7 += -40000\nr7 += 39990\nr0 = *(u8 *)(r7 + 12)\nexit', mem8()).r0).toBe(3n);
  });

  it('stores of every size (st and stx) carry', () => {
    const mem = new Uint8Array(16);
    run(`r7 = r1
      r7 += -16
      r2 = -1
      *(u8 *)(r7 + 16) = 0x11
      *(u16 *)(r7 + 18) = 0x2222
      *(u32 *)(r7 + 20) = 0x33333333
      *(u64 *)(r7 + 24) = r2
      r0 = 0
      exit`, mem);
    expect([...mem.subarray(0, 16)]).toEqual([0x11, 0, 0x22, 0x22, 0x33, 0x33, 0x33, 0x33, 255, 255, 255, 255, 255, 255, 255, 255]);
    const m2 = new Uint8Array(16);
    run(`r7 = r1
      r7 += -1
      r2 = 0x0102030405060708 ll
      *(u8 *)(r7 + 1) = r2
      *(u16 *)(r7 + 3) = r2
      *(u32 *)(r7 + 5) = r2
      *(u64 *)(r7 + 9) = r2
      *(u64 *)(r7 + 9) = 7
      r0 = 0
      exit`, m2);
    expect([...m2]).toEqual([8, 0, 8, 7, 8, 7, 6, 5, 7, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('atomics, load-acquire and store-release carry', () => {
    const mem = new Uint8Array(16);
    mem[0] = 5;
    const r = run(`r7 = r1
      r7 += -8
      r2 = 3
      lock *(u64 *)(r7 + 8) += r2
      r3 = 10
      r3 = atomic_fetch_add((u64 *)(r7 + 8), r3)
      r0 = 18
      r4 = 100
      r0 = cmpxchg_64(r7 + 8, r0, r4)
      r5 = 0x4242
      store_release((u16 *)(r7 + 12), r5)
      r6 = load_acquire((u16 *)(r7 + 12))
      r0 += r3
      r0 += r6
      exit`, mem);
    // add → 8; fetch_add returns 8 → 18; cmpxchg old 18 == r0 → 100, r0 = 18; r6 = 0x4242.
    expect(mem[0]).toBe(100);
    expect(r.r0).toBe(18n + 8n + 0x4242n);
  });

  it('a negative off borrows from the region half: the fault names the 64-bit address', () => {
    const mem = mem8();
    const vm = new Vm({ engine });
    const lp = vm.load(A('r7 = r1\nr7 += 4\nr0 = *(u32 *)(r7 - 8)\nexit'));
    let f: RuntimeFault | undefined;
    try { lp.run({ mem }); } catch (e) { f = e as RuntimeFault; }
    expect(f).toBeInstanceOf(RuntimeFault);
    expect(f!.code).toBe('MEM_FAULT');
    expect(f!.pc).toBe(2);
    // The address is r1 - 4: offset 0xfffffffc of the region below mem's.
    const r1 = BigInt.asUintN(64, f!.address! + 4n);
    expect(r1 & 0xffffffffn).toBe(0n);
    expect(f!.message).not.toMatch(/at offset -/);
    // NULL - 1 is still a scalar address.
    expect(fault('r7 = 0\nr0 = *(u8 *)(r7 - 1)\nexit').message).toMatch(/0xffffffffffffffff: NULL or scalar address/);
  });

  it('a carry that lands outside the region still faults (with the normalised offset)', () => {
    const f = fault('r7 = r1\nr7 += -1\nr0 = *(u32 *)(r7 + 8)\nexit', mem8());
    expect(f.code).toBe('MEM_FAULT');
    expect(f.message).toMatch(/outside .* at offset 7$/);
    const g = fault('r7 = r1\nr7 += -1\n*(u64 *)(r7 + 2) = 1\nexit', mem8());
    expect(g.message).toMatch(/invalid write of 8 bytes .* at offset 1$/);
  });

  it('stack: carried accesses through a copy of r10 meet the direct r10-relative accesses', () => {
    const r = run(`r2 = 0x1122334455667788 ll
      r7 = r10
      r7 += -520
      *(u64 *)(r7 + 16) = r2
      r0 = *(u64 *)(r10 - 504)
      *(u32 *)(r10 - 8) = 0x0badf00d
      r3 = *(u32 *)(r7 + 512)
      r0 ^= r3
      exit`);
    expect(r.r0).toBe(0x1122334455667788n ^ 0x0badf00dn);
    // Below the stack start by carry: still a fault.
    expect(fault('r7 = r10\nr7 += -520\nr0 = *(u64 *)(r7 + 4)\nexit').code).toBe('MEM_FAULT');
  });

  it('xdp ctx rewrite of data/data_end also applies to a carried ctx address', () => {
    const packet = new Uint8Array([9, 8, 7]);
    const r = run(`r7 = r1
      r7 += -1
      r2 = *(u32 *)(r7 + 1)
      r3 = *(u32 *)(r7 + 5)
      r3 -= r2
      r0 = *(u8 *)(r2 + 1)
      r0 <<= 8
      r0 |= r3
      exit`, undefined, 'xdp', packet);
    expect(r.r0).toBe((8n << 8n) | 3n);
  });
});


describe.skipIf(!koracleAvailable())('the running kernel (koracle ebpf-run, r1 = a map value)', () => {
  it('accepts and runs carried accesses with the results of every engine', () => {
    const progs = [
      'r7 = r1\nr7 += -1\nr0 = *(u8 *)(r7 + 2)\nexit',
      'r7 = r1\nr7 += -100\nr0 = *(u32 *)(r7 + 104)\nexit',
      'r7 = r1\nr7 += -3\nr0 = *(u64 *)(r7 + 3)\nexit',
      'r7 = r1\nr7 += -16\nr2 = -1\n*(u32 *)(r7 + 20) = r2\n*(u8 *)(r7 + 16) = 0x11\nr0 = *(u64 *)(r1 + 0)\nexit',
      'r7 = r1\nr7 += -8\nr2 = 3\nlock *(u64 *)(r7 + 8) += r2\nr0 = *(u64 *)(r1 + 0)\nexit',
    ];
    const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    const res = koracleBatch('ebpf-run', progs.map((s) => ({ prog: bytesToHex(A(s)), data: bytesToHex(data), flat: 'map', r0_64: true })));
    progs.forEach((src, i) => {
      const k = res[i]!;
      expect(k.status, `${src}: ${JSON.stringify(k)}`).toBe('accepted');
      for (const engine of engineNames()) {
        const mem = data.slice();
        const r = new Vm({ engine }).load(A(src)).run({ mem });
        expect('0x' + r.r0.toString(16).padStart(16, '0'), `${engine}: ${src}`).toBe(k.r0);
        expect(bytesToHex(mem), `${engine}: ${src}`).toBe(k.mem_out);
      }
    });
  });
});
