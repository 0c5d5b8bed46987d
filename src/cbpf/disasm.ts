/**
 * Disassemblers for classic programs:
 *
 * - {@link disassembleCbpf}: bpf_asm syntax (tools/bpf/bpf_asm), with `Ln:`
 *   labels at jump targets; the output re-assembles to the same bytes
 *   (anything that is not a kernel-accepted instruction, or a jump past the
 *   end, is written as `.insn code, jt, jf, k`).
 * - {@link seccompListing}: a readable listing of a seccomp filter in the
 *   style of seccomp-tools (`A = sys_number`, `if (A == openat) goto 0012`,
 *   `return ERRNO(1)`), with architectures and syscall numbers resolved
 *   through src/seccomp/arch.ts — per path: after `if (A == ARCH_X86_64)`
 *   the comparisons with `sys_number` are named with x86_64's table.
 */
import { type SockFilter, formatSockFilterC } from './insn.js';
import { CAluOp, CJmpOp, SKF_AD_NAMES, SKF_AD_OFF, cbpfOpcode } from './opcodes.js';
import { formatAction } from '../seccomp/actions.js';
import { AUDIT_ARCH, archByValue, syscallName } from '../seccomp/arch.js';

const hx = (v: number) => '0x' + (v >>> 0).toString(16);

/** Options for {@link disassembleCbpf}. */
export interface CbpfDisasmOptions {
  /** Append `; { 0x15, 0, 1, 0x0000003e }` to every line. */
  raw?: boolean;
}

/** One instruction in bpf_asm syntax with jump targets as labels (`label(pc)`), or undefined if not expressible. */
function insnText(f: SockFilter, pc: number, n: number, label: (t: number) => string): string | undefined {
  const row = cbpfOpcode(f.code);
  if (row === undefined) return undefined;
  const k = f.k >>> 0;
  // Fields the instruction ignores must be zero, or the text would not re-assemble to the same bytes.
  if (row.kind !== 'jcond' && (f.jt !== 0 || f.jf !== 0)) return undefined;
  if (k !== 0 && (row.src === 'X' || row.src === 'A' || ['neg', 'tax', 'txa', 'ld_len', 'ldx_len'].includes(row.kind))) return undefined;
  switch (row.kind) {
    case 'ld_imm': return `ld #${hx(k)}`;
    case 'ld_abs':
      if (k >= (SKF_AD_OFF >>> 0)) {
        const name = SKF_AD_NAMES.get(k - (SKF_AD_OFF >>> 0));
        if (name !== undefined) return `${row.mnemonic} #${name}`;
      }
      return `${row.mnemonic} [${k}]`;
    case 'ld_ind': return `${row.mnemonic} [x + ${k}]`;
    case 'ld_mem': return `ld M[${k}]`;
    case 'ld_len': return 'ld #len';
    case 'ldx_imm': return `ldx #${hx(k)}`;
    case 'ldx_mem': return `ldx M[${k}]`;
    case 'ldx_len': return 'ldx #len';
    case 'ldx_msh': return `ldxb 4*([${k}]&0xf)`;
    case 'st': return `st M[${k}]`;
    case 'stx': return `stx M[${k}]`;
    case 'alu': return row.src === 'X' ? `${row.mnemonic} x` : `${row.mnemonic} #${hx(k)}`;
    case 'neg': return 'neg';
    case 'tax': return 'tax';
    case 'txa': return 'txa';
    case 'ret_k': return `ret #${hx(k)}`;
    case 'ret_a': return 'ret a';
    case 'ja':
      if (pc + 1 + k >= n) return undefined;
      return `ja ${label(pc + 1 + k)}`;
    case 'jcond': {
      const t = pc + 1 + f.jt, e = pc + 1 + f.jf;
      if (t >= n || e >= n) return undefined;
      const opnd = row.src === 'X' ? 'x' : '#' + hx(k);
      // bpf_asm forms: one target falls through when false; jne/jle/jlt negate jeq/jgt/jge.
      if (f.jf === 0 && f.jt !== 0) return `${row.mnemonic} ${opnd}, ${label(t)}`;
      const inverse: Record<string, string> = { jeq: 'jne', jgt: 'jle', jge: 'jlt' };
      if (f.jt === 0 && f.jf !== 0 && inverse[row.mnemonic]) return `${inverse[row.mnemonic]} ${opnd}, ${label(e)}`;
      return `${row.mnemonic} ${opnd}, ${label(t)}, ${label(e)}`;
    }
  }
}

