/** Every 16-bit code class: each backend implements a code exactly when the opcode table has it, or rejects it. */
import { describe, expect, it } from 'vitest';
import {
  cbpfOpcode, checkClassic, checkSeccompFilter, runCbpf, translateCbpf, disassembleCbpf, assembleCbpf, sockFilter as I, CCls, filterToHex,
} from '../../src/cbpf/index.js';
import { buildSeccompData } from '../../src/seccomp/index.js';
import { BpfError } from '../../src/errors.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';

const RET = I(CCls.RET, 0, 0, 0x7fff0000);
const codes = [...Array(256).keys(), 0x100, 0x106, 0x8006, 0xffff];

describe('all opcode bytes', () => {
  it.each(codes)('code %d', (code) => {
    const row = cbpfOpcode(code);
    // k = 4 keeps div/mod/shift/M[]/seccomp-load operands legal (ja: 1), jt = jf = 0 keeps jumps in range.
    const prog = [I(code, 0, 0, row?.kind === 'ja' ? 1 : 4), RET, RET];
    const memRead = row?.kind === 'ld_mem' || row?.kind === 'ldx_mem'; // M[4] is never written: check_load_and_stores
    const c = checkClassic(prog);
    expect(c.ok).toBe(row !== undefined && !memRead);
    if (row === undefined) {
      expect(c).toMatchObject({ pc: 0, errno: 'EINVAL' });
      expect(() => runCbpf(prog, { kind: 'packet', bytes: new Uint8Array(8) })).toThrow(BpfError);
      expect(() => translateCbpf(prog, 'packet')).toThrow(BpfError);
      expect(disassembleCbpf(prog)).toContain('.insn');
      expect(filterToHex(assembleCbpf(disassembleCbpf(prog)))).toBe(filterToHex(prog));
      return;
    }
    const s = checkSeccompFilter(prog);
    expect(s.ok).toBe(row.seccomp && !memRead);
    if (s.ok) {
      const ctx = { kind: 'seccomp' as const, data: buildSeccompData({ nr: 1, arch: 0xc000003e }) };
      expect(typeof runCbpf(prog, ctx)).toBe('number');
      expect(translateCbpf(prog, 'seccomp').insns.length).toBeGreaterThan(3);
    }
  });
});

describe.skipIf(!koracleAvailable())('all opcode bytes against the kernel (koracle seccomp-check)', () => {
  it('accepts exactly the codes checkSeccompFilter accepts', () => {
    const progs = codes.flatMap((code) => [0, 1, 4, 64].map((k) => [I(code, 0, 0, k), RET, RET]));
    const res = koracleBatch('seccomp-check', progs.map((p) => ({ prog: filterToHex(p) })));
    progs.forEach((p, i) => {
      expect({ hex: filterToHex(p), ok: res[i]!.status === 'accepted' }).toEqual({ hex: filterToHex(p), ok: checkSeccompFilter(p).ok });
    });
  });
});
