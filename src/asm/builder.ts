/**
 * A typed instruction builder for tests and compilers: one small function per
 * instruction form, generated from the opcode table (src/isa/opcodes.ts) at
 * module load, plus {@link ProgramBuilder}, which resolves labels.
 *
 * Argument order follows the kernel's `BPF_*` macros (include/linux/filter.h):
 * `ldxw(dst, src, off)`, `stxw(dst, src, off)`, `stw(dst, off, imm)`,
 * `jeqImm(dst, imm, off)`, atomics `(dst, src, off)`.
 *
 * ```ts
 * const b = new ProgramBuilder();
 * b.emit(I.mov64Imm(0, 0)).jump(I.jeqImm(1, 5, 0), 'out').emit(I.add64Imm(0, 1)).label('out').emit(I.exit());
 * const { bytes } = b.build();
 * ```
 */
import { BpfError, ErrorCode } from '../errors.js';
import { type Insn, Program, encodeInsns, lddwInsns, programFromInsns } from '../isa/insn.js';
import {
  AtomicOp, CallSrc, Cls, OPCODES, type OpcodeRow, PseudoSrc, lookupOpcode,
} from '../isa/opcodes.js';
import { slotOf } from './rows.js';

/** A register number 0..10. */
export type Reg = number;

type AluBase = 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'or' | 'and' | 'lsh' | 'rsh' | 'mod' | 'smod' | 'xor' | 'mov' | 'arsh';
type JmpBase = 'jeq' | 'jgt' | 'jge' | 'jset' | 'jne' | 'jsgt' | 'jsge' | 'jlt' | 'jle' | 'jslt' | 'jsle';
type Sz = 'b' | 'h' | 'w' | 'dw';
type AtomicBase = 'Add' | 'Or' | 'And' | 'Xor';

/** The generated builder functions (names derived from the table's mnemonics). */
export type InsnBuilders =
  & { [K in `${AluBase}${'64' | '32'}Imm`]: (dst: Reg, imm: number) => Insn }
  & { [K in `${AluBase}${'64' | '32'}Reg`]: (dst: Reg, src: Reg) => Insn }
  & { [K in 'movsx864' | 'movsx1664' | 'movsx3264' | 'movsx832' | 'movsx1632']: (dst: Reg, src: Reg) => Insn }
  & { [K in 'neg64' | 'neg32' | `${'le' | 'be' | 'bswap'}${16 | 32 | 64}`]: (dst: Reg) => Insn }
  & { [K in `ldx${Sz}` | `ldxs${Exclude<Sz, 'dw'>}`]: (dst: Reg, src: Reg, off: number) => Insn }
  & { [K in `st${Sz}`]: (dst: Reg, off: number, imm: number) => Insn }
  & { [K in `stx${Sz}`]: (dst: Reg, src: Reg, off: number) => Insn }
  & { [K in `atomic${'' | 'Fetch'}${AtomicBase}${'64' | '32'}` | `atomic${'Xchg' | 'Cmpxchg'}${'64' | '32'}`]: (dst: Reg, src: Reg, off: number) => Insn }
  & { [K in `loadAcquire${Sz}` | `storeRelease${Sz}`]: (dst: Reg, src: Reg, off: number) => Insn }
  & { [K in `ldabs${Exclude<Sz, 'dw'>}`]: (imm: number) => Insn }
  & { [K in `ldind${Exclude<Sz, 'dw'>}`]: (src: Reg, imm: number) => Insn }
  & { [K in `${JmpBase}${'' | '32'}Imm`]: (dst: Reg, imm: number, off: number) => Insn }
  & { [K in `${JmpBase}${'' | '32'}Reg`]: (dst: Reg, src: Reg, off: number) => Insn }
  & {
    /** `goto pc+off`. */
    ja(off: number): Insn;
    /** `gotol pc+imm` (JMP32 JA, 32-bit offset). */
    ja32(imm: number): Insn;
    /** Helper call by id (see helper-ids.ts). */
    call(id: number): Insn;
    /** bpf-to-bpf call, `imm` slots relative to the next instruction. */
    callLocal(rel: number): Insn;
    /** kfunc call by BTF id. */
    callKfunc(btfId: number): Insn;
    /** Indirect call through a register (Linux callx). */
    callx(reg: Reg): Insn;
    exit(): Insn;
    /** `ld_imm64 dst, value` (two slots; value modulo 2^64). */
    lddw(dst: Reg, value: bigint | number): [Insn, Insn];
    /** ld_imm64 with a pseudo source: `src` 1..6, `lo`/`hi` the two imm fields. */
    lddwPseudo(dst: Reg, src: number, lo: number, hi?: number): [Insn, Insn];
    /** `r = map[id:fd]` (BPF_PSEUDO_MAP_FD). */
    ldMapFd(dst: Reg, fd: number): [Insn, Insn];
    /** `r = map[id:fd][0]+off` (BPF_PSEUDO_MAP_VALUE). */
    ldMapValue(dst: Reg, fd: number, off: number): [Insn, Insn];
  };

