/**
 * fast-check generators for classic programs, derived from the opcode table:
 * valid programs (socket-filter or seccomp context) and mutated ones.
 */
import fc from 'fast-check';
import {
  CBPF_OPCODES, CAluOp, CCls, CMode, CRval, SKF_AD, SKF_AD_OFF, SKF_NET_OFF, checkClassic, checkSeccompFilter,
  sockFilter, type CbpfOpcodeRow, type SockFilter,
} from '../../src/cbpf/index.js';

export type Ctx = 'packet' | 'seccomp';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const interesting = fc.oneof(
  u32,
  fc.constantFrom(0, 1, 2, 3, 4, 7, 8, 31, 32, 0x7fffffff, 0x80000000, 0xffffffff, 0xc000003e, 0x40000003, 0x7fff0000, 0x50001),
  fc.integer({ min: 0, max: 64 }),
);

function rowsFor(ctx: Ctx): CbpfOpcodeRow[] {
  return ctx === 'seccomp' ? CBPF_OPCODES.filter((r) => r.seccomp) : [...CBPF_OPCODES];
}

/** k for a row at pc of an n-instruction program. */
function kFor(row: CbpfOpcodeRow, ctx: Ctx, pc: number, n: number): fc.Arbitrary<number> {
  switch (row.kind) {
    case 'ld_abs':
      if (ctx === 'seccomp') return fc.integer({ min: 0, max: 15 }).map((i) => i * 4);
      return fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }) },
        { weight: 1, arbitrary: fc.constantFrom(...[...Object.values(SKF_AD)].filter((v) => v !== SKF_AD.nla && v !== SKF_AD.nlan)).map((v) => (SKF_AD_OFF + v) >>> 0) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 20 }).map((v) => (SKF_NET_OFF + v) >>> 0) },
      );
    case 'ld_ind': return fc.oneof(fc.integer({ min: 0, max: 40 }), u32);
    case 'ldx_msh': return fc.integer({ min: 0, max: 40 });
    case 'ld_mem': case 'ldx_mem': case 'st': case 'stx': return fc.integer({ min: 0, max: 15 });
    case 'ja': return fc.integer({ min: 0, max: Math.max(0, n - pc - 2) });
    case 'alu':
      if (row.src === 'K' && (row.op === CAluOp.DIV || row.op === CAluOp.MOD)) return interesting.map((v) => v || 1);
      if (row.src === 'K' && (row.op === CAluOp.LSH || row.op === CAluOp.RSH)) return fc.integer({ min: 0, max: 31 });
      return interesting;
    default: return interesting;
  }
}

function insnArb(ctx: Ctx, pc: number, n: number): fc.Arbitrary<SockFilter> {
  const rows = rowsFor(ctx);
  const rets = rows.filter((r) => r.kind === 'ret_k' || r.kind === 'ret_a');
  const body = rows.filter((r) => r.kind !== 'ret_k' && r.kind !== 'ret_a');
  const rowArb = pc === n - 1
    ? fc.constantFrom(...rets)
    : fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...body) }, { weight: 1, arbitrary: fc.constantFrom(...rets) });
  const maxJ = Math.min(255, Math.max(0, n - pc - 2));
  return rowArb.chain((row) => fc.tuple(
    fc.constant(row), kFor(row, ctx, pc, n),
    row.kind === 'jcond' ? fc.integer({ min: 0, max: maxJ }) : fc.constant(0),
    row.kind === 'jcond' ? fc.integer({ min: 0, max: maxJ }) : fc.constant(0),
  )).map(([row, k, jt, jf]) => {
    if (row.kind === 'ret_k' && ctx === 'seccomp') return sockFilter(row.code, 0, 0, k);
    return sockFilter(row.code, jt, jf, k);
  });
}

/** Replaces M[] reads the kernel would reject by stores, until the checker accepts. */
export function fixup(prog: SockFilter[], ctx: Ctx): SockFilter[] | undefined {
  for (let i = 0; i < 64; i++) {
    const c = ctx === 'seccomp' ? checkSeccompFilter(prog) : checkClassic(prog);
    if (c.ok) return prog;
    if (c.pc === undefined || !/scratch memory M\[/.test(c.message)) return undefined;
    const f = prog[c.pc]!;
    prog[c.pc] = sockFilter(f.code === (CCls.LD | CMode.MEM) ? CCls.ST : CCls.STX, 0, 0, f.k);
  }
  return undefined;
}

/** Valid classic programs for `ctx` (accepted by the checker). */
export function validProgram(ctx: Ctx, maxLen = 24): fc.Arbitrary<SockFilter[]> {
  return fc.integer({ min: 1, max: maxLen }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, pc) => insnArb(ctx, pc, n))))
    .map((p) => fixup([...p], ctx))
    .filter((p): p is SockFilter[] => p !== undefined);
}

/** Programs near the validity boundary: valid ones with one or two fields mutated. */
export function mutatedProgram(ctx: Ctx): fc.Arbitrary<SockFilter[]> {
  const mut = fc.record({
    idx: fc.nat(),
    field: fc.constantFrom('code', 'jt', 'jf', 'k', 'drop', 'retx'),
    value: fc.oneof(fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xffff }), u32, fc.constantFrom(0, 16, 32, 64, 60, 62, 0xfffff000, 0xfffff038, 0xfffff040)),
  });
  return fc.tuple(validProgram(ctx, 12), fc.array(mut, { minLength: 1, maxLength: 2 })).map(([p, ms]) => {
    const out = p.map((f) => ({ ...f }));
    for (const m of ms) {
      const i = m.idx % out.length;
      const f = out[i]!;
      switch (m.field) {
        case 'code': f.code = m.value & 0xffff; break;
        case 'jt': f.jt = m.value & 0xff; break;
        case 'jf': f.jf = m.value & 0xff; break;
        case 'k': f.k = m.value >>> 0; break;
        case 'drop': if (out.length > 1) out.splice(i, 1); break;
        case 'retx': out[out.length - 1] = sockFilter(CCls.RET | CRval.A, 0, 0, 0); break;
      }
    }
    return out;
  });
}
