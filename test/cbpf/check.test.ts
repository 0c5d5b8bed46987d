import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CCls, CSize, CMode, CAluOp, CJmpOp, CSrc, CRval, CMiscOp, SKF_AD_OFF, SKF_AD, sockFilter as I, checkClassic,
  checkSeccompFilter, seccompRewrite, filterToHex, type SockFilter, SECCOMP_LD_ABS_CODE,
} from '../../src/cbpf/index.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { mutatedProgram, validProgram } from './gen.js';

const LD = CCls.LD, LDX = CCls.LDX, ALU = CCls.ALU, JMP = CCls.JMP, RET = CCls.RET;
const ret0 = I(RET, 0, 0, 0x7fff0000);
const retA = I(RET | CRval.A, 0, 0, 0);

/** [name, program, classic ok, seccomp ok, message fragment] — the kernel's outcome for each. */
type Row = [string, SockFilter[], boolean, boolean, string];
const rows: Row[] = [
  ['ret only', [ret0], true, true, 'accepted'],
  ['ret a only', [retA], true, true, 'accepted'],
  ['empty', [], false, false, 'empty'],
  ['last not ret', [I(LD, 0, 0, 0)], false, false, 'last instruction'],
  ['unknown opcode 0xff', [I(0xff, 0, 0, 0), ret0], false, false, 'opcode'],
  ['ret x (0x0e) is not allowed', [I(RET | CRval.X, 0, 0, 0)], false, false, 'opcode'],
  ['code above 0xff', [I(0x106, 0, 0, 0)], false, false, 'opcode'],
  ['div by constant 0', [I(ALU | CAluOp.DIV, 0, 0, 0), ret0], false, false, 'constant 0'],
  ['mod by constant 0', [I(ALU | CAluOp.MOD, 0, 0, 0), ret0], false, false, 'constant 0'],
  ['div by x is fine', [I(ALU | CAluOp.DIV | CSrc.X, 0, 0, 0), ret0], true, true, 'accepted'],
  ['mod by x not in seccomp', [I(ALU | CAluOp.MOD | CSrc.X, 0, 0, 0), ret0], true, false, 'not allowed in a seccomp'],
  ['lsh by 32', [I(ALU | CAluOp.LSH, 0, 0, 32), ret0], false, false, 'below 32'],
  ['rsh by 31', [I(ALU | CAluOp.RSH, 0, 0, 31), ret0], true, true, 'accepted'],
  ['M[16]', [I(CCls.ST, 0, 0, 16), ret0], false, false, 'out of range'],
  ['ld M[0] before write', [I(LD | CMode.MEM, 0, 0, 0), ret0], false, false, 'not written'],
  ['ldx M[3] after st', [I(CCls.ST, 0, 0, 3), I(LDX | CMode.MEM, 0, 0, 3), ret0], true, true, 'accepted'],
  ['M written on one branch only', [I(JMP | CJmpOp.JEQ, 0, 1, 0), I(CCls.ST, 0, 0, 1), I(LD | CMode.MEM, 0, 0, 1), ret0], false, false, 'not written'],
  ['M written on both branches', [I(JMP | CJmpOp.JEQ, 1, 0, 0), I(CCls.ST, 0, 0, 1), I(CCls.STX, 0, 0, 1), I(LD | CMode.MEM, 0, 0, 1), ret0], true, true, 'accepted'],
  ['fall through a ret keeps the mask (kernel quirk)', [I(CCls.ST, 0, 0, 2), ret0, I(LD | CMode.MEM, 0, 0, 2), ret0], true, true, 'accepted'],
  ['ja past end', [I(JMP, 0, 0, 1), ret0], false, false, 'jump out of range'],
  ['ja to last', [I(JMP, 0, 0, 1), ret0, ret0], true, true, 'accepted'],
  ['jeq jt past end', [I(JMP | CJmpOp.JEQ, 1, 0, 0), ret0], false, false, 'jump out of range'],
  ['jeq jf past end', [I(JMP | CJmpOp.JEQ, 0, 2, 0), ret0, ret0], false, false, 'jump out of range'],
  ['ldh [0] packet only', [I(LD | CSize.H | CMode.ABS, 0, 0, 0), ret0], true, false, 'not allowed in a seccomp'],
  ['ld [x+0] packet only', [I(LD | CMode.IND, 0, 0, 0), ret0], true, false, 'not allowed'],
  ['ldxb msh packet only', [I(LDX | CSize.B | CMode.MSH, 0, 0, 14), ret0], true, false, 'not allowed'],
  ['ld [60]', [I(LD | CMode.ABS, 0, 0, 60), ret0], true, true, 'accepted'],
  ['ld [64] outside seccomp_data', [I(LD | CMode.ABS, 0, 0, 64), ret0], true, false, 'outside struct seccomp_data'],
  ['ld [2] unaligned', [I(LD | CMode.ABS, 0, 0, 2), ret0], true, false, 'aligned'],
  ['ld #len', [I(LD | CSize.W | CMode.LEN, 0, 0, 0), ret0], true, true, 'accepted'],
  ['ancillary proto', [I(LD | CSize.H | CMode.ABS, 0, 0, SKF_AD_OFF + SKF_AD.proto), ret0], true, false, 'not allowed'],
  ['ancillary word in seccomp', [I(LD | CMode.ABS, 0, 0, SKF_AD_OFF + SKF_AD.cpu), ret0], true, false, 'outside'],
  ['unknown ancillary', [I(LD | CMode.ABS, 0, 0, SKF_AD_OFF + 64), ret0], false, false, 'ancillary'],
  ['tax/txa', [I(CCls.MISC | CMiscOp.TAX, 0, 0, 0), I(CCls.MISC | CMiscOp.TXA, 0, 0, 0), ret0], true, true, 'accepted'],
  ['neg', [I(ALU | CAluOp.NEG, 0, 0, 0), ret0], true, true, 'accepted'],
  ['4096 instructions', [...Array(4095).fill(I(LD, 0, 0, 0)), ret0], true, true, 'accepted'],
  ['4097 instructions', [...Array(4096).fill(I(LD, 0, 0, 0)), ret0], false, false, 'BPF_MAXINSNS'],
];

