/**
 * The eBPF opcode table (RFC 9669 §3–§5, plus what Linux 6.18 accepts beyond
 * it: load-acquire / store-release, callx, gotol).
 *
 * One row per instruction variant. Decoder, encoder, assembler, disassembler,
 * interpreter dispatch, JIT and verifier all derive from this table.
 *
 * Opcode byte layout (RFC 9669 §3):
 *
 * ```
 *   ALU / JMP classes            LD / ST classes
 *   +------+---+-----+           +------+----+-----+
 *   | op:4 |s:1|cls:3|           |mode:3|sz:2|cls:3|
 *   +------+---+-----+           +------+----+-----+
 *    7    4  3  2   0             7    5 4  3 2   0
 * ```
 *
 * Some opcodes have variants chosen by another field: `off` for signed
 * division/modulo (off = 1) and sign-extending moves (off = 8/16/32), `imm`
 * for byte swaps (16/32/64) and atomics (the atomic operation), `src` for
 * `call` (helper, bpf-to-bpf, kfunc) and `ld_imm64` (plain, map fd, ...).
 */

/** Instruction classes (low 3 bits). */
export const Cls = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  JMP32: 0x06,
  ALU64: 0x07,
} as const;

/** Source bit of ALU / JMP opcodes. */
export const Src = { K: 0x00, X: 0x08 } as const;

/** Size field of load/store opcodes. */
export const Size = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;

/** Mode field of load/store opcodes. */
export const Mode = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0 } as const;

/** ALU operation codes (high 4 bits). */
export const AluOp = {
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70,
  NEG: 0x80, MOD: 0x90, XOR: 0xa0, MOV: 0xb0, ARSH: 0xc0, END: 0xd0,
} as const;

/** Jump operation codes (high 4 bits). */
export const JmpOp = {
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40, JNE: 0x50, JSGT: 0x60, JSGE: 0x70,
  CALL: 0x80, EXIT: 0x90, JLT: 0xa0, JLE: 0xb0, JSLT: 0xc0, JSLE: 0xd0,
} as const;

/** Atomic operations (the `imm` of STX|ATOMIC). */
export const AtomicOp = {
  ADD: 0x00, OR: 0x40, AND: 0x50, XOR: 0xa0,
  FETCH: 0x01,
  XCHG: 0xe0 | 0x01,
  CMPXCHG: 0xf0 | 0x01,
  LOAD_ACQ: 0x100,
  STORE_REL: 0x110,
} as const;

/** `src` values of ld_imm64 (RFC 9669 §5.4, Linux uapi BPF_PSEUDO_*). */
export const PseudoSrc = {
  IMM: 0,
  MAP_FD: 1,
  MAP_VALUE: 2,
  BTF_ID: 3,
  FUNC: 4,
  MAP_IDX: 5,
  MAP_IDX_VALUE: 6,
} as const;

/** `src` values of call. */
export const CallSrc = { HELPER: 0, PSEUDO_CALL: 1, KFUNC: 2 } as const;

/** The conformance groups of RFC 9669 §2.4. */
export type ConformanceGroup =
  | 'base32' | 'base64' | 'atomic32' | 'atomic64' | 'divmul32' | 'divmul64' | 'packet' | 'linux';

/**
 * What an instruction does, coarse enough for a backend's dispatch:
 * - `alu`: ALU / ALU64 (op in {@link OpcodeRow.op}); `neg`, `end` (byte swaps) and `movsx` are kinds of their own.
 * - `ja`, `jcond`, `call`, `callx`, `exit`.
 * - `lddw`, `ldabs`, `ldind`, `ldx`, `ldxsx`, `st`, `stx`, `atomic`.
 */
export type OpKind =
  | 'alu' | 'neg' | 'end' | 'movsx'
  | 'ja' | 'jcond' | 'call' | 'callx' | 'exit'
  | 'lddw' | 'ldabs' | 'ldind' | 'ldx' | 'ldxsx' | 'st' | 'stx' | 'atomic';

