/**
 * Disassembler for classic programs in bpf_asm syntax (tools/bpf/bpf_asm),
 * with `Ln:` labels at jump targets; the output re-assembles to the same
 * bytes (anything that is not a kernel-accepted instruction, or a jump past
 * the end, is written as `.insn code, jt, jf, k`). The seccomp-tools-style
 * listing of a seccomp filter is src/seccomp/listing.ts.
 */
import { type SockFilter, formatSockFilterC } from './insn.js';
import { SKF_AD_NAMES, SKF_AD_OFF, cbpfOpcode } from './opcodes.js';

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
