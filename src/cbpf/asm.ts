/**
 * Assembler for classic BPF in the syntax of the kernel's bpf_asm
 * (tools/bpf/bpf_exp.l, bpf_exp.y): one instruction per line, `label:`
 * prefixes, `;` / `//` / `/* *\/` comments.
 *
 * ```
 *   ldh [12]                 ld [x + 4]        ldb #proto       ld #len     ld M[3]    ld #0x10
 *   ldxb 4*([14]&0xf)        ldx #8            st M[0]          stx M[1]    tax        txa
 *   jeq #0x800, ip, drop     jne #6, drop      jgt x, a, b      jset #1, l  ja end     jmp end
 *   add #1   sub x   mul #3  div #2  mod x  and #0xff  or x  xor #1  lsh #2  rsh x  neg
 *   ret #0x7fff0000          ret a             .insn 0x15, 0, 1, 0x3e   (raw sock_filter)
 * ```
 *
 * `jne`/`jneq`, `jlt`, `jle` are bpf_asm's aliases that swap the targets of
 * jeq, jge, jgt. A conditional jump with one target falls through when false.
 * Jump targets are labels (or `+N` relative offsets); they must lie ahead.
 * Mnemonics come from the opcode table (opcodes.ts).
 */
import { AsmError } from '../errors.js';
import { type SockFilter, sockFilter } from './insn.js';
import { CBPF_OPCODES, CCls, CJmpOp, CMode, SKF_AD, SKF_AD_OFF, type CbpfOpcodeRow } from './opcodes.js';

interface Pending {
  line: number;
  col: number;
  code: number;
  k: number;
  /** Label references for jt, jf, or k (ja). */
  jt?: Target;
  jf?: Target;
  jk?: Target;
  jtNum?: number;
  jfNum?: number;
}
interface Target { name: string; col: number }

/** Rows by mnemonic for quick lookup. */
const BY_MNEMONIC = new Map<string, CbpfOpcodeRow[]>();
for (const r of CBPF_OPCODES) {
  const l = BY_MNEMONIC.get(r.mnemonic) ?? [];
  l.push(r);
  BY_MNEMONIC.set(r.mnemonic, l);
}
function rowOf(mn: string, pred: (r: CbpfOpcodeRow) => boolean): CbpfOpcodeRow | undefined {
  return BY_MNEMONIC.get(mn)?.find(pred);
}

/**
 * Parses a number: decimal, 0x hex, 0b binary, 0-prefixed octal, optional
 * leading `-` (two's complement in 32 bits). Returns undefined if not a number.
 */
export function parseCbpfNumber(s: string): number | undefined {
  const t = s.trim();
  const m = /^(-)?(0x[0-9a-f]+|0b[01]+|0[0-7]*|[1-9][0-9]*)$/i.exec(t);
  if (!m) return undefined;
  const body = m[2]!.toLowerCase();
  let v: number;
  if (body.startsWith('0x')) v = parseInt(body.slice(2), 16);
  else if (body.startsWith('0b')) v = parseInt(body.slice(2), 2);
  else if (body.length > 1 && body.startsWith('0')) v = parseInt(body.slice(1), 8);
  else v = parseInt(body, 10);
  if (!Number.isFinite(v) || v > 0xffffffff) return undefined;
  return (m[1] ? -v : v) >>> 0;
}

