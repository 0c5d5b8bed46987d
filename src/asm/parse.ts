/**
 * Statement parser of the assembler: one lexed line → one instruction (one or
 * two slots) plus an unresolved label reference. Accepts, per line, the
 * kernel verifier-log syntax (`kernel/bpf/disasm.c`), llvm-objdump's BPF
 * syntax and the bpf_conformance / uBPF syntax; see docs/asm.md.
 *
 * Instructions are found in the opcode table by their properties
 * (src/asm/rows.ts); mnemonics of the uBPF syntax are the table's mnemonics.
 */
import { type Insn, lddwInsns } from '../isa/insn.js';
import {
  AluOp, AtomicOp, Cls, type OpcodeRow, PseudoSrc,
} from '../isa/opcodes.js';
import { OPERATORS } from './disasm.js';
import { Cursor, type LexedLine, type Tok, describe } from './lexer.js';
import { parseCall, parseLock, parseMnemonic } from './parse-words.js';
import { type RowQuery, findRow, slotOf } from './rows.js';

/** Input syntax: `auto` accepts all three, and decides the one ambiguous form (`r1 = 0x10`) like `kernel`. */
export type AsmSyntax = 'auto' | 'kernel' | 'llvm' | 'ubpf';

/** A jump / call target not yet resolved. */
export interface LabelRef {
  readonly name: string;
  /** Which field receives `target - (pc + 1)`. */
  readonly field: 'off' | 'imm';
  readonly col: number;
}

/** One parsed instruction. */
export interface Stmt {
  readonly line: number;
  readonly col: number;
  readonly insns: Insn[];
  readonly ref?: LabelRef;
  /** True for `exit` (bpf_conformance's implicit `exit` label). */
  readonly isExit?: boolean;
}

const ALU_BY_TEXT = invert(OPERATORS.alu);
const ALU_SIGNED_BY_TEXT = invert(OPERATORS.aluSigned);
const JMP_BY_TEXT = invert(OPERATORS.jmp);
const ATOMIC_BY_NAME = invert(OPERATORS.atomic);
const U_WIDTH: Readonly<Record<string, number>> = { u8: 8, u16: 16, u32: 32, u64: 64 };
const S_WIDTH: Readonly<Record<string, number>> = { s8: 8, s16: 16, s32: 32 };

function invert(m: Readonly<Record<number, string>>): ReadonlyMap<string, number> {
  return new Map(Object.entries(m).map(([k, v]) => [v, Number(k)]));
}

/** A register token with its number. */
export type RegTok = Tok & { reg: number };
/** Makes the statement of one instruction slot (with an optional label reference). */
export type One = (x: Insn, e?: Partial<Stmt>) => Stmt;

const I32_MIN = -(1n << 31n);
const U32_MAX = (1n << 32n) - 1n;

/** Statement parser for one line. */
export class LineParser {
  readonly c: Cursor;
  constructor(readonly l: LexedLine, readonly syntax: AsmSyntax) {
    this.c = new Cursor(l.toks, l.line);
  }

  // ------------------------------------------------------------ operands