/** One row of the opcode table. */
export interface OpcodeRow {
  /** The opcode byte. */
  readonly code: number;
  /** The variant discriminator, when the opcode byte alone does not decide. */
  readonly variant?: { readonly field: 'off' | 'imm'; readonly value: number };
  /** Mnemonic in the bpf_conformance / uBPF assembler syntax (`add32`, `ldxw`, `lock add`...). */
  readonly mnemonic: string;
  /** The instruction class (low 3 bits). */
  readonly cls: number;
  /** What the instruction does. */
  readonly kind: OpKind;
  /** ALU / JMP operation (high 4 bits), or the atomic operation for `atomic`. */
  readonly op: number;
  /** Source form of ALU / JMP instructions: 'K' (imm) or 'X' (src register). */
  readonly source: 'K' | 'X' | undefined;
  /** Operation width in bits: 32 or 64 for ALU/JMP; the memory access width for loads/stores/swaps. */
  readonly width: 8 | 16 | 32 | 64;
  /** True for 64-bit ALU / JMP (ALU64, JMP classes). */
  readonly is64: boolean;
  /** Instruction slots (2 for ld_imm64). */
  readonly slots: 1 | 2;
  /** RFC 9669 conformance group; 'linux' for Linux extensions beyond RFC 9669. */
  readonly group: ConformanceGroup;
}

const rows: OpcodeRow[] = [];

function add(r: Omit<OpcodeRow, 'slots'> & { slots?: 1 | 2 }): void {
  rows.push({ slots: 1, ...r });
}

const ALU_NAMES: ReadonlyArray<[number, string]> = [
  [AluOp.ADD, 'add'], [AluOp.SUB, 'sub'], [AluOp.MUL, 'mul'], [AluOp.DIV, 'div'],
  [AluOp.OR, 'or'], [AluOp.AND, 'and'], [AluOp.LSH, 'lsh'], [AluOp.RSH, 'rsh'],
  [AluOp.MOD, 'mod'], [AluOp.XOR, 'xor'], [AluOp.MOV, 'mov'], [AluOp.ARSH, 'arsh'],
];

for (const is64 of [false, true]) {
  const cls = is64 ? Cls.ALU64 : Cls.ALU;
  const sfx = is64 ? '' : '32';
  const bits = is64 ? 64 : 32;
  const baseGroup = is64 ? 'base64' : 'base32';
  const dmGroup = is64 ? 'divmul64' : 'divmul32';
  for (const [op, name] of ALU_NAMES) {
    for (const source of ['K', 'X'] as const) {
      const code = op | (source === 'X' ? Src.X : Src.K) | cls;
      const isDm = op === AluOp.MUL || op === AluOp.DIV || op === AluOp.MOD;
      const group = isDm ? dmGroup : baseGroup;
      if (op === AluOp.DIV || op === AluOp.MOD) {
        add({ code, variant: { field: 'off', value: 0 }, mnemonic: name + sfx, cls, kind: 'alu', op, source, width: bits, is64, group });
        add({ code, variant: { field: 'off', value: 1 }, mnemonic: 's' + name + sfx, cls, kind: 'alu', op, source, width: bits, is64, group });
      } else if (op === AluOp.MOV && source === 'X') {
        add({ code, variant: { field: 'off', value: 0 }, mnemonic: name + sfx, cls, kind: 'alu', op, source, width: bits, is64, group });
        for (const w of is64 ? ([8, 16, 32] as const) : ([8, 16] as const)) {
          add({ code, variant: { field: 'off', value: w }, mnemonic: `movsx${w}${bits}`, cls, kind: 'movsx', op, source, width: w, is64, group });
        }
      } else {
        add({ code, mnemonic: name + sfx, cls, kind: 'alu', op, source, width: bits, is64, group });
      }
    }
  }
  add({ code: AluOp.NEG | Src.K | cls, mnemonic: 'neg' + sfx, cls, kind: 'neg', op: AluOp.NEG, source: 'K', width: bits, is64, group: baseGroup });
}

// Byte swaps: ALU|END|K = to little endian (le), ALU|END|X = to big endian (be), ALU64|END|K = bswap.
for (const w of [16, 32, 64] as const) {
  add({ code: AluOp.END | Src.K | Cls.ALU, variant: { field: 'imm', value: w }, mnemonic: `le${w}`, cls: Cls.ALU, kind: 'end', op: AluOp.END, source: 'K', width: w, is64: false, group: 'base32' });
  add({ code: AluOp.END | Src.X | Cls.ALU, variant: { field: 'imm', value: w }, mnemonic: `be${w}`, cls: Cls.ALU, kind: 'end', op: AluOp.END, source: 'X', width: w, is64: false, group: 'base32' });
  add({ code: AluOp.END | Src.K | Cls.ALU64, variant: { field: 'imm', value: w }, mnemonic: `bswap${w}`, cls: Cls.ALU64, kind: 'end', op: AluOp.END, source: 'K', width: w, is64: true, group: 'base64' });
}