function stripComment(line: string): string {
  let s = line.replace(/\/\*.*?\*\//g, ' ');
  const i = s.search(/;|\/\//);
  if (i >= 0) s = s.slice(0, i);
  return s;
}

/**
 * Assembles bpf_asm text into instructions.
 * @throws AsmError naming the line and column for syntax errors, unknown
 *   mnemonics or labels, backward jumps and jump distances above 255.
 */
export function assembleCbpf(source: string): SockFilter[] {
  const lines = source.split(/\r?\n/);
  const labels = new Map<string, number>();
  const out: Pending[] = [];
  let inBlock = false;
  lines.forEach((raw, li) => {
    const lineNo = li + 1;
    let text = raw;
    if (inBlock) {
      const e = text.indexOf('*/');
      if (e < 0) return;
      text = ' '.repeat(e + 2) + text.slice(e + 2);
      inBlock = false;
    }
    const open = text.indexOf('/*');
    if (open >= 0 && text.indexOf('*/', open) < 0) { inBlock = true; text = text.slice(0, open); }
    let s = stripComment(text);
    for (;;) {
      const m = /^\s*([A-Za-z_.$][\w.$]*)\s*:/.exec(s);
      if (!m) break;
      const name = m[1]!;
      if (labels.has(name)) throw new AsmError(`duplicate label '${name}'`, lineNo, s.indexOf(name) + 1);
      labels.set(name, out.length);
      s = ' '.repeat(m[0].length) + s.slice(m[0].length);
    }
    if (s.trim() === '') return;
    out.push(parseInsn(s, lineNo));
  });
  if (inBlock) throw new AsmError('unterminated /* comment', lines.length, 1);
  const resolve = (t: Target, p: Pending, pc: number, max: number): number => {
    let target: number;
    if (/^\+\d+$/.test(t.name)) target = pc + 1 + Number(t.name.slice(1));
    else {
      const at = labels.get(t.name);
      if (at === undefined) throw new AsmError(`unknown label '${t.name}'`, p.line, t.col);
      target = at;
    }
    const off = target - pc - 1;
    if (off < 0) throw new AsmError(`jump to '${t.name}' goes backwards (classic BPF jumps only forward)`, p.line, t.col);
    if (off > max) throw new AsmError(`jump to '${t.name}' is ${off} instructions away, more than ${max}`, p.line, t.col);
    return off;
  };
  return out.map((p, pc) => {
    const jt = p.jt ? resolve(p.jt, p, pc, 255) : (p.jtNum ?? 0);
    const jf = p.jf ? resolve(p.jf, p, pc, 255) : (p.jfNum ?? 0);
    const k = p.jk ? resolve(p.jk, p, pc, 0xffffffff) : p.k;
    return sockFilter(p.code, jt, jf, k);
  });
}

function parseInsn(s: string, line: number): Pending {
  const m = /^(\s*)(\.?[A-Za-z]+)\s*(.*?)\s*$/.exec(s);
  if (!m) throw new AsmError(`cannot parse '${s.trim()}'`, line, 1);
  const col = m[1]!.length + 1;
  const mn = m[2]!.toLowerCase();
  const ops = m[3]!;
  const opCol = s.indexOf(ops, col - 1 + m[2]!.length) + 1 || col;
  const err = (msg: string, c = opCol): never => { throw new AsmError(msg, line, c); };
  const num = (t: string, c = opCol): number => parseCbpfNumber(t) ?? err(`expected a number, got '${t}'`, c);
  const P = (code: number, k = 0): Pending => ({ line, col, code, k });
  const noOps = () => { if (ops !== '') err(`'${mn}' takes no operand`); };

  if (mn === '.insn') {
    const parts = ops.split(',').map((x) => x.trim());
    if (parts.length !== 4) err('.insn needs code, jt, jf, k');
    const [c, t, f, k] = parts.map((x) => num(x)) as [number, number, number, number];
    if (c > 0xffff || t > 0xff || f > 0xff) err('.insn field out of range');
    return { line, col, code: c, k, jtNum: t, jfNum: f };
  }
  if (mn === 'tax' || mn === 'txa' || mn === 'neg') {
    noOps();
    return P(rowOf(mn, () => true)!.code);
  }
  if (mn === 'st' || mn === 'stx') {
    const mm = /^M\s*\[\s*([^\]]+?)\s*\]$/i.exec(ops) ?? err(`'${mn}' expects M[k]`);
    return P(rowOf(mn, () => true)!.code, num(mm[1]!));
  }
  if (mn === 'ret') {
    if (/^%?a$/i.test(ops)) return P(rowOf('ret', (r) => r.kind === 'ret_a')!.code);
    if (/^%?x$/i.test(ops)) err('ret x is not a kernel-accepted instruction (BPF_RET|BPF_X)');
    const mm = /^#\s*(.+)$/.exec(ops) ?? err(`'ret' expects #k or a`);
    return P(rowOf('ret', (r) => r.kind === 'ret_k')!.code, num(mm[1]!));
  }
  const loadSize: Record<string, string> = { ld: '', ldi: '', ldh: 'h', ldb: 'b' };
  if (mn in loadSize) {
    const suf = loadSize[mn]!;
    const base = 'ld' + suf;
    let mm: RegExpExecArray | null;
    if (mn === 'ldi') {
      mm = /^#\s*(.+)$/.exec(ops) ?? err(`'ldi' expects #k`);
      return P(CCls.LD | CMode.IMM, num(mm[1]!));
    }
    if ((mm = /^#\s*([a-z_]+)$/i.exec(ops))) {
      const kw = mm[1]!.toLowerCase();
      if (kw === 'len' && suf === '') return P(rowOf('ld', (r) => r.kind === 'ld_len')!.code);
      const ad = (SKF_AD as Record<string, number>)[kw === 'vlan_pr' ? 'vlan_avail' : kw];
      if (ad === undefined) err(`unknown ancillary keyword '#${mm[1]}'`);
      return P(rowOf(base, (r) => r.kind === 'ld_abs')!.code, (SKF_AD_OFF + ad!) >>> 0);
    }
    if ((mm = /^#\s*(.+)$/.exec(ops))) {
      if (suf !== '') err(`'${mn}' cannot load an immediate`);
      return P(CCls.LD | CMode.IMM, num(mm[1]!));
    }
    if ((mm = /^M\s*\[\s*([^\]]+?)\s*\]$/i.exec(ops))) {
      if (suf !== '') err(`'${mn}' cannot load scratch memory`);
      return P(CCls.LD | CMode.MEM, num(mm[1]!));
    }
    if ((mm = /^\[\s*%?x\s*(?:([+-])\s*([^\]]+?))?\s*\]$/i.exec(ops))) {
      let k = mm[2] === undefined ? 0 : num(mm[2]);
      if (mm[1] === '-') k = (-k) >>> 0;
      return P(rowOf(base, (r) => r.kind === 'ld_ind')!.code, k);
    }
    if ((mm = /^\[\s*([^\]]+?)\s*\]$/.exec(ops))) return P(rowOf(base, (r) => r.kind === 'ld_abs')!.code, num(mm[1]!));
    err(`cannot parse operand of '${mn}': '${ops}'`);
  }
  if (mn === 'ldx' || mn === 'ldxi' || mn === 'ldxb') {
    let mm: RegExpExecArray | null;
    if ((mm = /^4\s*\*\s*\(\s*\[\s*([^\]]+?)\s*\]\s*&\s*0?xf\s*\)$/i.exec(ops))) {
      return P(rowOf('ldxb', () => true)!.code, num(mm[1]!));
    }
    if (mn === 'ldxb') err(`'ldxb' expects 4*([k]&0xf)`);
    if ((mm = /^#\s*len$/i.exec(ops)) && mn === 'ldx') return P(rowOf('ldx', (r) => r.kind === 'ldx_len')!.code);
    if ((mm = /^#\s*(.+)$/.exec(ops))) return P(CCls.LDX | CMode.IMM, num(mm[1]!));
    if ((mm = /^M\s*\[\s*([^\]]+?)\s*\]$/i.exec(ops)) && mn === 'ldx') return P(CCls.LDX | CMode.MEM, num(mm[1]!));
    err(`cannot parse operand of '${mn}': '${ops}'`);
  }
  if (mn === 'ja' || mn === 'jmp') {
    const t = ops.trim();
    if (!/^([A-Za-z_.$][\w.$]*|\+\d+)$/.test(t)) err(`'${mn}' expects a label`);
    return { line, col, code: CCls.JMP | CJmpOp.JA, k: 0, jk: { name: t, col: opCol } };
  }
  const jalias: Record<string, [string, boolean]> = {
    jeq: ['jeq', false], jneq: ['jeq', true], jne: ['jeq', true], jgt: ['jgt', false], jle: ['jgt', true],
    jge: ['jge', false], jlt: ['jge', true], jset: ['jset', false],
  };
  if (mn in jalias) {
    const [base, swap] = jalias[mn]!;
    const parts = ops.split(',').map((x) => x.trim());
    if (parts.length < 2 || parts.length > 3) err(`'${mn}' expects #k or x, then one or two labels`);
    const srcX = /^%?x$/i.test(parts[0]!);
    const row = rowOf(base, (r) => r.src === (srcX ? 'X' : 'K'))!;
    let k = 0;
    if (!srcX) {
      const mm = /^#\s*(.+)$/.exec(parts[0]!) ?? err(`'${mn}' expects #k or x as first operand`);
      k = num(mm[1]!);
    }
    const lab = (t: string): Target => {
      if (!/^([A-Za-z_.$][\w.$]*|\+\d+)$/.test(t)) err(`expected a label, got '${t}'`);
      return { name: t, col: s.indexOf(t) + 1 };
    };
    const t1 = lab(parts[1]!);
    const t2 = parts[2] === undefined ? undefined : lab(parts[2]);
    const p: Pending = { line, col, code: row.code, k };
    // bpf_asm: `jeq #k, L` → jt = L, jf = 0; the negated aliases swap the roles.
    if (!swap) { p.jt = t1; if (t2) p.jf = t2; } else { p.jf = t1; if (t2) p.jt = t2; }
    return p;
  }
  const aluRows = BY_MNEMONIC.get(mn)?.filter((r) => r.kind === 'alu');
  if (aluRows && aluRows.length) {
    if (/^%?x$/i.test(ops)) return P(aluRows.find((r) => r.src === 'X')!.code);
    const mm = /^#\s*(.+)$/.exec(ops) ?? err(`'${mn}' expects #k or x`);
    return P(aluRows.find((r) => r.src === 'K')!.code, num(mm[1]!));
  }
  return err(`unknown mnemonic '${m[2]}'`, col);
}
