/**
 * The classic BPF opcode table (`struct sock_filter` codes, include/uapi/linux/filter.h
 * and bpf_common.h; the whitelist of net/core/filter.c `chk_code_allowed` and the
 * seccomp subset of kernel/seccomp.c `seccomp_check_filter`).
 *
 * One row per opcode the kernel accepts. The checker, interpreter, translator,
 * assembler and disassembler all derive from {@link CBPF_OPCODES}.
 *
 * ```
 *   16-bit code (only the low 8 bits are used):
 *   LD/LDX/ST/STX            ALU/JMP                RET            MISC
 *   +------+----+-----+      +------+---+-----+     +----+--+-----+ +------+---+-----+
 *   |mode:3|sz:2|cls:3|      | op:4 |s:1|cls:3|     |  rval:2|cls:3| |miscop:5 |cls:3|
 *   +------+----+-----+      +------+---+-----+     +----+--+-----+ +------+---+-----+
 * ```
 */

/** Classic instruction classes (low 3 bits). */
export const CCls = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, RET: 0x06, MISC: 0x07 } as const;
/** Size field of LD/LDX. */
export const CSize = { W: 0x00, H: 0x08, B: 0x10 } as const;
/** Mode field of LD/LDX. */
export const CMode = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, LEN: 0x80, MSH: 0xa0 } as const;
/** ALU operations. */
export const CAluOp = {
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, NEG: 0x80, MOD: 0x90, XOR: 0xa0,
} as const;
/** Jump operations. */
export const CJmpOp = { JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40 } as const;
/** Source bit of ALU/JMP. */
export const CSrc = { K: 0x00, X: 0x08 } as const;
/** Return-value field of RET. */
export const CRval = { K: 0x00, X: 0x08, A: 0x10 } as const;
/** MISC operations. */
export const CMiscOp = { TAX: 0x00, TXA: 0x80 } as const;

/** Number of scratch memory words M[] (BPF_MEMWORDS). */
export const BPF_MEMWORDS = 16;
/** Maximum classic program length (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;

/** Ancillary-data load base (SKF_AD_OFF) and the ancillary codes (SKF_AD_*), include/uapi/linux/filter.h. */
export const SKF_AD_OFF = -0x1000;
/** Network-header-relative load base (SKF_NET_OFF). */
export const SKF_NET_OFF = -0x100000;
/** Link-layer-header-relative load base (SKF_LL_OFF). */
export const SKF_LL_OFF = -0x200000;
/** SKF_AD_* codes by bpf_asm keyword (the `ld #proto` spellings of tools/bpf/bpf_exp.l). */
export const SKF_AD = {
  proto: 0, type: 4, ifidx: 8, nla: 12, nlan: 16, mark: 20, queue: 24, hatype: 28, rxhash: 32, cpu: 36,
  xor_x: 40, vlan_tci: 44, vlan_avail: 48, poff: 52, rand: 56, vlan_tpid: 60,
} as const;
/** Ancillary keyword by SKF_AD_* code. */
export const SKF_AD_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(SKF_AD).map(([n, v]) => [v, n]));

/** What an instruction does (interpreter dispatch key). */
export type CKind =
  | 'ld_imm' | 'ld_abs' | 'ld_ind' | 'ld_mem' | 'ld_len'
  | 'ldx_imm' | 'ldx_mem' | 'ldx_len' | 'ldx_msh'
  | 'st' | 'stx' | 'alu' | 'neg' | 'ja' | 'jcond' | 'ret_k' | 'ret_a' | 'tax' | 'txa';

/** One classic opcode. */
export interface CbpfOpcodeRow {
  /** The 16-bit `code`. */
  readonly code: number;
  /** Kernel spelling, e.g. `BPF_LD|BPF_H|BPF_ABS`. */
  readonly name: string;
  /** bpf_asm mnemonic (tools/bpf/bpf_exp.l): `ldh`, `ldxb`, `jeq`, `ret`, ... */
  readonly mnemonic: string;
  readonly kind: CKind;
  readonly cls: number;
  /** Load size in bytes for ABS/IND/MSH loads (4 for the other W-sized loads). */
  readonly size: 1 | 2 | 4 | 0;
  /** ALU or JMP operation bits (0 otherwise). */
  readonly op: number;
  /** Operand source: K, X (ALU/JMP), A (RET A), or none. */
  readonly src: 'K' | 'X' | 'A' | '';
  /** Accepted by kernel/seccomp.c seccomp_check_filter. */
  readonly seccomp: boolean;
}