  imm32(v: { value: bigint; tok: Tok }): number {
    if (v.value < I32_MIN || v.value > U32_MAX) this.c.fail(v.tok, `immediate ${v.value} does not fit in 32 bits`);
    return Number(BigInt.asIntN(32, v.value));
  }
  off16(v: { value: bigint; tok: Tok }): number {
    if (v.value < -32768n || v.value > 32767n) this.c.fail(v.tok, `offset ${v.value} out of range (-32768..32767)`);
    return Number(v.value);
  }
  row(q: RowQuery, at: Tok, what: string): OpcodeRow {
    const r = findRow(q);
    if (r === undefined) this.c.fail(at, `no such instruction: ${what}`);
    return r;
  }
  /** `(u32 *)` or `(s8 *)`; returns width and signedness. */
  cast(allowSigned: boolean): { width: number; signed: boolean; tok: Tok } {
    this.c.op('(');
    const t = this.c.peek();
    const w = t.kind === 'id' ? (U_WIDTH[t.text] ?? (allowSigned ? S_WIDTH[t.text] : undefined)) : undefined;
    if (w === undefined) this.c.fail(t, `expected a type (${allowSigned ? 'u8..u64, s8..s32' : 'u8..u64'}), found ${describe(t)}`);
    this.c.next();
    this.c.op('*');
    this.c.op(')');
    return { width: w, signed: t.text[0] === 's', tok: t };
  }
  /** `REG`, `REG +N`, `REG - N` (the inside of `(...)` or `[...]`). */
  regOff(): { reg: RegTok; off: number } {
    const reg = this.c.reg();
    let off = 0;
    if (this.c.isOp('+') || this.c.isOp('-')) off = this.off16(this.c.num('an offset'));
    return { reg, off };
  }
  /** `NAME((uN *)(REG +N)` of a function-like form (atomic_*, load_acquire, store_release): skips NAME and `(`. */
  castMemArg(): { cast: { width: number; signed: boolean; tok: Tok }; m: { reg: RegTok; off: number } } {
    this.c.next();
    this.c.op('(');
    const cast = this.cast(false);
    return { cast, m: this.parenMem() };
  }
  /** `(REG +N)` */
  parenMem(): { reg: RegTok; off: number } {
    this.c.op('(');
    const m = this.regOff();
    this.c.op(')');
    return m;
  }
  /** `[REG+N]` */
  bracketMem(): { reg: RegTok; off: number } {
    this.c.op('[');
    const m = this.regOff();
    this.c.op(']');
    return m;
  }
  /** Jump target: `pc+N`, `+N`, `-N` or a label. */
  target(field: 'off' | 'imm'): { rel?: number; ref?: LabelRef } {
    const t = this.c.peek();
    if (t.kind === 'id' && t.text === 'pc' && (this.c.isOp('+', 1) || this.c.isOp('-', 1))) this.c.next();
    const s = this.c.peek();
    if (s.kind === 'op' && (s.text === '+' || s.text === '-')) {
      const v = this.c.num('a jump offset');
      return { rel: field === 'off' ? this.off16(v) : this.imm32(v) };
    }
    if (s.kind === 'id') {
      this.c.next();
      return { ref: { name: s.text, field, col: s.col } };
    }
    if (s.kind === 'num') this.c.fail(s, `a jump offset needs a sign (+${s.text} or -${s.text})`);
    return this.c.fail(s, `expected a jump target (+N, -N or a label), found ${describe(s)}`);
  }
  sameWidth(a: RegTok, b: RegTok): void {
    const wa = a.regKind === 'w', wb = b.regKind === 'w';
    if (wa !== wb) this.c.fail(b, `register ${b.text} must be ${wa ? 'a w register' : 'an r register'} like ${a.text}`);
  }
  sameReg(a: RegTok, b: RegTok): void {
    if (a.reg !== b.reg) this.c.fail(b, `expected ${a.text.replace(/^%/, '')}, the same register as the destination`);
  }

  // ------------------------------------------------------------ statements

  parse(): Stmt {
    const c = this.c;
    const first = c.peek();
    const base = { line: this.l.line, col: first.col };
    const one = (x: Insn, extra?: Partial<Stmt>): Stmt => ({ line: base.line, col: base.col, insns: [x], ref: extra?.ref, isExit: extra?.isExit });
    let st: Stmt;
    if (first.kind === 'reg') st = this.assignment(one);
    else if (first.kind === 'op' && first.text === '*') st = this.store(one);
    else if (first.kind === 'id') st = this.keyword(first, one, base);
    else return c.fail(first, `expected an instruction, found ${describe(first)}`);
    c.end();
    if (this.l.code && this.l.code.value !== (st.insns[0]!.code & 0xff)) {
      c.fail({ kind: 'op', text: '', col: this.l.code.col }, `opcode prefix (${this.l.code.value.toString(16).padStart(2, '0')}) does not match the instruction (${st.insns[0]!.code.toString(16).padStart(2, '0')})`);
    }
    return st;
  }

