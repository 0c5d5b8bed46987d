/**
 * Assembler lexer: splits one source line into tokens that remember their
 * 1-based column, after removing what other tools print around instructions
 * (the verifier log's `12: (61) ` prefix and `; R0_w=...` state, the
 * llvm-objdump byte columns and `<LBB0_2>` annotations), comments and label
 * definitions. A {@link Cursor} walks the tokens and raises {@link AsmError}
 * naming the offending token.
 */
import { AsmError } from '../errors.js';

/** Token kinds. */
export type TokKind = 'reg' | 'num' | 'id' | 'op' | 'eol';

/** One token. */
export interface Tok {
  readonly kind: TokKind;
  /** Source text of the token. */
  readonly text: string;
  /** 1-based column of its first character. */
  readonly col: number;
  /** Register number (kind `reg`). */
  readonly reg?: number;
  /** Register spelling: `r`, `w` or `%r` (kind `reg`). */
  readonly regKind?: 'r' | 'w' | '%r';
  /** Value (kind `num`), unsigned as written. */
  readonly value?: bigint;
  /** True when the number was written in hex (kind `num`). */
  readonly hex?: boolean;
}

/** A line after preprocessing. */
export interface LexedLine {
  /** 1-based line number. */
  readonly line: number;
  /** Labels defined on this line, with their columns. */
  readonly labels: { name: string; col: number }[];
  /** Instruction tokens (ending with an `eol` token); empty when the line has no instruction. */
  readonly toks: Tok[];
  /** The `(xx)` opcode prefix of a verifier log line, if any. */
  readonly code?: { value: number; col: number };
}

const OPERATORS = [
  's>>=', '<<=', '>>=', 's/=', 's%=', 's>=', 's<=', 's>', 's<',
  '+=', '-=', '*=', '/=', '|=', '&=', '^=', '%=', '==', '!=', '>=', '<=',
  '=', '>', '<', '&', '*', '(', ')', '[', ']', ',', ':', '+', '-', '#',
];
const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);

/** The longest operator at `pos` (`s`-prefixed operators only where `sPrefix`). */
function operatorAt(src: string, pos: number, sPrefix: boolean): string | undefined {
  for (let len = 4; len >= 1; len--) {
    const o = src.slice(pos, pos + len);
    if (o.length === len && OPERATOR_SET.has(o) && (o[0] === 's') === sPrefix) return o;
  }
  return undefined;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff;
}

const RE_REG = /(%r|r|w)(\d+)(?![\w.])/y;
const RE_NUM = /(0[xX][0-9a-fA-F]+|\d+)/y;
const RE_NUM_TAIL = /[\w.]+/y;
const RE_ID = /(kernel-function|[A-Za-z_.][\w.]*)/y;
const RE_INDEX = /^(?:\d+[ \t]+)?\d+:\s*/;
const RE_OBJDUMP_BYTES = /^(?:[0-9a-f]{2} ){7}[0-9a-f]{2}(?: (?:[0-9a-f]{2} ){7}[0-9a-f]{2})?\s+/;
const RE_LIVE_REGS = /^[.0-9]{10}\s+(?=\([0-9a-f]{2}\))/;
const RE_CODE = /^\(([0-9a-f]{2})\)\s*/;
const RE_OBJDUMP_LABEL = /^\s*[0-9a-f]+ <([^<>\s]+)>:\s*$/;
const RE_OBJDUMP_NOISE = /^\s*(?:\S+:\s+file format |Disassembly of section )/;
const RE_TRAILING_ANNOT = /\s<[^<>\s]+>\s*$/;

/** Where the comment of `line` starts (or its length). `#` is a comment only at the start or after whitespace. */
function commentStart(line: string, from: number): number {
  for (let i = from; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === ';') return i;
    if (ch === '/' && line[i + 1] === '/') return i;
    if (ch === '#' && (i === from || /\s/.test(line[i - 1]!))) return i;
  }
  return line.length;
}

/**
 * Lexes one source line.
 * @throws AsmError on characters that start no token.
 */
