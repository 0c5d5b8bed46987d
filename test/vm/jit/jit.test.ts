/**
 * JIT unit tests: budget (infinite loops stop with BUDGET at the interpreter's
 * slot and count), engine registration, the generated source (snapshots),
 * the stack specialisation and its generic fallback, tail calls (including
 * a tail call inside a subprogram returning into the caller's image), the
 * ctx-access hook (xdp data/data_end), LD_ABS/LD_IND, callx and kfunc faults.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../../src/asm/index.js';
import { RuntimeFault } from '../../../src/errors.js';
import { encodeInsns, type Insn } from '../../../src/isa/insn.js';
import { createMap, type ProgArrayMap } from '../../../src/maps/index.js';
import { engineNames, runProgram, Vm, jitCompile, jitSource, type RunProgramOptions } from '../../../src/vm/index.js';

const asm = (s: string): Uint8Array => assemble(s, { syntax: 'ubpf' }).bytes;

function fault(f: () => unknown): RuntimeFault {
  try { f(); } catch (e) { if (e instanceof RuntimeFault) return e; throw e; }
  throw new Error('expected a RuntimeFault');
}

/** Runs under both engines and returns [interp, jit] results or faults. */
function both(bytes: Uint8Array, opts: RunProgramOptions = {}): [unknown, unknown] {
  const run = (engine: string): unknown => {
    try { return runProgram(bytes, { ...opts, engine }); } catch (e) {
      if (!(e instanceof RuntimeFault)) throw e;
      return { code: e.code, pc: e.pc, address: e.address, size: e.size, message: e.message };
    }
  };
  return [run('interp'), run('jit')];
}