/** Disassembles to bpf_asm text (one instruction per line, labels `L<pc>:` on their own lines). */
export function disassembleCbpf(filter: readonly SockFilter[], opts: CbpfDisasmOptions = {}): string {
  const n = filter.length;
  const targets = new Set<number>();
  const label = (t: number) => { targets.add(t); return `L${t}`; };
  const bodies = filter.map((f, pc) => {
    const t = insnText(f, pc, n, label);
    const body = t ?? `.insn ${hx(f.code)}, ${f.jt}, ${f.jf}, ${hx(f.k)}`;
    return opts.raw ? `${body.padEnd(28)} ; ${formatSockFilterC(f)}` : body;
  });
  const lines: string[] = [];
  bodies.forEach((b, pc) => {
    if (targets.has(pc)) lines.push(`L${pc}:`);
    lines.push(`\t${b}`);
  });
  return lines.join('\n') + '\n';
}

/** Options for {@link seccompListing}. */
export interface SeccompListingOptions {
  /** Architecture assumed where the filter has not checked it (default x86_64; `none` = do not resolve). */
  arch?: number | 'none';
}

type ASrc = { t: 'nr' } | { t: 'arch' } | { t: 'other' };
interface State { a: ASrc; arch: number | undefined }

function archLabel(v: number): string {
  for (const [k, val] of Object.entries(AUDIT_ARCH)) if (val === (v >>> 0)) return `ARCH_${k}`;
  return hx(v);
}

function fieldName(k: number): string {
  if (k === 0) return 'sys_number';
  if (k === 4) return 'arch';
  if (k === 8) return 'instruction_pointer';
  if (k === 12) return 'instruction_pointer >> 32';
  if (k >= 16 && k < 64) {
    const i = (k - 16) >> 3;
    return (k & 4) ? `args[${i}] >> 32` : `args[${i}]`;
  }
  return `data[${k}]`;
}

/**
 * A seccomp-tools-style listing:
 * ```
 *  line  CODE  JT   JF      K
 * =================================
 *  0000: 0x20 0x00 0x00 0x00000004  A = arch
 *  0001: 0x15 0x00 0x02 0xc000003e  if (A != ARCH_X86_64) goto 0004
 * ```
 */