function bad(msg: string): never {
  throw new BpfError(ErrorCode.BadProgram, msg);
}
function reg(r: number, what: string): number {
  if (!Number.isInteger(r) || r < 0 || r > 10) throw new BpfError(ErrorCode.BadRegister, `${what} register ${r} is not r0..r10`);
  return r;
}
function off16(v: number): number {
  if (!Number.isInteger(v) || v < -32768 || v > 32767) bad(`offset ${v} out of range (-32768..32767)`);
  return v;
}
function imm32(v: number): number {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) bad(`immediate ${v} does not fit in 32 bits`);
  return v | 0;
}

const SZ: Readonly<Record<number, Sz>> = { 8: 'b', 16: 'h', 32: 'w', 64: 'dw' };
const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);

/** Builder name(s) of a row; undefined for rows with hand-written builders (lddw, call). */
function namesOf(row: OpcodeRow): string | undefined {
  const m = row.mnemonic;
  switch (row.kind) {
    case 'alu': {
      const base = row.is64 ? m + '64' : m;
      return base + (row.source === 'X' ? 'Reg' : 'Imm');
    }
    case 'neg': return row.is64 ? 'neg64' : 'neg32';
    case 'movsx': case 'end': case 'ldx': case 'ldxsx': case 'st': case 'stx':
    case 'ldabs': case 'ldind': case 'exit': case 'callx':
      return m;
    case 'jcond': return m + (row.source === 'X' ? 'Reg' : 'Imm');
    case 'ja': return row.cls === Cls.JMP32 ? 'ja32' : 'ja';
    case 'atomic': {
      const w = row.width === 64 ? '64' : '32';
      if (row.op === AtomicOp.LOAD_ACQ) return `loadAcquire${SZ[row.width]}`;
      if (row.op === AtomicOp.STORE_REL) return `storeRelease${SZ[row.width]}`;
      // `lock fetch_add32` → atomicFetchAdd32
      const words = m.replace(/^lock /, '').replace(/32$/, '').split('_');
      return 'atomic' + words.map(cap).join('') + w;
    }
    default: return undefined;
  }
}

function makeFn(row: OpcodeRow): (...a: number[]) => Insn {
  switch (row.kind) {
    case 'alu':
      return row.source === 'X'
        ? (d, s) => slotOf(row, { dst: reg(d!, 'dst'), src: reg(s!, 'src') })
        : (d, i) => slotOf(row, { dst: reg(d!, 'dst'), imm: imm32(i!) });
    case 'movsx': return (d, s) => slotOf(row, { dst: reg(d!, 'dst'), src: reg(s!, 'src') });
    case 'neg': case 'end': case 'callx': return (d) => slotOf(row, { dst: reg(d!, 'dst') });
    case 'ldx': case 'ldxsx': case 'stx': case 'atomic':
      return (d, s, o) => slotOf(row, { dst: reg(d!, 'dst'), src: reg(s!, 'src'), off: off16(o!) });
    case 'st': return (d, o, i) => slotOf(row, { dst: reg(d!, 'dst'), off: off16(o!), imm: imm32(i!) });
    case 'ldabs': return (i) => slotOf(row, { imm: imm32(i!) });
    case 'ldind': return (s, i) => slotOf(row, { src: reg(s!, 'src'), imm: imm32(i!) });
    case 'jcond':
      return row.source === 'X'
        ? (d, s, o) => slotOf(row, { dst: reg(d!, 'dst'), src: reg(s!, 'src'), off: off16(o!) })
        : (d, i, o) => slotOf(row, { dst: reg(d!, 'dst'), imm: imm32(i!), off: off16(o!) });
    case 'ja':
      return row.cls === Cls.JMP32 ? (i) => slotOf(row, { imm: imm32(i!) }) : (o) => slotOf(row, { off: off16(o!) });
    case 'exit': return () => slotOf(row, {});
    default: return bad(`no builder for ${row.mnemonic}`);
  }
}