describe('jit engine', () => {
  it('is registered by importing the vm', () => {
    expect(engineNames()).toContain('jit');
  });

  describe('budget', () => {
    it('stops an infinite loop with BUDGET at the interpreter slot', () => {
      const prog = asm('mov %r0, 0\nadd %r0, 1\nja -2\nexit');
      for (const budget of [0, 1, 2, 3, 4, 1000, 1_000_000]) {
        const a = fault(() => runProgram(prog, { budget }));
        const b = fault(() => runProgram(prog, { budget, engine: 'jit' }));
        expect(b.code).toBe('BUDGET');
        expect([b.code, b.pc, b.message]).toEqual([a.code, a.pc, a.message]);
      }
    });

    it('stops a self-loop (`ja -1`) with the default budget', () => {
      const e = fault(() => runProgram(asm('ja -1\nexit'), { engine: 'jit' }));
      expect([e.code, e.pc]).toEqual(['BUDGET', 0]);
    });

    it('counts like the interpreter: a program of exactly `budget` instructions completes', () => {
      const prog = asm('mov %r0, 5\nmov %r1, 3\nsub %r1, 1\njne %r1, 0, -2\nexit');
      const n = runProgram(prog).insnsExecuted;
      expect(runProgram(prog, { engine: 'jit', budget: n })).toEqual({ r0: 5n, insnsExecuted: n });
      const e = fault(() => runProgram(prog, { engine: 'jit', budget: n - 1 }));
      expect([e.code, e.pc]).toEqual(['BUDGET', 8 - 4]);
    });

    it('recursion ends with CALL_DEPTH like the interpreter', () => {
      const prog = encodeInsns([{ code: 0x85, dst: 0, src: 1, off: 0, imm: -1 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]);
      const [c, d] = both(prog);
      expect(d).toEqual(c);
      expect((d as { code: string }).code).toBe('CALL_DEPTH');
    });
  });

  describe('large programs', () => {
    it('long straight-line code and many chunks count and fault like the interpreter', () => {
      const insns: Insn[] = [{ code: 0xb7, dst: 9, src: 0, off: 0, imm: 3 }];
      for (let i = 0; i < 700; i++) {
        insns.push(i % 3 === 0 ? { code: 0x07, dst: 0, src: 0, off: 0, imm: i } : i % 3 === 1
          ? { code: 0x7b, dst: 10, src: 0, off: -8 - 8 * (i % 8), imm: 0 } : { code: 0x79, dst: 2, src: 10, off: -8, imm: 0 });
      }
      insns.push({ code: 0x07, dst: 9, src: 0, off: 0, imm: -1 }, { code: 0x55, dst: 9, src: 0, off: -703, imm: 0 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
      const prog = encodeInsns(insns);
      const vm = new Vm();
      const lp = vm.load(prog);
      expect(jitCompile(lp.image).fns.length).toBeGreaterThan(2);
      for (const budget of [1_000_000, 1, 64, 65, 700, 1405, 2000, 2107]) {
        const [a, b] = both(prog, { budget });
        expect(b).toEqual(a);
      }
    });
  });

  describe('structure limits', () => {
    it('deeply nested forward jumps (beyond the nesting limit) behave like the interpreter', () => {
      const insns: Insn[] = [{ code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }];
      const depth = 40;
      // if (r1 != k) { r0 += k; if (r1 != k+1) { ... } } — every jump lands on the same final exit.
      for (let k = 0; k < depth; k++) {
        insns.push({ code: 0x15, dst: 1, src: 0, off: 2 * (depth - k) - 1, imm: k }, { code: 0x07, dst: 0, src: 0, off: 0, imm: k + 1 });
      }
      insns.push({ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
      const prog = encodeInsns(insns);
      const src = jitSource(new Vm().load(prog));
      expect(src).toContain('if (!(');
      for (const r1 of [0, 5, 23, 24, 25, 39, 100]) {
        const p2 = encodeInsns([{ code: 0xb7, dst: 1, src: 0, off: 0, imm: r1 }, ...insns]);
        for (const budget of [1_000_000, 30]) {
          const [a, b] = both(p2, { budget });
          expect(b).toEqual(a);
        }
      }
    });

    it('a 20,000-instruction program compiles and runs like the interpreter', () => {
      const insns: Insn[] = [];
      for (let i = 0; i < 20_000; i++) {
        insns.push(i % 5 === 4 ? { code: 0x25, dst: 0, src: 0, off: i + 3 < 20_000 ? 2 : 0, imm: 1000 } : { code: 0x07, dst: 0, src: 0, off: 0, imm: i % 7 });
      }
      insns.push({ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
      const [a, b] = both(encodeInsns(insns));
      expect(b).toEqual(a);
    });
  });

  describe('generated source', () => {
    const vm = new Vm();
    it.each([
      ['alu32', 'mov32 %r0, 7\nadd32 %r0, 3\nlsh32 %r0, 2\nexit'],
      ['loop-stack', 'mov %r0, 0\nmov %r1, 10\nadd %r0, %r1\nstxdw [%r10-8], %r0\nldxdw %r2, [%r10-8]\nsub %r1, 1\njne %r1, 0, -5\nexit'],
      ['mem-div-call', 'ldxw %r2, [%r1+4]\ndiv %r2, 3\nmov %r0, %r2\ncall local f\nexit\nf:\nmod32 %r0, 5\nexit'],
    ])('%s', (_name, src) => {
      const s = jitSource(vm.load(asm(src)));
      expect(s).toMatchSnapshot();
      expect(s).not.toMatch(/"|`/); // no string literal ever reaches the generated code
    });
  });

  describe('stack specialisation', () => {
    it('uses direct stack accesses only when the program never writes r10', () => {
      const vm = new Vm();
      const plain = vm.load(asm('stdw [%r10-8], 5\nldxdw %r0, [%r10-8]\nexit'));
      const moved = vm.load(asm('mov %r10, %r1\nstdw [%r10-8], 5\nldxdw %r0, [%r10-8]\nexit'));
      expect(jitCompile(plain.image).fastStack).toBe(true);
      expect(jitCompile(moved.image).fastStack).toBe(false);
      expect(plain.run({ engine: 'jit' }).r0).toBe(5n);
      const [a, b] = both(asm('mov %r10, %r1\nstdw [%r10-8], 5\nldxdw %r0, [%r10-8]\nexit'), { mem: new Uint8Array(16) });
      expect(b).toEqual(a);
    });

    it('the generic variant gives the same results', () => {
      const vm = new Vm();
      const lp = vm.load(asm('mov %r1, 3\nstxw [%r10-4], %r1\nldxw %r0, [%r10-4]\nldxb %r2, [%r10-600]\nexit'));
      const fast = jitCompile(lp.image);
      const generic = jitCompile(lp.image, { fastStack: false });
      expect(fast.fastStack).toBe(true);
      expect(generic.fastStack).toBe(false);
      expect(generic.source).not.toBe(fast.source);
      const e1 = fault(() => lp.run({ engine: 'jit' }));
      const e2 = fault(() => lp.run());
      expect([e1.code, e1.pc, e1.address, e1.size]).toEqual([e2.code, e2.pc, e2.address, e2.size]);
    });
  });

  describe('tail calls', () => {
    function setup(engine: string): { vm: Vm; pa: ProgArrayMap } {
      const vm = new Vm({ engine });
      const pa = createMap({ type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 }, vm.memory) as ProgArrayMap;
      return { vm, pa };
    }
    const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
    /** r2 = &prog_array; r3 = idx; call bpf_tail_call; then `after`. */
    const tail = (idx: number, after: Insn[]): Insn[] => [
      I(0x18, 2, 1, 0, 0), I(0, 0, 0, 0, 0), I(0xb7, 3, 0, 0, idx), I(0x85, 0, 0, 0, 12), ...after,
    ];

    it.each(['interp', 'jit'])('%s: main program tail-calls, failed tail calls fall through', (engine) => {
      const { vm, pa } = setup(engine);
      const target = vm.load(encodeInsns([I(0xb7, 0, 0, 0, 42), I(0x95)]));
      pa.setProgram(1, target, 2);
      const caller = vm.load(encodeInsns(tail(1, [I(0xb7, 0, 0, 0, 7), I(0x95)])), { maps: [pa] });
      expect(caller.run().r0).toBe(42n);
      const missing = vm.load(encodeInsns(tail(3, [I(0xb7, 0, 0, 0, 7), I(0x95)])), { maps: [pa] });
      expect(missing.run()).toEqual({ r0: 7n, insnsExecuted: 5 }); // ld_imm64 counts once
    });

    it('a tail call inside a subprogram returns into the caller image (same result and count as interp)', () => {
      const results = ['interp', 'jit'].map((engine) => {
        const { vm, pa } = setup(engine);
        // target: r0 = r6 + 100 (r6 is the subprogram's, unchanged by the tail call)
        const target = vm.load(encodeInsns([I(0xbf, 0, 6), I(0x07, 0, 0, 0, 100), I(0x95)]));
        pa.setProgram(0, target, 1);
        // main: r6 = 1; call sub; r0 += r6 (r6 restored to 1); exit.  sub: r6 = 5; tail call; exit.
        const sub = [I(0xb7, 6, 0, 0, 5), ...tail(0, [I(0xb7, 0, 0, 0, 9), I(0x95)])];
        const main = [I(0xb7, 6, 0, 0, 1), I(0x85, 0, 1, 0, 2), I(0x0f, 0, 6), I(0x95)];
        return vm.load(encodeInsns([...main, ...sub]), { maps: [pa] }).run();
      });
      expect(results[1]).toEqual(results[0]);
      expect(results[1]!.r0).toBe(106n);
    });

    it('stops after 33 tail calls like the interpreter', () => {
      const results = ['interp', 'jit'].map((engine) => {
        const { vm, pa } = setup(engine);
        const self = vm.load(encodeInsns(tail(0, [I(0x07, 0, 0, 0, 1), I(0x95)]).slice(0)), { maps: [pa] });
        // r0 counts the tail calls that fell through: exactly one, after MAX_TAIL_CALL_CNT taken.
        pa.setProgram(0, self, 1);
        return self.run();
      });
      expect(results[1]).toEqual(results[0]);
      expect(results[1]!.r0).toBe(1n);
    });
  });

  describe('packet access', () => {
    it('xdp ctx data/data_end loads are rewritten to packet pointers', () => {
      const src = 'ldxw %r2, [%r1+0]\nldxw %r3, [%r1+4]\nmov %r0, %r3\nsub %r0, %r2\nldxb %r4, [%r2+1]\nadd %r0, %r4\nexit';
      const packet = Uint8Array.from([1, 2, 3, 4, 5]);
      for (const engine of ['interp', 'jit']) {
        const vm = new Vm({ engine });
        expect(vm.load(asm(src), { progType: 'xdp' }).run({ packet }).r0).toBe(5n + 2n);
      }
    });

    it('LD_ABS / LD_IND read big-endian and end with r0 = 0 out of bounds', () => {
      const mem = Uint8Array.from([0x11, 0x22, 0x33, 0x44, 0x55]);
      for (const src of ['ldabsh 1\nexit', 'ldabsw 2\nexit', 'mov %r2, 1\nldindb %r2, 3\nexit', 'mov %r0, 9\nldabsw 3\nmov %r0, 1\nexit']) {
        const [a, b] = both(asm(src), { mem });
        expect(b).toEqual(a);
      }
      expect(runProgram(asm('ldabsh 1\nexit'), { mem, engine: 'jit' }).r0).toBe(0x2233n);
      expect(runProgram(asm('mov %r0, 9\nldabsw 3\nmov %r0, 1\nexit'), { mem, engine: 'jit' })).toEqual({ r0: 0n, insnsExecuted: 2 });
    });
  });

  describe('calls', () => {
    it('callx calls the helper named by the register; unknown helpers fault alike', () => {
      for (const src of ['mov %r2, 5\ncall %r2\nmov %r0, 2\nexit', 'mov %r2, 9999\ncall %r2\nexit', 'call 9999\nexit']) {
        const [a, b] = both(asm(src));
        expect(b).toEqual(a);
      }
    });

    it('kfunc calls fault as unsupported at the same slot', () => {
      const prog = encodeInsns([{ code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, { code: 0x85, dst: 0, src: 2, off: 0, imm: 77 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]);
      const [a, b] = both(prog);
      expect(b).toEqual(a);
      expect((b as { code: string }).code).toBe('UNSUPPORTED');
    });

    it('falling off the end faults like the interpreter', () => {
      const [a, b] = both(asm('mov %r0, 1'));
      expect(b).toEqual(a);
    });
  });
});