const ALU_NAMES: Record<number, string> = {
  [CAluOp.ADD]: 'add', [CAluOp.SUB]: 'sub', [CAluOp.MUL]: 'mul', [CAluOp.DIV]: 'div', [CAluOp.OR]: 'or',
  [CAluOp.AND]: 'and', [CAluOp.LSH]: 'lsh', [CAluOp.RSH]: 'rsh', [CAluOp.MOD]: 'mod', [CAluOp.XOR]: 'xor',
};
const JMP_NAMES: Record<number, string> = { [CJmpOp.JEQ]: 'jeq', [CJmpOp.JGT]: 'jgt', [CJmpOp.JGE]: 'jge', [CJmpOp.JSET]: 'jset' };
const SIZE_SUFFIX: Record<number, string> = { [CSize.W]: '', [CSize.H]: 'h', [CSize.B]: 'b' };
const SIZE_BYTES: Record<number, 1 | 2 | 4> = { [CSize.W]: 4, [CSize.H]: 2, [CSize.B]: 1 };
const SIZE_NAME: Record<number, string> = { [CSize.W]: 'BPF_W', [CSize.H]: 'BPF_H', [CSize.B]: 'BPF_B' };
const UP = (s: string) => 'BPF_' + s.toUpperCase();

function buildTable(): CbpfOpcodeRow[] {
  const rows: CbpfOpcodeRow[] = [];
  const add = (r: CbpfOpcodeRow) => rows.push(r);
  // ALU: all ops except NEG with K and X; MOD is not allowed by seccomp.
  for (const [opS, name] of Object.entries(ALU_NAMES)) {
    const op = Number(opS);
    for (const src of ['K', 'X'] as const) {
      add({
        code: CCls.ALU | op | CSrc[src], name: `BPF_ALU|${UP(name)}|BPF_${src}`, mnemonic: name, kind: 'alu', cls: CCls.ALU,
        size: 0, op, src, seccomp: op !== CAluOp.MOD,
      });
    }
  }
  add({ code: CCls.ALU | CAluOp.NEG, name: 'BPF_ALU|BPF_NEG', mnemonic: 'neg', kind: 'neg', cls: CCls.ALU, size: 0, op: CAluOp.NEG, src: '', seccomp: true });
  // LD
  for (const sz of [CSize.W, CSize.H, CSize.B]) {
    add({ code: CCls.LD | sz | CMode.ABS, name: `BPF_LD|${SIZE_NAME[sz]}|BPF_ABS`, mnemonic: 'ld' + SIZE_SUFFIX[sz], kind: 'ld_abs', cls: CCls.LD, size: SIZE_BYTES[sz]!, op: 0, src: '', seccomp: sz === CSize.W });
  }
  for (const sz of [CSize.W, CSize.H, CSize.B]) {
    add({ code: CCls.LD | sz | CMode.IND, name: `BPF_LD|${SIZE_NAME[sz]}|BPF_IND`, mnemonic: 'ld' + SIZE_SUFFIX[sz], kind: 'ld_ind', cls: CCls.LD, size: SIZE_BYTES[sz]!, op: 0, src: '', seccomp: false });
  }
  add({ code: CCls.LD | CSize.W | CMode.LEN, name: 'BPF_LD|BPF_W|BPF_LEN', mnemonic: 'ld', kind: 'ld_len', cls: CCls.LD, size: 4, op: 0, src: '', seccomp: true });
  add({ code: CCls.LD | CMode.IMM, name: 'BPF_LD|BPF_IMM', mnemonic: 'ld', kind: 'ld_imm', cls: CCls.LD, size: 4, op: 0, src: '', seccomp: true });
  add({ code: CCls.LD | CMode.MEM, name: 'BPF_LD|BPF_MEM', mnemonic: 'ld', kind: 'ld_mem', cls: CCls.LD, size: 4, op: 0, src: '', seccomp: true });
  // LDX
  add({ code: CCls.LDX | CSize.W | CMode.LEN, name: 'BPF_LDX|BPF_W|BPF_LEN', mnemonic: 'ldx', kind: 'ldx_len', cls: CCls.LDX, size: 4, op: 0, src: '', seccomp: true });
  add({ code: CCls.LDX | CSize.B | CMode.MSH, name: 'BPF_LDX|BPF_B|BPF_MSH', mnemonic: 'ldxb', kind: 'ldx_msh', cls: CCls.LDX, size: 1, op: 0, src: '', seccomp: false });
  add({ code: CCls.LDX | CMode.IMM, name: 'BPF_LDX|BPF_IMM', mnemonic: 'ldx', kind: 'ldx_imm', cls: CCls.LDX, size: 4, op: 0, src: '', seccomp: true });
  add({ code: CCls.LDX | CMode.MEM, name: 'BPF_LDX|BPF_MEM', mnemonic: 'ldx', kind: 'ldx_mem', cls: CCls.LDX, size: 4, op: 0, src: '', seccomp: true });
  // ST/STX
  add({ code: CCls.ST, name: 'BPF_ST', mnemonic: 'st', kind: 'st', cls: CCls.ST, size: 4, op: 0, src: '', seccomp: true });
  add({ code: CCls.STX, name: 'BPF_STX', mnemonic: 'stx', kind: 'stx', cls: CCls.STX, size: 4, op: 0, src: '', seccomp: true });
  // MISC
  add({ code: CCls.MISC | CMiscOp.TAX, name: 'BPF_MISC|BPF_TAX', mnemonic: 'tax', kind: 'tax', cls: CCls.MISC, size: 0, op: 0, src: '', seccomp: true });
  add({ code: CCls.MISC | CMiscOp.TXA, name: 'BPF_MISC|BPF_TXA', mnemonic: 'txa', kind: 'txa', cls: CCls.MISC, size: 0, op: 0, src: '', seccomp: true });
  // RET
  add({ code: CCls.RET | CRval.K, name: 'BPF_RET|BPF_K', mnemonic: 'ret', kind: 'ret_k', cls: CCls.RET, size: 0, op: 0, src: 'K', seccomp: true });
  add({ code: CCls.RET | CRval.A, name: 'BPF_RET|BPF_A', mnemonic: 'ret', kind: 'ret_a', cls: CCls.RET, size: 0, op: 0, src: 'A', seccomp: true });
  // JMP
  add({ code: CCls.JMP | CJmpOp.JA, name: 'BPF_JMP|BPF_JA', mnemonic: 'ja', kind: 'ja', cls: CCls.JMP, size: 0, op: CJmpOp.JA, src: '', seccomp: true });
  for (const [opS, name] of Object.entries(JMP_NAMES)) {
    const op = Number(opS);
    for (const src of ['K', 'X'] as const) {
      add({ code: CCls.JMP | op | CSrc[src], name: `BPF_JMP|${UP(name)}|BPF_${src}`, mnemonic: name, kind: 'jcond', cls: CCls.JMP, size: 0, op, src, seccomp: true });
    }
  }
  return rows.sort((a, b) => a.code - b.code);
}

