/**
 * Interpreter and Vm behaviour beyond single ALU/JMP operations: memory
 * faults, loads/stores, atomics, frames, helpers, tail calls, LD_ABS/LD_IND,
 * program-type ctx rewrites, ld_imm64 map references, the budget.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/index.js';
import {
  BpfError, HelperRegistry, Memory, Perm, RuntimeFault, Vm, defaultHelpers, regionAddress, runProgram,
  type HelperDef, type ProgArrayLike, type VmMap,
} from '../../src/index.js';

const A = (src: string): Uint8Array => assemble(src).bytes;
const run = (src: string, opts: Parameters<typeof runProgram>[1] = {}) => runProgram(A(src), opts);
function fault(fn: () => unknown): RuntimeFault {
  try { fn(); } catch (e) { if (e instanceof RuntimeFault) return e; throw e; }
  throw new Error('no fault');
}

describe('memory', () => {
  it('loads and stores every size, sign-extending loads', () => {
    const mem = new Uint8Array(16);
    const r = run(`
      r2 = -2
      *(u64 *)(r1 + 0) = r2
      *(u8 *)(r1 + 8) = 0x80
      r3 = *(s8 *)(r1 + 8)
      r4 = *(s16 *)(r1 + 0)
      r5 = *(s32 *)(r1 + 4)
      r0 = r3
      r0 += r4
      r0 += r5
      exit`, { mem });
    expect(r.r0).toBe(BigInt.asUintN(64, -128n - 2n - 1n));
    expect([...mem.subarray(0, 9)]).toEqual([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80]);
  });
  it('faults carry pc, address and size', () => {
    const mem = new Uint8Array(8);
    const f = fault(() => run('r0 = *(u32 *)(r1 + 6)\nexit', { mem }));
    expect(f.code).toBe('MEM_FAULT');
    expect(f.pc).toBe(0);
    expect(f.size).toBe(4);
    expect(f.address! & 0xffffffffn).toBe(6n);
    expect(f.message).toMatch(/outside memory \(8 bytes\) at offset 6/);
    const g = fault(() => run('r1 = 0\nr0 = *(u64 *)(r1 - 8)\nexit'));
    expect(g.pc).toBe(1);
    expect(g.message).toMatch(/NULL or scalar/);
  });
  it('r10 stack: 512 bytes per frame, out-of-bounds faults', () => {
    expect(run('*(u64 *)(r10 - 512) = 7\nr0 = *(u64 *)(r10 - 512)\nexit').r0).toBe(7n);
    expect(fault(() => run('r0 = *(u64 *)(r10 - 520)\nexit')).code).toBe('MEM_FAULT');
    expect(fault(() => run('r0 = *(u8 *)(r10 + 0)\nexit')).code).toBe('MEM_FAULT');
  });
  it('r10-relative accesses still work when the program writes r10', () => {
    expect(run('r10 += -8\n*(u64 *)(r10 + 0) = 9\nr0 = *(u64 *)(r10 + 0)\nexit').r0).toBe(9n);
  });
  it('read-only regions reject stores', () => {
    const vm = new Vm();
    const ro = vm.memory.add(new Uint8Array([1, 2, 3, 4]), Perm.READ, 'rodata', 'ro');
    const p = vm.load(A(`r1 = ${regionAddress(ro.id)} ll\nr0 = *(u32 *)(r1 + 0)\n*(u32 *)(r1 + 0) = r0\nexit`));
    const f = fault(() => p.run());
    expect(f.pc).toBe(3);
    expect(f.message).toMatch(/not writable/);
  });
});

describe('atomics', () => {
  it('fetch-add, xchg, cmpxchg (64 and 32 bit)', () => {
    const mem = new Uint8Array(16);
    new DataView(mem.buffer).setBigUint64(0, 10n, true);
    new DataView(mem.buffer).setUint32(8, 0xffffffff, true);
    const r = run(`
      r2 = 5
      r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)
      r3 = 100
      r3 = xchg_64(r1 + 0, r3)
      r0 = 100
      r4 = 7
      r0 = cmpxchg_64(r1 + 0, r0, r4)
      w5 = 1
      lock *(u32 *)(r1 + 8) += w5
      r0 += r2
      r0 += r3
      exit`, { mem });
    // r2 = 10 (old), r3 = 15 (old), cmpxchg old = 100 → r0 = 100; mem[0] = 7; u32 wraps to 0.
    expect(r.r0).toBe(125n);
    const dv = new DataView(mem.buffer);
    expect(dv.getBigUint64(0, true)).toBe(7n);
    expect(dv.getUint32(8, true)).toBe(0);
    expect(dv.getUint32(12, true)).toBe(0);
  });
  it('cmpxchg32 compares the low half of r0 and zero-extends it', () => {
    const mem = new Uint8Array(8);
    new DataView(mem.buffer).setUint32(0, 0x12345678, true);
    const r = run(`
      r0 = 0x1234567812345678 ll
      w2 = 9
      w0 = cmpxchg32_32(r1 + 0, w0, w2)
      exit`, { mem });
    expect(r.r0).toBe(0x12345678n);
    expect(new DataView(mem.buffer).getUint32(0, true)).toBe(9);
  });
  it('load-acquire and store-release', () => {
    const mem = new Uint8Array(8);
    const r = run(`
      r2 = 0x1122334455667788 ll
      store_release((u64 *)(r1 + 0), r2)
      r0 = load_acquire((u16 *)(r1 + 2))
      exit`, { mem });
    expect(r.r0).toBe(0x5566n);
  });
});

describe('calls', () => {
  it('bpf-to-bpf: r6-r9 preserved, own stack per frame', () => {
    const r = run(`
      r6 = 6
      *(u64 *)(r10 - 8) = 11
      r1 = 3
      call pc+4
      r0 += r6
      r1 = *(u64 *)(r10 - 8)
      r0 += r1
      exit
      r6 = 100
      *(u64 *)(r10 - 8) = 1000
      r0 = r1
      r0 *= 2
      exit`);
    expect(r.r0).toBe(6n + 6n + 11n);
  });
  it('at most 8 frames', () => {
    // f(n): recursion until the depth limit.
    const deep = 'call pc+1\nexit\ncall pc-1\nexit';
    const f = fault(() => run(deep));
    expect(f.code).toBe('CALL_DEPTH');
    // 7 nested calls (8 frames) are fine.
    const ok = ['r1 = 0', 'call pc+1', 'exit', 'r1 += 1', 'if r1 > 6 goto pc+1', 'call pc-3', 'r0 = r1', 'exit'].join('\n');
    expect(run(ok).r0).toBe(7n);
  });
  it('unknown helpers fault naming the id; kernel-only helpers name the helper', () => {
    const f = fault(() => run('call 999\nexit'));
    expect(f.code).toBe('HELPER');
    expect(f.message).toMatch(/unknown helper 999/);
    const g = fault(() => run('call 113\nexit'));
    expect(g.message).toMatch(/probe_read_kernel.*needs a real kernel/);
  });
  it('built-in helpers over the deterministic env', () => {
    const vm = new Vm();
    const r = vm.load(A('call 14\nexit')).run();
    expect(r.r0).toBe((1000n << 32n) | 1000n);
    const t1 = vm.load(A('call 5\nr6 = r0\ncall 5\nr0 -= r6\nexit')).run();
    expect(t1.r0).toBe(1000n);
    const a = new Vm().load(A('call 7\nexit')).run().r0;
    const b = new Vm().load(A('call 7\nexit')).run().r0;
    expect(a).toBe(b);
    const comm = new Uint8Array(16);
    const c = vm.load(A('r1 = r10\nr1 += -16\nr2 = 16\ncall 16\nr0 = *(u64 *)(r10 - 16)\nexit')).run({ mem: comm });
    expect(Buffer.from(BigInt.asUintN(64, c.r0).toString(16).padStart(16, '0'), 'hex').reverse().toString('latin1').replace(/\0+$/, '')).toBe('bpfsim');
  });
  it('trace_printk formats like the kernel and captures the output', () => {
    const vm = new Vm();
    const enc = (t: string) => new TextEncoder().encode(t);
    const mem = new Uint8Array(96);
    const f1 = 'x=%d u=%u h=%x %%\n\0', f2 = 's=%s l=%lld|%-5d|\n\0', f3 = '%d %d %d %d\0';
    mem.set(enc(f1), 0);
    mem.set(enc(f2), 32);
    mem.set(enc(f3), 64);
    mem.set(enc('hi\0'), 88);
    const r = vm.load(A(`
      r6 = r1
      r2 = ${f1.length}
      r3 = -5
      r4 = -5
      r5 = 255
      call 6
      r7 = r0
      r1 = r6
      r1 += 32
      r2 = ${f2.length}
      r3 = r6
      r3 += 88
      r4 = -1
      r5 = 42
      call 6
      r1 = r6
      r1 += 64
      r2 = ${f3.length}
      call 6
      exit`)).run({ mem });
    expect(vm.env.traceOutput).toEqual(['x=-5 u=4294967291 h=ff %\n', 's=hi l=-1|42   |\n']);
    // the third format has four conversions: -EINVAL, nothing printed
    expect(r.r0).toBe(BigInt.asUintN(64, -22n));
  });
  it('callx calls the helper whose id is in the register', () => {
    const reg = new HelperRegistry(defaultHelpers()).register({ id: 77, name: 'seven', fn: () => 7n });
    expect(runProgram(A('r2 = 77\ncallx r2\nexit'), { helpers: reg }).r0).toBe(7n);
  });
  it('helpers get r1..r5 and may end the program', () => {
    const seen: bigint[] = [];
    const h: HelperDef = { id: 200, name: 'spy', fn: (c, a, b, cc, d, e) => { seen.push(a, b, cc, d, e); c.requestExit?.(); return 42n; } };
    const r = runProgram(A('r1 = 1\nr2 = 2\nr3 = 3\nr4 = 4\nr5 = -1\ncall 200\nr0 = 0\nexit'), { helpers: [h] });
    expect(r.r0).toBe(42n);
    expect(seen).toEqual([1n, 2n, 3n, 4n, (1n << 64n) - 1n]);
  });
});

describe('tail calls', () => {
  function withProgArray(progs: (unknown | undefined)[]) {
    const vm = new Vm();
    const arr: ProgArrayLike = { getProgram: (i) => progs[i] };
    const region = vm.memory.add(new Uint8Array(0), Perm.NONE, 'map', 'prog_array', arr);
    return { vm, addr: regionAddress(region.id), progs };
  }
  it('jumps into the target, keeps the stack, falls through on a bad index', () => {
    const { vm, addr, progs } = withProgArray([]);
    progs[0] = vm.load(A('r0 = *(u64 *)(r10 - 8)\nr0 += 1\nexit'));
    const main = vm.load(A(`*(u64 *)(r10 - 8) = 40\nr2 = ${addr} ll\nr3 = 5\ncall 12\nr3 = 0\ncall 12\nr0 = 99\nexit`));
    expect(main.run().r0).toBe(41n);
  });
  it('at most 33 tail calls', () => {
    const { vm, addr, progs } = withProgArray([]);
    // Each run of the program counts in r6 and tail-calls itself.
    progs[0] = vm.load(A(`r6 += 1\nr2 = ${addr} ll\nr3 = 0\ncall 12\nr0 = r6\nexit`));
    expect((progs[0] as ReturnType<Vm['load']>).run().r0).toBe(34n);
  });
});

describe('LD_ABS / LD_IND', () => {
  it('reads big-endian from the packet; out of bounds ends with r0 = 0', () => {
    const packet = Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a]);
    expect(run('r0 = *(u32 *)skb[1]\nexit', { progType: 'socket_filter', packet }).r0).toBe(0x3456789an);
    expect(run('r6 = 1\nr0 = *(u16 *)skb[r6 + 2]\nexit', { progType: 'socket_filter', packet }).r0).toBe(0x789an);
    expect(run('r0 = *(u32 *)skb[2]\nr0 = 7\nexit', { progType: 'socket_filter', packet }).r0).toBe(0n);
    // raw programs read the memory buffer
    expect(run('r0 = *(u8 *)skb[4]\nexit', { mem: packet }).r0).toBe(0x9an);
  });
});

describe('program-type ctx', () => {
  it('xdp: u32 loads of data / data_end yield packet pointers', () => {
    const packet = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    const r = run(`
      r2 = *(u32 *)(r1 + 0)
      r3 = *(u32 *)(r1 + 4)
      r0 = r2
      r0 += 1
      if r0 > r3 goto pc+2
      r0 = *(u8 *)(r2 + 13)
      exit
      r0 = 0
      exit`, { progType: 'xdp', packet });
    expect(r.r0).toBe(14n);
    expect(run('r2 = *(u32 *)(r1 + 4)\nr3 = *(u32 *)(r1 + 0)\nr2 -= r3\nr0 = r2\nexit', { progType: 'xdp', packet }).r0).toBe(14n);
  });
  it('__sk_buff: len, data, data_end', () => {
    const packet = new Uint8Array(20);
    packet[5] = 0xab;
    const r = run(`
      r2 = *(u32 *)(r1 + 76)
      r3 = *(u32 *)(r1 + 80)
      r4 = *(u32 *)(r1 + 0)
      r0 = *(u8 *)(r2 + 5)
      r3 -= r2
      r3 -= r4
      r0 += r3
      exit`, { progType: 'sched_cls', packet });
    expect(r.r0).toBe(0xabn);
  });
});

describe('ld_imm64 map references', () => {
  it('src 1 loads the map address, src 2 its direct value address', () => {
    const mem = new Memory();
    const value = mem.add(new Uint8Array([5, 0, 0, 0, 9, 0, 0, 0]), Perm.RW, 'map_value', 'v');
    const self = mem.add(new Uint8Array(0), Perm.NONE, 'map', 'm');
    const map: VmMap = {
      type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0,
      address: regionAddress(self.id),
      directValueAddress: (off) => { if (off >= 8) throw new BpfError('MAP', 'bad offset'); return regionAddress(value.id, off); },
    };
    const vm = new Vm({ memory: mem });
    // lddw r1, map[0] (src 1); lddw r2, map[0] value + 4 (src 2)
    const bytes = Uint8Array.from([
      0x18, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0x18, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0,
      0x61, 0x20, 0, 0, 0, 0, 0, 0,
      0x95, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(vm.load(bytes, { maps: [map] }).run().r0).toBe(9n);
    const bad = bytes.slice();
    bad[28] = 8;
    expect(() => vm.load(bad, { maps: [map] })).toThrow(/pc 2: bad offset/);
    expect(() => vm.load(bytes)).toThrow(/map 0/);
  });
});

describe('budget', () => {
  it('counts executed instructions exactly; ld_imm64 counts once', () => {
    expect(run('r0 = 1 ll\nexit').insnsExecuted).toBe(2);
    const loop = 'r1 = 10\nr1 -= 1\nif r1 != 0 goto pc-2\nr0 = 0\nexit';
    const n = run(loop).insnsExecuted;
    expect(n).toBe(1 + 20 + 2);
    expect(runProgram(A(loop), { budget: n }).r0).toBe(0n);
    expect(fault(() => runProgram(A(loop), { budget: n - 1 })).code).toBe('BUDGET');
  });
});

describe('unregistered kernel helpers', () => {
  it('are named in the fault', () => {
    const f = fault(() => run('call 9\nexit'));
    expect(f.message).toMatch(/pc 0: helper bpf_skb_store_bytes \(9\) is not available/);
  });
});

describe('more frames and regions', () => {
  it('a tail call inside a subprogram returns to the caller frame', () => {
    const vm = new Vm();
    const progs: unknown[] = [];
    const region = vm.memory.add(new Uint8Array(0), Perm.NONE, 'map', 'prog_array', { getProgram: (i: number) => progs[i] } satisfies ProgArrayLike);
    progs[0] = vm.load(A('r0 = 5\nexit'));
    const main = vm.load(A(`
      r6 = 100
      call pc+3
      r0 += r6
      exit
      exit
      r2 = ${regionAddress(region.id)} ll
      r3 = 0
      call 12
      r0 = 1
      exit`));
    expect(main.run().r0).toBe(105n);
  });
  it('permission changes take effect at once (map freeze)', () => {
    const vm = new Vm();
    const r = vm.memory.add(new Uint8Array(8), Perm.RW, 'map_value', 'v');
    const p = vm.load(A(`r1 = ${regionAddress(r.id)} ll\n*(u64 *)(r1 + 0) = 3\nr0 = *(u64 *)(r1 + 0)\nexit`));
    expect(p.run().r0).toBe(3n);
    r.perm = Perm.READ;
    expect(fault(() => p.run()).message).toMatch(/not writable/);
    r.perm = Perm.NONE;
    expect(r.readEnd).toBe(-1);
  });
  it('trace_printk: %s of an unreadable pointer prints nothing, %px prints 16 hex digits', () => {
    const vm = new Vm();
    const fmt = '[%s] %px\n\0';
    const mem = new Uint8Array(32);
    mem.set(new TextEncoder().encode(fmt));
    vm.load(A(`r2 = ${fmt.length}\nr3 = 0\nr4 = 0xabc\ncall 6\nexit`)).run({ mem });
    expect(vm.env.traceOutput).toEqual(['[] 0000000000000abc\n']);
  });
  it('raw programs reject ctx; ctx program types reject mem', () => {
    expect(() => run('exit', { ctx: new Uint8Array(4) })).toThrow(/not used by raw programs/);
    expect(() => run('exit', { progType: 'xdp', mem: new Uint8Array(4) })).toThrow(/'mem' is for raw programs/);
  });
});