const JMP_NAMES: ReadonlyArray<[number, string]> = [
  [JmpOp.JEQ, 'jeq'], [JmpOp.JGT, 'jgt'], [JmpOp.JGE, 'jge'], [JmpOp.JSET, 'jset'],
  [JmpOp.JNE, 'jne'], [JmpOp.JSGT, 'jsgt'], [JmpOp.JSGE, 'jsge'], [JmpOp.JLT, 'jlt'],
  [JmpOp.JLE, 'jle'], [JmpOp.JSLT, 'jslt'], [JmpOp.JSLE, 'jsle'],
];
for (const is64 of [true, false]) {
  const cls = is64 ? Cls.JMP : Cls.JMP32;
  const sfx = is64 ? '' : '32';
  for (const [op, name] of JMP_NAMES) {
    for (const source of ['K', 'X'] as const) {
      add({ code: op | (source === 'X' ? Src.X : Src.K) | cls, mnemonic: name + sfx, cls, kind: 'jcond', op, source, width: is64 ? 64 : 32, is64, group: is64 ? 'base64' : 'base32' });
    }
  }
}
add({ code: JmpOp.JA | Cls.JMP, mnemonic: 'ja', cls: Cls.JMP, kind: 'ja', op: JmpOp.JA, source: 'K', width: 64, is64: true, group: 'base32' });
add({ code: JmpOp.JA | Cls.JMP32, mnemonic: 'ja32', cls: Cls.JMP32, kind: 'ja', op: JmpOp.JA, source: 'K', width: 32, is64: false, group: 'base32' });
add({ code: JmpOp.CALL | Cls.JMP, mnemonic: 'call', cls: Cls.JMP, kind: 'call', op: JmpOp.CALL, source: 'K', width: 64, is64: true, group: 'base32' });
add({ code: JmpOp.CALL | Src.X | Cls.JMP, mnemonic: 'callx', cls: Cls.JMP, kind: 'callx', op: JmpOp.CALL, source: 'X', width: 64, is64: true, group: 'linux' });
add({ code: JmpOp.EXIT | Cls.JMP, mnemonic: 'exit', cls: Cls.JMP, kind: 'exit', op: JmpOp.EXIT, source: 'K', width: 64, is64: true, group: 'base32' });

const SIZES: ReadonlyArray<[number, 8 | 16 | 32 | 64, string]> = [
  [Size.B, 8, 'b'], [Size.H, 16, 'h'], [Size.W, 32, 'w'], [Size.DW, 64, 'dw'],
];
add({ code: Mode.IMM | Size.DW | Cls.LD, mnemonic: 'lddw', cls: Cls.LD, kind: 'lddw', op: 0, source: undefined, width: 64, is64: true, slots: 2, group: 'base64' });
for (const [sz, width, s] of SIZES) {
  if (width !== 64) {
    add({ code: Mode.ABS | sz | Cls.LD, mnemonic: `ldabs${s}`, cls: Cls.LD, kind: 'ldabs', op: 0, source: undefined, width, is64: false, group: 'packet' });
    add({ code: Mode.IND | sz | Cls.LD, mnemonic: `ldind${s}`, cls: Cls.LD, kind: 'ldind', op: 0, source: undefined, width, is64: false, group: 'packet' });
    add({ code: Mode.MEMSX | sz | Cls.LDX, mnemonic: `ldxs${s}`, cls: Cls.LDX, kind: 'ldxsx', op: 0, source: undefined, width, is64: true, group: 'base32' });
  }
  const g = width === 64 ? 'base64' : 'base32';
  add({ code: Mode.MEM | sz | Cls.LDX, mnemonic: `ldx${s}`, cls: Cls.LDX, kind: 'ldx', op: 0, source: undefined, width, is64: true, group: g });
  add({ code: Mode.MEM | sz | Cls.ST, mnemonic: `st${s}`, cls: Cls.ST, kind: 'st', op: 0, source: undefined, width, is64: true, group: g });
  add({ code: Mode.MEM | sz | Cls.STX, mnemonic: `stx${s}`, cls: Cls.STX, kind: 'stx', op: 0, source: undefined, width, is64: true, group: g });
}

