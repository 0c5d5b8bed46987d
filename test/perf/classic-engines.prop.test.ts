/**
 * Differential tests of the classic seccomp engines: the general classic
 * interpreter on seccomp_data bytes (the reference), its word-level fast path
 * (runSeccompWords) and the classic-to-JavaScript compiler must return the
 * same value — or, where the interpreter faults, fall back and fault the same
 * way — for random valid filters, mutated filters and the compiled forms of
 * the default profile.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  CbpfProgram, prepareSeccompFast, runCbpf, runSeccompWords, sockFilter, CCls, CMode, CSize,
  CRval, type SockFilter,
} from '../../src/cbpf/index.js';
import { buildSeccompData } from '../../src/seccomp/data.js';
import {
  ClassicRunner, CLASSIC_ENGINES, compileClassic, compileClassicJs, classicJsSource, defaultProfile, profileToPolicy,
  fillSeccompWords, seccompDataFor, syscallsOf, AUDIT_ARCH, type SyscallCall,
} from '../../src/seccomp/index.js';
import { validProgram, mutatedProgram } from '../cbpf/gen.js';

const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.constantFrom(0n, 1n, 0xffffffffn, 0x100000000n, (1n << 63n), (1n << 64n) - 1n, -1n, -0x80000000n, 1n << 70n),
  fc.bigInt({ min: 0n, max: 70000n }),
);
const ARCHES = [AUDIT_ARCH.X86_64, AUDIT_ARCH.I386, AUDIT_ARCH.AARCH64, AUDIT_ARCH.S390X, 0x12345678, 0xc000003e];
const callArb: fc.Arbitrary<SyscallCall> = fc.record({
  nr: fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: -1, max: 0x7fffffff }), fc.constant(0x40000000 + 1)),
  arch: fc.constantFrom(...ARCHES),
  args: fc.array(u64, { minLength: 0, maxLength: 6 }),
  ip: u64,
});

/** Result or thrown error text of `f`. */
function outcome(f: () => number): string {
  try {
    return `ok 0x${(f() >>> 0).toString(16)}`;
  } catch (e) {
    return `throws ${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

function runners(filter: SockFilter[]): Map<string, ClassicRunner | string> {
  const m = new Map<string, ClassicRunner | string>();
  for (const engine of CLASSIC_ENGINES) {
    try {
      m.set(engine, new ClassicRunner(filter, { engine }));
    } catch (e) {
      m.set(engine, `ctor throws ${(e as Error).message}`);
    }
  }
  return m;
}

function expectEnginesAgree(filter: SockFilter[], calls: SyscallCall[]): void {
  const rs = runners(filter);
  const ref = rs.get('interp')!;
  for (const [engine, r] of rs) {
    if (typeof ref === 'string' || typeof r === 'string') { expect(r, engine).toEqual(ref); continue; }
    for (const c of calls) expect(outcome(() => r.run(c)), `${engine} ${String(c.nr)}`).toBe(outcome(() => ref.run(c)));
  }
}

describe('classic engines agree with the interpreter', () => {
  it('valid seccomp filters (fast path and JS are used, never fall back)', () => {
    fc.assert(fc.property(validProgram('seccomp', 40), fc.array(callArb, { minLength: 1, maxLength: 8 }), (filter, calls) => {
      const prog = new CbpfProgram(filter);
      const fast = prepareSeccompFast(prog);
      expect(fast).toBeDefined();
      const js = compileClassicJs(prog)!;
      expect(js).toBeDefined();
      const w = new Uint32Array(16);
      for (const c of calls) {
        const want = runCbpf(prog, { kind: 'seccomp', data: seccompDataFor(c) });
        fillSeccompWords(c, w);
        expect(runSeccompWords(fast!, w)).toBe(want);
        expect(js.run(new Int32Array(w.buffer))).toBe(want);
      }
      expect(new ClassicRunner(filter, { engine: 'js' }).engine).toBe('js');
      expectEnginesAgree(filter, calls);
    }), { numRuns: 300 });
  });

  it('filters with every classic ALU/jump/memory op (MOD included) in the seccomp context, faults included', () => {
    fc.assert(fc.property(validProgram('packet', 30), fc.array(callArb, { minLength: 1, maxLength: 6 }), (filter, calls) => {
      expectEnginesAgree(filter, calls);
    }), { numRuns: 200 });
  });

  it('mutated filters: same values, same faults, same constructor errors', () => {
    fc.assert(fc.property(mutatedProgram('seccomp'), fc.array(callArb, { minLength: 1, maxLength: 4 }), (filter, calls) => {
      expectEnginesAgree(filter, calls);
    }), { numRuns: 300 });
  });

  it('the word view equals the byte layout of seccompDataFor (little- and big-endian ABIs)', () => {
    fc.assert(fc.property(callArb, (c) => {
      const bytes = seccompDataFor(c);
      const dv = new DataView(bytes.buffer);
      const w = new Uint32Array(16);
      fillSeccompWords(c, w);
      for (let i = 0; i < 16; i++) expect(w[i]).toBe(dv.getUint32(4 * i, true));
    }), { numRuns: 300 });
  });
});

describe('engines on fixed filters', () => {
  it('division and modulo by X = 0 return 0; M[] is zeroed between runs', () => {
    const f = [
      sockFilter(CCls.LD | CSize.W | CMode.ABS, 0, 0, 16),
      sockFilter(CCls.MISC, 0, 0, 0), // tax
      sockFilter(CCls.LD | CMode.MEM, 0, 0, 3), // A = M[3] (0 on every run)
      sockFilter(CCls.ALU | 0x30 | 0x08, 0, 0, 0), // A /= X
      sockFilter(CCls.ST, 0, 0, 3),
      sockFilter(CCls.RET | CRval.A, 0, 0, 0),
    ];
    for (const engine of CLASSIC_ENGINES) {
      const r = new ClassicRunner(f, { engine });
      expect(r.run({ nr: 0, arch: AUDIT_ARCH.X86_64, args: [0n] }), engine).toBe(0);
      expect(r.run({ nr: 0, arch: AUDIT_ARCH.X86_64, args: [5n] }), engine).toBe(0);
    }
    // the checker rejects this (M[3] read before write), so it only runs through runCbpf; still equal:
    expect(runCbpf(f, { kind: 'seccomp', data: buildSeccompData({ nr: 0, arch: AUDIT_ARCH.X86_64, args: [5n] }) })).toBe(0);
  });

  it('a packet-only load makes fast and js fall back to the interpreter (which faults when it is reached)', () => {
    const f = [sockFilter(CCls.LD | CSize.H | CMode.ABS, 0, 0, 0), sockFilter(CCls.RET | CRval.A, 0, 0, 0)];
    expect(prepareSeccompFast(new CbpfProgram(f))).toBeUndefined();
    expect(compileClassicJs(f)).toBeUndefined();
    for (const engine of CLASSIC_ENGINES) {
      const r = new ClassicRunner(f, { engine });
      expect(r.engine).toBe('interp');
      expect(() => r.run({ nr: 0, arch: AUDIT_ARCH.X86_64 })).toThrow(/not allowed in a seccomp filter/);
    }
  });

  it.each(['linear', 'tree'] as const)('default profile, %s form: all engines agree on every x86_64 nr', (form) => {
    const policy = profileToPolicy(defaultProfile(), { arch: 'x86_64', kernel: '6.1', caps: [] });
    const filter = compileClassic(policy, form);
    const rs = CLASSIC_ENGINES.map((engine) => new ClassicRunner(filter, { engine }));
    expect(rs.map((r) => r.engine)).toEqual(['interp', 'fast', 'js']);
    const vals = [0n, 1n, 8n, 0x20000n, 0x7e020000n, 0xffffffffn, 1n << 32n, (1n << 64n) - 1n];
    let n = 0;
    for (const arch of [AUDIT_ARCH.X86_64, AUDIT_ARCH.I386, AUDIT_ARCH.AARCH64]) {
      for (let nr = -1; nr < 600; nr++) {
        for (const a of vals) {
          const call = { nr: nr === 599 ? 0x40000000 | 1 : nr, arch, args: [a, a >> 1n, a] };
          const want = rs[0]!.run(call);
          expect(rs[1]!.run(call)).toBe(want);
          expect(rs[2]!.run(call)).toBe(want);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(10_000);
    expect(syscallsOf('x86_64').length).toBeGreaterThan(300);
  });

  it('generated source splices only numbers and fixed fragments', () => {
    const policy = profileToPolicy(defaultProfile(), { arch: 'x86_64', kernel: '6.1', caps: [] });
    const g = classicJsSource(compileClassic(policy, 'linear'))!;
    // every identifier in the source comes from a fixed set
    const ids = new Set(g.source.match(/[A-Za-z_][A-Za-z0-9_]*/g));
    const allowed = new Set(['use', 'strict', 'return', 'function', 'classicSeccompFilter', 'w', 'let', 'A', 'X', 'pc', 'for',
      'switch', 'case', 'if', 'continue', 'default', 'throw', 'new', 'Error', 'classic', 'js', 'bad', 'Math', 'imul',
      ...Array.from({ length: 16 }, (_, i) => `m${i}`)]);
    for (const id of ids) expect(allowed.has(id), id).toBe(true);
    expect(g.wordsRead & 3).toBe(3);
  });
});