export function lexLine(text: string, line: number): LexedLine {
  const labels: { name: string; col: number }[] = [];
  const objLabel = text.includes('>:') ? RE_OBJDUMP_LABEL.exec(text) : null;
  if (objLabel) return { line, labels: [{ name: objLabel[1]!, col: text.indexOf('<') + 2 }], toks: [] };
  if ((text.includes('file format') || text.includes('Disassembly of')) && RE_OBJDUMP_NOISE.test(text)) return { line, labels, toks: [] };

  let pos = 0;
  const skipWs = (): void => { while (pos < text.length && isSpace(text.charCodeAt(pos))) pos++; };
  const eat = (re: RegExp): RegExpExecArray | null => {
    const m = re.exec(text.slice(pos));
    if (m) pos += m[0].length;
    return m;
  };
  skipWs();
  const c0 = text.charCodeAt(pos);
  if (c0 >= 48 && c0 <= 57) eat(RE_INDEX);
  if (isHexDigit(text.charCodeAt(pos))) eat(RE_OBJDUMP_BYTES);
  const c1 = text.charCodeAt(pos);
  if (c1 === 46 || (c1 >= 48 && c1 <= 57)) eat(RE_LIVE_REGS);
  let code: { value: number; col: number } | undefined;
  const codeCol = pos + 1;
  const cm = text.charCodeAt(pos) === 40 ? eat(RE_CODE) : null;
  if (cm) code = { value: parseInt(cm[1]!, 16), col: codeCol };

  let end = commentStart(text, pos);
  const annot = text.slice(pos, end).trimEnd().endsWith('>') ? RE_TRAILING_ANNOT.exec(text.slice(pos, end)) : null;
  if (annot) end = pos + annot.index;

  const src = text.slice(0, end);
  const toks: Tok[] = [];
  const at = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = pos;
    return re.exec(src);
  };
  while (true) {
    while (pos < end && isSpace(src.charCodeAt(pos))) pos++;
    if (pos >= end) break;
    const col = pos + 1;
    let m: RegExpExecArray | null;
    if ((m = at(RE_REG))) {
      toks.push({ kind: 'reg', text: m[0], col, reg: parseInt(m[2]!, 10), regKind: m[1] as 'r' | 'w' | '%r' });
      pos += m[0].length;
      continue;
    }
    if ((m = at(RE_NUM))) {
      RE_NUM_TAIL.lastIndex = pos + m[0].length;
      if (RE_NUM_TAIL.test(src)) throw new AsmError(`invalid number '${at(RE_NUM_TAIL)![0]}'`, line, col);
      toks.push({ kind: 'num', text: m[0], col, value: BigInt(m[0]), hex: m[0].length > 1 && (m[0][1] === 'x' || m[0][1] === 'X') });
      pos += m[0].length;
      continue;
    }
    const ch = src[pos]!;
    const sop = ch === 's' ? operatorAt(src, pos, true) : undefined;
    if (sop !== undefined) {
      toks.push({ kind: 'op', text: sop, col });
      pos += sop.length;
      continue;
    }
    if ((m = at(RE_ID))) {
      toks.push({ kind: 'id', text: m[0], col });
      pos += m[0].length;
      continue;
    }
    const op = operatorAt(src, pos, false);
    if (op !== undefined) {
      toks.push({ kind: 'op', text: op, col });
      pos += op.length;
      continue;
    }
    throw new AsmError(`unexpected character '${ch}'`, line, col);
  }
  // Label definitions: `name:` at the start (several allowed).
  let i = 0;
  while (i + 1 < toks.length && toks[i]!.kind === 'id' && toks[i + 1]!.kind === 'op' && toks[i + 1]!.text === ':') {
    labels.push({ name: toks[i]!.text, col: toks[i]!.col });
    i += 2;
  }
  const body = toks.slice(i);
  if (body.length) body.push({ kind: 'eol', text: '', col: end + 1 });
  return code ? { line, labels, toks: body, code } : { line, labels, toks: body };
}

/** Describes a token for error messages. */
export function describe(t: Tok): string {
  return t.kind === 'eol' ? 'end of line' : `'${t.text}'`;
}

/** A cursor over one line's tokens; every failure is an {@link AsmError} at the current token. */
export class Cursor {
  private i = 0;
  constructor(readonly toks: readonly Tok[], readonly line: number) {}

  /** The token `k` ahead (the `eol` token past the end). */
  peek(k = 0): Tok {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  /** Consumes and returns the current token. */
  next(): Tok {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  /** True when the current token is the operator `v`. */
  isOp(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'op' && t.text === v;
  }
  /** True when the current token is the identifier `v`. */
  isId(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'id' && t.text === v;
  }
  /** Throws an AsmError at token `t`. */
  fail(t: Tok, msg: string): never {
    throw new AsmError(msg, this.line, t.col);
  }
  /** Consumes the operator `v` or fails. */
  op(v: string): Tok {
    const t = this.peek();
    if (t.kind !== 'op' || t.text !== v) this.fail(t, `expected '${v}', found ${describe(t)}`);
    return this.next();
  }
  /** Consumes the identifier `v` or fails. */
  id(v?: string): Tok {
    const t = this.peek();
    if (t.kind !== 'id' || (v !== undefined && t.text !== v)) this.fail(t, `expected ${v === undefined ? 'a name' : `'${v}'`}, found ${describe(t)}`);
    return this.next();
  }
  /** Consumes the operator `v` when present. */
  optOp(v: string): boolean {
    if (!this.isOp(v)) return false;
    this.next();
    return true;
  }
  /** Consumes a register r0..r10 (any spelling). */
  reg(): Tok & { reg: number } {
    const t = this.peek();
    if (t.kind !== 'reg') this.fail(t, `expected a register, found ${describe(t)}`);
    if (t.reg! > 10) this.fail(t, `invalid register ${t.text} (r0..r10)`);
    return this.next() as Tok & { reg: number };
  }
  /** Consumes an optionally signed number; returns its value and the token where it starts. */
  num(what = 'a number'): { value: bigint; tok: Tok; hex: boolean } {
    const start = this.peek();
    let neg = false;
    if (this.isOp('-') || this.isOp('+')) {
      neg = this.next().text === '-';
    }
    const t = this.peek();
    if (t.kind !== 'num') this.fail(t, `expected ${what}, found ${describe(t)}`);
    this.next();
    return { value: neg ? -t.value! : t.value!, tok: start, hex: t.hex! };
  }
  /** Fails unless the line is complete. */
  end(): void {
    const t = this.peek();
    if (t.kind !== 'eol') this.fail(t, `unexpected ${describe(t)}`);
  }
}