/** Every opcode the kernel accepts in a classic program (chk_code_allowed), sorted by code. */
export const CBPF_OPCODES: readonly CbpfOpcodeRow[] = Object.freeze(buildTable());

const BY_CODE: (CbpfOpcodeRow | undefined)[] = (() => {
  const t: (CbpfOpcodeRow | undefined)[] = new Array(256).fill(undefined);
  for (const r of CBPF_OPCODES) t[r.code] = r;
  return t;
})();

/** The row of a 16-bit code, or undefined when the kernel rejects the code. */
export function cbpfOpcode(code: number): CbpfOpcodeRow | undefined {
  return code >= 0 && code < 256 ? BY_CODE[code] : undefined;
}

/**
 * The internal code seccomp_check_filter rewrites `BPF_LD|BPF_W|BPF_ABS` to
 * (`BPF_LDX|BPF_W|BPF_ABS`), which bpf_convert_filter maps to a seccomp_data load.
 */
export const SECCOMP_LD_ABS_CODE = CCls.LDX | CSize.W | CMode.ABS;

/**
 * sizeof(struct seccomp_data) in bytes (include/uapi/linux/seccomp.h): the
 * bound of a seccomp filter's `ld [k]` and its value of `len`. The layout
 * itself is src/seccomp/data.ts, which re-exports this constant.
 */
export const SECCOMP_DATA_SIZE = 64;