  /** Statements that start with a register: `rD op= ...`, `rD = ...`. */
  private assignment(one: (x: Insn, e?: Partial<Stmt>) => Stmt): Stmt {
    const c = this.c;
    const d = c.reg();
    const is64 = d.regKind !== 'w';
    const opTok = c.next();
    if (opTok.kind !== 'op') c.fail(opTok, `expected an operator after ${d.text}, found ${describe(opTok)}`);
    const signedOp = ALU_SIGNED_BY_TEXT.get(opTok.text);
    const aluOp = signedOp ?? ALU_BY_TEXT.get(opTok.text);
    if (aluOp === undefined) c.fail(opTok, `unknown operator '${opTok.text}'`);
    const variant = signedOp !== undefined ? 1 : undefined;
    if (aluOp !== AluOp.MOV) {
      const rhs = c.peek();
      if (rhs.kind === 'reg') {
        const s = c.reg();
        this.sameWidth(d, s);
        return one(slotOf(this.row({ kind: 'alu', op: aluOp, source: 'X', is64, variant }, opTok, `${d.text} ${opTok.text} register`), { dst: d.reg, src: s.reg }));
      }
      const v = c.num('a register or an immediate');
      return one(slotOf(this.row({ kind: 'alu', op: aluOp, source: 'K', is64, variant }, opTok, `${d.text} ${opTok.text} immediate`), { dst: d.reg, imm: this.imm32(v) }));
    }
    // `=`
    const t = c.peek();
    if (t.kind === 'op' && t.text === '-' && c.peek(1).kind === 'reg') {
      c.next();
      const s = c.reg();
      this.sameWidth(d, s);
      this.sameReg(d, s);
      return one(slotOf(this.row({ kind: 'neg', is64 }, t, 'neg'), { dst: d.reg }));
    }
    if (t.kind === 'op' && t.text === '(') {
      // movsx: (s8)rS
      c.next();
      const ty = c.peek();
      const w = ty.kind === 'id' ? S_WIDTH[ty.text] : undefined;
      if (w === undefined) c.fail(ty, `expected s8, s16 or s32, found ${describe(ty)}`);
      c.next();
      c.op(')');
      const s = c.reg();
      this.sameWidth(d, s);
      return one(slotOf(this.row({ kind: 'movsx', is64, variant: w }, ty, `${is64 ? '64' : '32'}-bit move sign-extending from ${ty.text}`), { dst: d.reg, src: s.reg }));
    }
    if (t.kind === 'op' && t.text === '*') {
      c.next();
      const cast = this.cast(true);
      if (c.isId('skb')) {
        if (cast.signed) c.fail(cast.tok, 'packet loads are unsigned');
        if (d.reg !== 0) c.fail(d, 'packet loads write r0');
        c.next();
        c.op('[');
        if (c.peek().kind === 'reg') {
          const s = c.reg();
          let imm = 0;
          if (c.isOp('+') || c.isOp('-')) {
            const neg = c.next().text === '-';
            const v = c.num('a packet offset');
            imm = this.imm32({ value: neg ? -v.value : v.value, tok: v.tok });
          }
          c.op(']');
          return one(slotOf(this.row({ kind: 'ldind', width: cast.width }, cast.tok, `ldind of ${cast.width} bits`), { src: s.reg, imm }));
        }
        const imm = this.imm32(c.num('a packet offset'));
        c.op(']');
        return one(slotOf(this.row({ kind: 'ldabs', width: cast.width }, cast.tok, `ldabs of ${cast.width} bits`), { imm }));
      }
      const m = this.parenMem();
      return one(slotOf(this.row({ kind: cast.signed ? 'ldxsx' : 'ldx', width: cast.width }, cast.tok, `load of ${cast.tok.text}`), { dst: d.reg, src: m.reg.reg, off: m.off }));
    }
    if (t.kind === 'id') return this.assignCall(d, t, one);
    if (t.kind === 'reg') {
      const s = c.reg();
      this.sameWidth(d, s);
      return one(slotOf(this.row({ kind: 'alu', op: AluOp.MOV, source: 'X', is64 }, t, 'mov'), { dst: d.reg, src: s.reg }));
    }
    const v = c.num('a register, an immediate or an expression');
    const ll = c.isId('ll');
    if (ll) {
      if (!is64) c.fail(d, 'ld_imm64 writes a 64-bit register');
      c.next();
    }
    const lddw = is64 && (ll || (this.syntax !== 'llvm' && this.syntax !== 'ubpf' && v.hex));
    if (lddw) return this.lddw(d, v);
    return one(slotOf(this.row({ kind: 'alu', op: AluOp.MOV, source: 'K', is64 }, opTok, 'mov'), { dst: d.reg, imm: this.imm32(v) }));
  }

