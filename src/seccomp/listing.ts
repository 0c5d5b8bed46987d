/**
 * A readable listing of a seccomp filter in the style of seccomp-tools
 * (`A = sys_number`, `if (A == openat) goto 0012`, `return ERRNO(1)`), with
 * architectures and syscall numbers resolved through ./arch.ts — per path:
 * after `if (A == ARCH_X86_64)` the comparisons with `sys_number` are named
 * with x86_64's table; return values are named by ./actions.ts.
 */
import type { SockFilter } from '../cbpf/insn.js';
import { CAluOp, CJmpOp, cbpfOpcode } from '../cbpf/opcodes.js';
import { formatAction } from './actions.js';
import { AUDIT_ARCH, archByValue, syscallName } from './arch.js';

const hx = (v: number) => '0x' + (v >>> 0).toString(16);

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