const ATOMIC_RMW: ReadonlyArray<[number, string]> = [
  [AtomicOp.ADD, 'add'], [AtomicOp.OR, 'or'], [AtomicOp.AND, 'and'], [AtomicOp.XOR, 'xor'],
];
for (const [sz, width, s] of SIZES) {
  const code = Mode.ATOMIC | sz | Cls.STX;
  const is64 = width === 64;
  const sfx = is64 ? '' : '32';
  if (width === 32 || width === 64) {
    const group = is64 ? 'atomic64' : 'atomic32';
    for (const [op, name] of ATOMIC_RMW) {
      add({ code, variant: { field: 'imm', value: op }, mnemonic: `lock ${name}${sfx}`, cls: Cls.STX, kind: 'atomic', op, source: undefined, width, is64, group });
      add({ code, variant: { field: 'imm', value: op | AtomicOp.FETCH }, mnemonic: `lock fetch_${name}${sfx}`, cls: Cls.STX, kind: 'atomic', op: op | AtomicOp.FETCH, source: undefined, width, is64, group });
    }
    add({ code, variant: { field: 'imm', value: AtomicOp.XCHG }, mnemonic: `lock xchg${sfx}`, cls: Cls.STX, kind: 'atomic', op: AtomicOp.XCHG, source: undefined, width, is64, group });
    add({ code, variant: { field: 'imm', value: AtomicOp.CMPXCHG }, mnemonic: `lock cmpxchg${sfx}`, cls: Cls.STX, kind: 'atomic', op: AtomicOp.CMPXCHG, source: undefined, width, is64, group });
  }
  add({ code, variant: { field: 'imm', value: AtomicOp.LOAD_ACQ }, mnemonic: `load_acquire${s}`, cls: Cls.STX, kind: 'atomic', op: AtomicOp.LOAD_ACQ, source: undefined, width, is64: true, group: 'linux' });
  add({ code, variant: { field: 'imm', value: AtomicOp.STORE_REL }, mnemonic: `store_release${s}`, cls: Cls.STX, kind: 'atomic', op: AtomicOp.STORE_REL, source: undefined, width, is64: true, group: 'linux' });
}

/** Every row of the opcode table, in a stable order. */
export const OPCODES: readonly OpcodeRow[] = rows;

/** Rows by opcode byte (several rows share a byte when a variant field decides). */
const BY_CODE: ReadonlyArray<readonly OpcodeRow[]> = (() => {
  const t: OpcodeRow[][] = Array.from({ length: 256 }, () => []);
  for (const r of rows) t[r.code]!.push(r);
  return t;
})();

/** Rows by mnemonic (for the assembler); K and X forms share a mnemonic. */
export const OPCODES_BY_MNEMONIC: ReadonlyMap<string, readonly OpcodeRow[]> = (() => {
  const m = new Map<string, OpcodeRow[]>();
  for (const r of rows) {
    const l = m.get(r.mnemonic);
    if (l) l.push(r);
    else m.set(r.mnemonic, [r]);
  }
  return m;
})();

/** All rows that share this opcode byte (empty when the byte is no instruction). */
export function rowsForCode(code: number): readonly OpcodeRow[] {
  return BY_CODE[code & 0xff]!;
}

/** True when some row uses this opcode byte. */
export function isKnownCode(code: number): boolean {
  return BY_CODE[code & 0xff]!.length > 0;
}

/**
 * The row for an instruction, chosen by opcode byte and, where it matters,
 * the `off` or `imm` field. Returns undefined for invalid combinations.
 */
export function lookupOpcode(code: number, off: number, imm: number): OpcodeRow | undefined {
  const cands = BY_CODE[code & 0xff]!;
  if (cands.length === 1 && cands[0]!.variant === undefined) return cands[0];
  for (const r of cands) {
    const v = r.variant;
    if (v === undefined) return r;
    if ((v.field === 'off' ? off : imm) === v.value) return r;
  }
  return undefined;
}

/** The class of an opcode byte. */
export function opClass(code: number): number {
  return code & 0x07;
}