export function seccompListing(filter: readonly SockFilter[], opts: SeccompListingOptions = {}): string {
  const n = filter.length;
  const width = Math.max(4, String(Math.max(0, n - 1)).length);
  const at = (t: number) => String(t).padStart(width, '0');
  const def = opts.arch === undefined ? AUDIT_ARCH.X86_64 : opts.arch === 'none' ? undefined : opts.arch;
  const incoming: (State | undefined | null)[] = new Array(n).fill(undefined);
  const merge = (t: number, s: State) => {
    if (t >= n) return;
    const cur = incoming[t];
    if (cur === undefined) incoming[t] = { a: s.a, arch: s.arch };
    else if (cur !== null) {
      incoming[t] = { a: cur.a.t === s.a.t ? cur.a : { t: 'other' }, arch: cur.arch === s.arch ? cur.arch : undefined };
    }
  };
  let st: State = { a: { t: 'other' }, arch: undefined };
  const lines = [` line  CODE  JT   JF      K`, `=================================`];
  for (let pc = 0; pc < n; pc++) {
    const f = filter[pc]!;
    const inc = incoming[pc];
    if (pc > 0) st = inc ? inc : { a: { t: 'other' }, arch: undefined };
    if (pc === 0) st = { a: { t: 'other' }, arch: undefined };
    const row = cbpfOpcode(f.code);
    const k = f.k >>> 0;
    const nrName = (v: number): string => {
      const a = st.arch ?? def;
      if (a === undefined) return hx(v);
      const info = archByValue(a, v);
      if (info === undefined) return hx(v);
      let name: string | undefined;
      try { name = syscallName(info, v); } catch { name = undefined; }
      return name ?? hx(v);
    };
    const operand = (v: number, eq: boolean): string => (st.a.t === 'nr' && eq ? nrName(v) : st.a.t === 'arch' && eq ? archLabel(v) : hx(v));
    let text: string;
    let next: State = st;
    let falls = true;
    if (row === undefined) {
      text = `??? (opcode ${hx(f.code)})`;
    } else {
      switch (row.kind) {
        case 'ld_abs': {
          text = `A = ${row.size === 4 ? fieldName(k) : `${row.mnemonic} [${k}]`}`;
          next = { a: k === 0 ? { t: 'nr' } : k === 4 ? { t: 'arch' } : { t: 'other' }, arch: st.arch };
          break;
        }
        case 'ld_ind': text = `A = ${row.mnemonic} [X + ${k}]`; next = { a: { t: 'other' }, arch: st.arch }; break;
        case 'ld_imm': text = `A = ${hx(k)}`; next = { a: { t: 'other' }, arch: st.arch }; break;
        case 'ld_mem': text = `A = mem[${k}]`; next = { a: { t: 'other' }, arch: st.arch }; break;
        case 'ld_len': text = 'A = 64'; next = { a: { t: 'other' }, arch: st.arch }; break;
        case 'ldx_imm': text = `X = ${hx(k)}`; break;
        case 'ldx_mem': text = `X = mem[${k}]`; break;
        case 'ldx_len': text = 'X = 64'; break;
        case 'ldx_msh': text = `X = 4*(ldb [${k}]&0xf)`; break;
        case 'st': text = `mem[${k}] = A`; break;
        case 'stx': text = `mem[${k}] = X`; break;
        case 'tax': text = 'X = A'; break;
        case 'txa': text = 'A = X'; next = { a: { t: 'other' }, arch: st.arch }; break;
        case 'neg': text = 'A = -A'; next = { a: { t: 'other' }, arch: st.arch }; break;
        case 'alu': {
          const sym: Record<number, string> = {
            [CAluOp.ADD]: '+=', [CAluOp.SUB]: '-=', [CAluOp.MUL]: '*=', [CAluOp.DIV]: '/=', [CAluOp.MOD]: '%=',
            [CAluOp.AND]: '&=', [CAluOp.OR]: '|=', [CAluOp.XOR]: '^=', [CAluOp.LSH]: '<<=', [CAluOp.RSH]: '>>=',
          };
          text = `A ${sym[row.op]} ${row.src === 'X' ? 'X' : hx(k)}`;
          next = { a: { t: 'other' }, arch: st.arch };
          break;
        }
        case 'ret_k': text = `return ${formatAction(k)}`; falls = false; break;
        case 'ret_a': text = 'return A'; falls = false; break;
        case 'ja': text = `goto ${at(pc + 1 + k)}`; merge(pc + 1 + k, st); falls = false; break;
        case 'jcond': {
          const rhs = row.src === 'X' ? 'X' : operand(k, row.op === CJmpOp.JEQ);
          const T = pc + 1 + f.jt, F = pc + 1 + f.jf;
          const ops: Record<number, [string, string]> = {
            [CJmpOp.JEQ]: ['==', '!='], [CJmpOp.JGT]: ['>', '<='], [CJmpOp.JGE]: ['>=', '<'], [CJmpOp.JSET]: ['&', '&'],
          };
          const [pos, neg] = ops[row.op]!;
          const cond = (negate: boolean) => (row.op === CJmpOp.JSET
            ? (negate ? `!(A & ${rhs})` : `A & ${rhs}`)
            : `A ${negate ? neg : pos} ${rhs}`);
          if (f.jf === 0) text = `if (${cond(false)}) goto ${at(T)}`;
          else if (f.jt === 0) text = `if (${cond(true)}) goto ${at(F)}`;
          else text = `if (${cond(false)}) goto ${at(T)} else goto ${at(F)}`;
          // An equality test on arch pins the architecture on the true branch.
          const isArchEq = row.op === CJmpOp.JEQ && row.src === 'K' && st.a.t === 'arch';
          merge(T, isArchEq ? { a: st.a, arch: k } : st);
          merge(F, st);
          falls = false;
          break;
        }
      }
    }
    if (falls) merge(pc + 1, next);
    lines.push(` ${at(pc)}: ${hx2(f.code)} ${hx2(f.jt)} ${hx2(f.jf)} 0x${k.toString(16).padStart(8, '0')}  ${text}`);
  }
  return lines.join('\n') + '\n';
}

function hx2(v: number): string {
  return '0x' + v.toString(16).padStart(2, '0');
}