  private lddw(d: RegTok, v: { value: bigint; tok: Tok }): Stmt {
    if (v.value < -(1n << 63n) || v.value >= 1n << 64n) this.c.fail(v.tok, `immediate ${v.value} does not fit in 64 bits`);
    return { line: this.l.line, col: this.c.toks[0]!.col, insns: lddwInsns(d.reg, v.value) };
  }

  /** `rD = name(...)`: byte swaps, atomics, load-acquire, pseudo ld_imm64. */
  private assignCall(d: RegTok, t: Tok, one: (x: Insn, e?: Partial<Stmt>) => Stmt): Stmt {
    const c = this.c;
    const name = t.text;
    const end = /^(be|le|bswap)(16|32|64)$/.exec(name);
    if (end) {
      c.next();
      const s = c.reg();
      this.sameReg(d, s);
      const q: RowQuery = end[1] === 'bswap'
        ? { kind: 'end', cls: Cls.ALU64, variant: Number(end[2]) }
        : { kind: 'end', cls: Cls.ALU, source: end[1] === 'be' ? 'X' : 'K', variant: Number(end[2]) };
      return one(slotOf(this.row(q, t, name), { dst: d.reg, imm: Number(end[2]) }));
    }
    if (name === 'map' || name === 'btf_id' || name === 'subprog') return this.pseudo(d, t);
    const fetch = /^atomic(?:64)?_fetch_(add|and|or|xor)$/.exec(name);
    if (fetch || /^atomic(?:64)?_xchg$/.test(name)) {
      const { cast, m } = this.castMemArg();
      c.op(',');
      const s = c.reg();
      this.sameReg(d, s);
      c.op(')');
      const op = fetch ? ATOMIC_BY_NAME.get(fetch[1]!)! | AtomicOp.FETCH : AtomicOp.XCHG;
      return one(slotOf(this.row({ kind: 'atomic', width: cast.width, variant: op }, t, `${name} on ${cast.tok.text}`), { dst: m.reg.reg, src: s.reg, off: m.off }));
    }
    if (/^atomic(?:64)?_cmpxchg$/.test(name)) {
      const { cast, m } = this.castMemArg();
      return this.cmpxchgTail(d, t, cast.width, m, one);
    }
    const lx = /^(xchg|cmpxchg)(?:_64|32_32)$/.exec(name);
    if (lx) {
      c.next();
      const width = name.endsWith('_64') ? 64 : 32;
      c.op('(');
      const m = this.regOff();
      if (lx[1] === 'cmpxchg') return this.cmpxchgTail(d, t, width, m, one);
      c.op(',');
      const s = c.reg();
      this.sameReg(d, s);
      c.op(')');
      return one(slotOf(this.row({ kind: 'atomic', width, variant: AtomicOp.XCHG }, t, name), { dst: m.reg.reg, src: s.reg, off: m.off }));
    }
    if (name === 'load_acquire') {
      const { cast, m } = this.castMemArg();
      c.op(')');
      return one(slotOf(this.row({ kind: 'atomic', width: cast.width, variant: AtomicOp.LOAD_ACQ }, t, name), { dst: d.reg, src: m.reg.reg, off: m.off }));
    }
    return c.fail(t, `unknown expression '${name}'`);
  }

