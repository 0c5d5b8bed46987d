/**
 * The word-led statements of the assembler: every `call` form of the three
 * syntaxes, `lock` (kernel/llvm and uBPF spellings) and the bpf_conformance /
 * uBPF mnemonics, which are the opcode table's mnemonics (src/isa/opcodes.ts)
 * plus bpf_conformance's spellings `swapN`, `lock fetch add` and `add64`.
 */
import { helperId } from '../isa/helper-ids.js';
import type { Insn } from '../isa/insn.js';
import { AtomicOp, CallSrc, Cls, OPCODES_BY_MNEMONIC, type OpcodeRow } from '../isa/opcodes.js';
import { OPERATORS } from './disasm.js';
import { type Tok, describe } from './lexer.js';
import type { LineParser, One, RegTok, Stmt } from './parse.js';
import { slotOf } from './rows.js';

const ALU_BY_TEXT = new Map(Object.entries(OPERATORS.alu).map(([k, v]) => [v, Number(k)]));

/** All call forms of the three syntaxes. */
export function parseCall(p: LineParser, one: One): Stmt {
  const c = p.c;
  const t = c.id('call');
  const callRow = p.row({ kind: 'call' }, t, 'call');
  const helper = (imm: number): Stmt => one(slotOf(callRow, { src: CallSrc.HELPER, imm }));
  const local = (): Stmt => {
    const tg = p.target('imm');
    return one(slotOf(callRow, { src: CallSrc.PSEUDO_CALL, imm: tg.rel ?? 0 }), tg.ref ? { ref: tg.ref } : {});
  };
  let mode: 'helper' | 'local' | 'runtime' | undefined;
  if ((c.isId('helper') || c.isId('local') || c.isId('runtime')) && c.peek(1).kind !== 'eol') {
    mode = c.next().text as 'helper' | 'local' | 'runtime';
  }
  if (mode === 'local') return local();
  const n = c.peek();
  if (n.kind === 'reg') {
    if (mode === 'runtime') c.fail(n, 'expected a function id');
    const r = c.reg();
    return one(slotOf(p.row({ kind: 'callx' }, t, 'callx'), { dst: r.reg }));
  }
  if (mode === 'runtime') return one(slotOf(callRow, { src: CallSrc.KFUNC, imm: p.imm32(c.num('a function id')) }));
  if (n.kind === 'num' || n.kind === 'op' && (n.text === '+' || n.text === '-')) return helper(p.imm32(c.num('a helper id')));
  if (n.kind === 'id' && n.text === 'pc' && mode === undefined) return local();
  if (n.kind !== 'id') c.fail(n, `expected a helper id or name, found ${describe(n)}`);
  c.next();
  const id = helperId(n.text);
  if (c.isOp('#')) {
    c.next();
    const v = c.num('a helper id');
    const imm = p.imm32(v);
    if (id !== undefined && n.text.startsWith('bpf_')) {
      if (id !== imm) c.fail(v.tok, `${n.text} is helper ${id}, not ${imm}`);
      return helper(imm);
    }
    if (n.text === 'unknown') return helper(imm);
    // kernel-function#N, or a kfunc name printed by the verifier.
    return one(slotOf(callRow, { src: CallSrc.KFUNC, imm }));
  }
  if (id !== undefined) return helper(id);
  if (mode === 'helper') c.fail(n, `unknown helper '${n.text}'`);
  return one(slotOf(callRow, { src: CallSrc.PSEUDO_CALL, imm: 0 }), { ref: { name: n.text, field: 'imm', col: n.col } });
}

/** `lock *(u64 *)(rD +off) += rS` or uBPF `lock [fetch] add[32] [fetch] [rD+off], rS`. */
export function parseLock(p: LineParser, one: One): Stmt {
  const c = p.c;
  c.id('lock');
  if (c.isOp('*')) {
    c.next();
    const cast = p.cast(false);
    const m = p.parenMem();
    const opTok = c.next();
    const op = opTok.kind === 'op' ? ALU_BY_TEXT.get(opTok.text) : undefined;
    if (op === undefined || OPERATORS.atomic[op] === undefined) c.fail(opTok, `expected +=, |=, &= or ^=, found ${describe(opTok)}`);
    const s = c.reg();
    return one(slotOf(p.row({ kind: 'atomic', width: cast.width, variant: op }, opTok, `lock on ${cast.tok.text}`), { dst: m.reg.reg, src: s.reg, off: m.off }));
  }
  let fetch = false;
  let opTok: Tok | undefined;
  while (c.peek().kind === 'id') {
    const w = c.next();
    if (w.text === 'fetch') fetch = true;
    else if (opTok === undefined) opTok = w;
    else c.fail(w, `unexpected ${describe(w)}`);
  }
  if (opTok === undefined) return c.fail(c.peek(), `expected an atomic operation, found ${describe(c.peek())}`);
  let name = opTok.text;
  if (name.startsWith('fetch_')) {
    fetch = true;
    name = name.slice(6);
  }
  const rows = OPCODES_BY_MNEMONIC.get(`lock ${fetch ? 'fetch_' : ''}${name}`);
  const row = rows?.[0] ?? c.fail(opTok, `unknown atomic operation '${fetch ? 'fetch ' : ''}${name}'`);
  const m = p.bracketMem();
  c.op(',');
  const s = c.reg();
  return one(slotOf(row, { dst: m.reg.reg, src: s.reg, off: m.off }));
}