function build(): InsnBuilders {
  const o: Record<string, unknown> = {};
  for (const row of OPCODES) {
    const name = namesOf(row);
    if (name === undefined) continue;
    if (o[name] !== undefined) bad(`builder name clash: ${name}`);
    o[name] = makeFn(row);
  }
  const callRow = OPCODES.find((r) => r.kind === 'call')!;
  o.call = (id: number) => slotOf(callRow, { src: CallSrc.HELPER, imm: imm32(id) });
  o.callLocal = (rel: number) => slotOf(callRow, { src: CallSrc.PSEUDO_CALL, imm: imm32(rel) });
  o.callKfunc = (id: number) => slotOf(callRow, { src: CallSrc.KFUNC, imm: imm32(id) });
  o.lddw = (dst: number, value: bigint | number) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) bad(`ld_imm64 value ${value} is not a safe integer; pass a bigint`);
    return lddwInsns(reg(dst, 'dst'), BigInt(value));
  };
  const pseudo = (dst: number, src: number, lo: number, hi = 0): [Insn, Insn] => {
    if (!Number.isInteger(src) || src < 0 || src > 6) bad(`ld_imm64 src ${src} is not 0..6`);
    const [a, b] = lddwInsns(reg(dst, 'dst'), 0n, src);
    a.imm = imm32(lo);
    b.imm = imm32(hi);
    return [a, b];
  };
  o.lddwPseudo = pseudo;
  o.ldMapFd = (dst: number, fd: number) => pseudo(dst, PseudoSrc.MAP_FD, fd);
  o.ldMapValue = (dst: number, fd: number, off: number) => pseudo(dst, PseudoSrc.MAP_VALUE, fd, off);
  return Object.freeze(o) as unknown as InsnBuilders;
}

/**
 * One function per instruction form, e.g. `I.mov64Imm(0, 1)`, `I.ldxw(0, 1, 4)`,
 * `I.jeqImm(1, 5, 2)`, `I.call(1)`, `I.exit()`, `I.lddw(1, 0x1234n)`.
 * @throws BpfError (BAD_REGISTER / BAD_PROGRAM) for registers outside r0..r10,
 *   offsets outside s16, immediates outside 32 bits.
 */
export const I: InsnBuilders = build();

/** Result of {@link ProgramBuilder.build}. */
export interface BuiltProgram {
  insns: Insn[];
  bytes: Uint8Array;
  program: Program;
  labels: Map<string, number>;
}

/**
 * Appends instructions and resolves jumps to labels:
 * `b.jump(I.jneImm(1, 0, 0), 'skip')` fills the jump's `off` (or `imm` for
 * gotol and bpf-to-bpf calls) when the program is built.
 */
export class ProgramBuilder {
  private readonly out: Insn[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: { at: number; label: string; field: 'off' | 'imm' }[] = [];

  /** The slot number of the next instruction. */
  get pc(): number {
    return this.out.length;
  }

  /** Defines `name` at the current slot. @throws BpfError on a duplicate label. */
  label(name: string): this {
    if (this.labels.has(name)) bad(`duplicate label '${name}'`);
    this.labels.set(name, this.out.length);
    return this;
  }

  /** Appends instructions (single slots or ld_imm64 pairs). */
  emit(...xs: (Insn | readonly Insn[])[]): this {
    for (const x of xs) {
      if (Array.isArray(x)) this.out.push(...(x as readonly Insn[]).map((y) => ({ ...y })));
      else this.out.push({ ...(x as Insn) });
    }
    return this;
  }

  /** Appends a jump, gotol or bpf-to-bpf call whose target is `label`. @throws BpfError for other instructions. */
  jump(x: Insn, label: string): this {
    const row = lookupOpcode(x.code, x.off, x.imm);
    let field: 'off' | 'imm';
    if (row?.kind === 'jcond' || (row?.kind === 'ja' && row.cls === Cls.JMP)) field = 'off';
    else if ((row?.kind === 'ja' && row.cls === Cls.JMP32) || (row?.kind === 'call' && x.src === CallSrc.PSEUDO_CALL)) field = 'imm';
    else return bad('jump() needs a jump, gotol or bpf-to-bpf call');
    this.fixups.push({ at: this.out.length, label, field });
    this.out.push({ ...x });
    return this;
  }

  /**
   * Resolves labels and builds the program.
   * @throws BpfError on unknown labels, out-of-range jumps, and (with `validate`, default true) structural errors.
   */
  build(opts: { validate?: boolean } = {}): BuiltProgram {
    const insns = this.out.map((x) => ({ ...x }));
    for (const f of this.fixups) {
      const t = this.labels.get(f.label);
      if (t === undefined) bad(`unknown label '${f.label}'`);
      const rel = t - (f.at + 1);
      insns[f.at]![f.field] = f.field === 'off' ? off16(rel) : rel;
    }
    const program = programFromInsns(insns, { validate: opts.validate ?? true });
    return { insns, bytes: encodeInsns(insns), program, labels: new Map(this.labels) };
  }
}