  private cmpxchgTail(d: RegTok, t: Tok, width: number, m: { reg: RegTok; off: number }, one: (x: Insn) => Stmt): Stmt {
    const c = this.c;
    if (d.reg !== 0) c.fail(d, 'cmpxchg writes r0');
    c.op(',');
    const r0 = c.reg();
    if (r0.reg !== 0) c.fail(r0, 'cmpxchg compares with r0');
    c.op(',');
    const s = c.reg();
    c.op(')');
    return one(slotOf(this.row({ kind: 'atomic', width, variant: AtomicOp.CMPXCHG }, t, t.text), { dst: m.reg.reg, src: s.reg, off: m.off }));
  }

  /** `map[id:N]`, `map[id:N][0]+OFF`, `map[idx:N]`, `map[idx:N][0]+OFF`, `btf_id[N]`, `subprog[+N]`, each with an optional `+HI`. */
  private pseudo(d: RegTok, t: Tok): Stmt {
    const c = this.c;
    if (d.regKind === 'w') c.fail(d, 'ld_imm64 writes a 64-bit register');
    c.next();
    c.op('[');
    let src: number;
    let lo: number;
    if (t.text === 'map') {
      const tag = c.id();
      if (tag.text !== 'id' && tag.text !== 'idx') c.fail(tag, `expected 'id' or 'idx', found ${describe(tag)}`);
      c.op(':');
      lo = this.imm32(c.num('a map id'));
      c.op(']');
      src = tag.text === 'id' ? PseudoSrc.MAP_FD : PseudoSrc.MAP_IDX;
      if (c.isOp('[')) {
        c.next();
        const z = c.num('0');
        if (z.value !== 0n) c.fail(z.tok, 'expected [0]');
        c.op(']');
        src = tag.text === 'id' ? PseudoSrc.MAP_VALUE : PseudoSrc.MAP_IDX_VALUE;
      }
    } else {
      lo = this.imm32(c.num(t.text === 'btf_id' ? 'a BTF id' : 'a relative slot'));
      c.op(']');
      src = t.text === 'btf_id' ? PseudoSrc.BTF_ID : PseudoSrc.FUNC;
    }
    let hi = 0;
    if (c.isOp('+')) {
      c.next();
      hi = this.imm32(c.num('an offset'));
    }
    if (c.isId('ll')) c.next();
    const [a, b] = lddwInsns(d.reg, 0n, src);
    a.imm = lo;
    b.imm = hi;
    return { line: this.l.line, col: this.c.toks[0]!.col, insns: [a, b] };
  }

  /** `*(u32 *)(rD +off) = rS | imm` */
  private store(one: (x: Insn) => Stmt): Stmt {
    const c = this.c;
    c.op('*');
    const cast = this.cast(false);
    const m = this.parenMem();
    c.op('=');
    if (c.peek().kind === 'reg') {
      const s = c.reg();
      return one(slotOf(this.row({ kind: 'stx', width: cast.width }, cast.tok, 'store'), { dst: m.reg.reg, src: s.reg, off: m.off }));
    }
    const v = c.num('a register or an immediate');
    return one(slotOf(this.row({ kind: 'st', width: cast.width }, cast.tok, 'store'), { dst: m.reg.reg, off: m.off, imm: this.imm32(v) }));
  }