/** bpf_conformance / uBPF mnemonics, taken from the opcode table. */
export function parseMnemonic(p: LineParser, t: Tok, one: One): Stmt {
  const c = p.c;
  let name = t.text;
  let rows = OPCODES_BY_MNEMONIC.get(name);
  if (rows === undefined && /^swap(16|32|64)$/.test(name)) rows = OPCODES_BY_MNEMONIC.get('b' + name);
  if (rows === undefined && name.endsWith('64')) {
    const r = OPCODES_BY_MNEMONIC.get(name.slice(0, -2));
    if (r !== undefined && r[0]!.is64 && r[0]!.kind !== 'end') rows = r;
  }
  if (rows === undefined) return c.fail(t, `unknown instruction '${name}'`);
  c.next();
  const r0 = rows[0]!;
  const pick = (source: 'K' | 'X'): OpcodeRow => rows!.find((r) => r.source === source) ?? c.fail(t, `${name} has no ${source === 'X' ? 'register' : 'immediate'} form`);
  const comma = (): void => { c.op(','); };
  const dreg = (): RegTok => {
    const r = c.reg();
    if (r.regKind === 'w') c.fail(r, `this syntax names registers %r0..%r10, not ${r.text}`);
    return r;
  };
  name = r0.mnemonic;
  switch (r0.kind) {
    case 'alu': {
      const d = dreg();
      comma();
      if (c.peek().kind === 'reg') return one(slotOf(pick('X'), { dst: d.reg, src: dreg().reg }));
      return one(slotOf(pick('K'), { dst: d.reg, imm: p.imm32(c.num('a register or an immediate')) }));
    }
    case 'movsx': {
      const d = dreg();
      comma();
      return one(slotOf(r0, { dst: d.reg, src: dreg().reg }));
    }
    case 'neg': case 'end': return one(slotOf(r0, { dst: dreg().reg }));
    case 'ldx': case 'ldxsx': {
      const d = dreg();
      comma();
      const m = p.bracketMem();
      return one(slotOf(r0, { dst: d.reg, src: m.reg.reg, off: m.off }));
    }
    case 'st': {
      const m = p.bracketMem();
      comma();
      return one(slotOf(r0, { dst: m.reg.reg, off: m.off, imm: p.imm32(c.num('an immediate')) }));
    }
    case 'stx': {
      const m = p.bracketMem();
      comma();
      return one(slotOf(r0, { dst: m.reg.reg, src: dreg().reg, off: m.off }));
    }
    case 'atomic': {
      if (r0.op === AtomicOp.LOAD_ACQ) {
        const d = dreg();
        comma();
        const m = p.bracketMem();
        return one(slotOf(r0, { dst: d.reg, src: m.reg.reg, off: m.off }));
      }
      const m = p.bracketMem();
      comma();
      return one(slotOf(r0, { dst: m.reg.reg, src: dreg().reg, off: m.off }));
    }
    case 'ldabs': return one(slotOf(r0, { imm: p.imm32(c.num('a packet offset')) }));
    case 'ldind': {
      const s = dreg();
      comma();
      return one(slotOf(r0, { src: s.reg, imm: p.imm32(c.num('a packet offset')) }));
    }
    case 'jcond': {
      const d = dreg();
      comma();
      let x: Insn;
      if (c.peek().kind === 'reg') x = slotOf(pick('X'), { dst: d.reg, src: dreg().reg });
      else x = slotOf(pick('K'), { dst: d.reg, imm: p.imm32(c.num('a register or an immediate')) });
      comma();
      const tg = p.target('off');
      x.off = tg.rel ?? 0;
      return one(x, tg.ref ? { ref: tg.ref } : {});
    }
    case 'ja': {
      const is32 = r0.cls === Cls.JMP32;
      const tg = p.target(is32 ? 'imm' : 'off');
      return one(slotOf(r0, is32 ? { imm: tg.rel ?? 0 } : { off: tg.rel ?? 0 }), tg.ref ? { ref: tg.ref } : {});
    }
    default:
      // lddw, call, callx, exit are keywords handled before; nothing else reaches here.
      return c.fail(t, `unexpected instruction '${name}'`);
  }
}