describe.each(rows)('%s', (_n, prog, classicOk, seccompOk, msg) => {
  it('matches the kernel decision', () => {
    expect(checkClassic(prog).ok).toBe(classicOk);
    const s = checkSeccompFilter(prog);
    expect(s.ok).toBe(seccompOk);
    expect(s.message).toContain(msg);
    if (!s.ok) expect(s.errno).toBe('EINVAL');
  });
});

describe('seccompRewrite', () => {
  it('rewrites word loads and len as seccomp_check_filter does', () => {
    const out = seccompRewrite([I(LD | CMode.ABS, 0, 0, 4), I(LD | CSize.W | CMode.LEN, 0, 0, 0), I(LDX | CSize.W | CMode.LEN, 0, 0, 0), ret0]);
    expect(out[0]).toEqual(I(SECCOMP_LD_ABS_CODE, 0, 0, 4));
    expect(out[1]).toEqual(I(LD | CMode.IMM, 0, 0, 64));
    expect(out[2]).toEqual(I(LDX | CMode.IMM, 0, 0, 64));
    expect(() => seccompRewrite([I(LD | CMode.ABS, 0, 0, 3), ret0])).toThrow(/pc 0: .*aligned/);
  });
  it('random valid programs pass both checks', () => {
    fc.assert(fc.property(validProgram('seccomp'), (p) => checkSeccompFilter(p).ok), { numRuns: 200 });
    fc.assert(fc.property(validProgram('packet'), (p) => checkClassic(p).ok), { numRuns: 200 });
  });
});

describe.skipIf(!koracleAvailable())('kernel-differential: seccomp_check_filter decisions (koracle seccomp-check)', () => {
  it('edge cases decide as in the kernel', () => {
    const cases = rows.filter(([, p]) => p.length > 0);
    const res = koracleBatch('seccomp-check', cases.map(([, p]) => ({ prog: filterToHex(p) })));
    cases.forEach(([name, p], i) => {
      expect({ name, accepted: res[i]!.status === 'accepted' }).toEqual({ name, accepted: checkSeccompFilter(p).ok });
    });
  });
  it('random and mutated filters decide as in the kernel', () => {
    const progs = [
      ...fc.sample(validProgram('seccomp'), { numRuns: 150, seed: 42 }),
      ...fc.sample(mutatedProgram('seccomp'), { numRuns: 250, seed: 43 }),
      ...fc.sample(mutatedProgram('packet'), { numRuns: 150, seed: 44 }),
    ].filter((p) => p.length > 0);
    const res = koracleBatch('seccomp-check', progs.map((p) => ({ prog: filterToHex(p) })));
    let accepted = 0;
    progs.forEach((p, i) => {
      const mine = checkSeccompFilter(p);
      if (mine.ok) accepted++;
      expect({ hex: filterToHex(p), accepted: res[i]!.status === 'accepted' }).toEqual({ hex: filterToHex(p), accepted: mine.ok });
    });
    // The sample must exercise both outcomes.
    expect(accepted).toBeGreaterThan(50);
    expect(progs.length - accepted).toBeGreaterThan(50);
  });
});