  /** Statements that start with a word. */
  private keyword(t: Tok, one: (x: Insn, e?: Partial<Stmt>) => Stmt, base: { line: number; col: number }): Stmt {
    const c = this.c;
    switch (t.text) {
      case 'if': return this.condJump(one);
      case 'goto': case 'gotol': {
        c.next();
        const is32 = t.text === 'gotol';
        const tg = this.target(is32 ? 'imm' : 'off');
        const row = this.row({ kind: 'ja', cls: is32 ? Cls.JMP32 : Cls.JMP }, t, t.text);
        return one(slotOf(row, is32 ? { imm: tg.rel ?? 0 } : { off: tg.rel ?? 0 }), tg.ref ? { ref: tg.ref } : {});
      }
      case 'exit':
        c.next();
        return one(slotOf(this.row({ kind: 'exit' }, t, 'exit'), {}), { isExit: true });
      case 'call': return parseCall(this, one);
      case 'callx': {
        c.next();
        const r = c.reg();
        return one(slotOf(this.row({ kind: 'callx' }, t, 'callx'), { dst: r.reg }));
      }
      case 'lock': return parseLock(this, one);
      case 'store_release': {
        const { cast, m } = this.castMemArg();
        c.op(',');
        const s = c.reg();
        c.op(')');
        return one(slotOf(this.row({ kind: 'atomic', width: cast.width, variant: AtomicOp.STORE_REL }, t, 'store_release'), { dst: m.reg.reg, src: s.reg, off: m.off }));
      }
      case 'lddw': {
        c.next();
        const d = c.reg();
        c.op(',');
        const n = c.peek();
        if (n.kind === 'id') {
          if (n.text !== 'map' && n.text !== 'btf_id' && n.text !== 'subprog') c.fail(n, `expected a 64-bit immediate or map[...], btf_id[...], subprog[...], found ${describe(n)}`);
          return this.pseudo(d, n);
        }
        return { ...this.lddw(d, c.num('a 64-bit immediate')), ...base };
      }
      case '.insn': {
        // One raw slot as printed by disasm for unknown opcodes: the 8 bytes as a little-endian u64.
        c.next();
        const v = c.num('a 64-bit instruction word');
        if (v.value < 0n || v.value >= 1n << 64n) c.fail(v.tok, `instruction word ${v.value} does not fit in 64 bits`);
        const w = v.value;
        const regs = Number((w >> 8n) & 0xffn);
        return one({
          code: Number(w & 0xffn), dst: regs & 0x0f, src: regs >> 4,
          off: Number(BigInt.asIntN(16, (w >> 16n) & 0xffffn)), imm: Number(BigInt.asIntN(32, w >> 32n)),
        });
      }
      default: return parseMnemonic(this, t, one);
    }
  }

  /** `if rD op rS|imm goto target` */
  private condJump(one: (x: Insn, e?: Partial<Stmt>) => Stmt): Stmt {
    const c = this.c;
    c.id('if');
    const d = c.reg();
    const opTok = c.next();
    const op = opTok.kind === 'op' ? JMP_BY_TEXT.get(opTok.text) : undefined;
    if (op === undefined) c.fail(opTok, `expected a comparison (==, !=, >, s>, &, ...), found ${describe(opTok)}`);
    const is64 = d.regKind !== 'w';
    let x: Insn;
    if (c.peek().kind === 'reg') {
      const s = c.reg();
      this.sameWidth(d, s);
      x = slotOf(this.row({ kind: 'jcond', op, source: 'X', is64 }, opTok, 'jump'), { dst: d.reg, src: s.reg });
    } else {
      x = slotOf(this.row({ kind: 'jcond', op, source: 'K', is64 }, opTok, 'jump'), { dst: d.reg, imm: this.imm32(c.num('a register or an immediate')) });
    }
    c.id('goto');
    const tg = this.target('off');
    x.off = tg.rel ?? 0;
    return one(x, tg.ref ? { ref: tg.ref } : {});
  }

}

/** Parses one lexed line that holds an instruction. @throws AsmError at the offending token. */
export function parseStatement(l: LexedLine, syntax: AsmSyntax): Stmt {
  return new LineParser(l, syntax).parse();
}

