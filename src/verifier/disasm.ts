/**
 * Kernel-style instruction text for verifier log lines, in the format of
 * `kernel/bpf/disasm.c` (print_bpf_insn): `(61) r0 = *(u32 *)(r1 +4)`.
 * A compact printer used until the assembler module's kernel style is merged.
 */
import { AluOp, AtomicOp, Cls, JmpOp, Mode, type Program, PseudoSrc, ROW_LDDW_HI } from '../isa/index.js';
import { helperName } from './helpers.js';

const ALU_SYM: Record<number, string> = {
  [AluOp.ADD]: '+=', [AluOp.SUB]: '-=', [AluOp.MUL]: '*=', [AluOp.DIV]: '/=', [AluOp.OR]: '|=', [AluOp.AND]: '&=',
  [AluOp.LSH]: '<<=', [AluOp.RSH]: '>>=', [AluOp.MOD]: '%=', [AluOp.XOR]: '^=', [AluOp.MOV]: '=', [AluOp.ARSH]: 's>>=',
};
const JMP_SYM: Record<number, string> = {
  [JmpOp.JEQ]: '==', [JmpOp.JGT]: '>', [JmpOp.JGE]: '>=', [JmpOp.JSET]: '&', [JmpOp.JNE]: '!=', [JmpOp.JSGT]: 's>',
  [JmpOp.JSGE]: 's>=', [JmpOp.JLT]: '<', [JmpOp.JLE]: '<=', [JmpOp.JSLT]: 's<', [JmpOp.JSLE]: 's<=',
};
const SZ = ['u32', 'u16', 'u8', 'u64'];

function offStr(o: number): string { return o >= 0 ? `+${o}` : `${o}`; }

/** `(code) text` for the instruction at slot `pc`. */
export function disasmInsn(p: Program, pc: number): string {
  const code = p.code[pc]!, dst = p.dst[pc]!, src = p.src[pc]!, off = p.off[pc]!, imm = p.imm[pc]!;
  const hex = `(${code.toString(16).padStart(2, '0')})`;
  const r = p.rowAt(pc);
  if (r === undefined || p.row[pc] === ROW_LDDW_HI) return `${hex} invalid`;
  const cls = code & 7;
  const sz = SZ[(code >> 3) & 3]!;
  const w = (reg: number, is64: boolean) => `${is64 ? 'r' : 'w'}${reg}`;
  switch (r.kind) {
    case 'alu': {
      const is64 = cls === Cls.ALU64;
      let sym = ALU_SYM[r.op]!;
      if (off === 1 && (r.op === AluOp.DIV || r.op === AluOp.MOD)) sym = 's' + sym;
      const rhs = r.source === 'X' ? w(src, is64) : `${imm}`;
      return `${hex} ${w(dst, is64)} ${sym} ${rhs}`;
    }
    case 'movsx': return `${hex} ${w(dst, r.is64)} = (s${off})${w(src, r.is64)}`;
    case 'neg': return `${hex} ${w(dst, r.is64)} = -${w(dst, r.is64)}`;
    case 'end': return `${hex} ${w(dst, true)} = ${r.is64 ? 'bswap' : r.source === 'X' ? 'be' : 'le'}${imm} r${dst}`;
    case 'ja': return `${hex} goto pc${offStr(cls === Cls.JMP32 ? imm : off)}`;
    case 'jcond': {
      const is64 = cls === Cls.JMP;
      const rhs = r.source === 'X' ? w(src, is64) : `0x${(imm >>> 0).toString(16)}`;
      return `${hex} if ${w(dst, is64)} ${JMP_SYM[r.op]} ${rhs} goto pc${offStr(off)}`;
    }
    case 'call':
      if (src === 1) return `${hex} call pc${offStr(imm)}`;
      if (src === 2) return `${hex} call kernel-function`;
      return `${hex} call ${helperName(imm)}#${imm}`;
    case 'callx': return `${hex} callx r${dst}`;
    case 'exit': return `${hex} exit`;
    case 'lddw': {
      const v = p.imm64(pc);
      if (src === PseudoSrc.MAP_FD || src === PseudoSrc.MAP_IDX) return `${hex} r${dst} = map[id:${imm}]`;
      if (src === PseudoSrc.MAP_VALUE || src === PseudoSrc.MAP_IDX_VALUE) return `${hex} r${dst} = map[id:${imm}][0]+${p.imm[pc + 1]}`;
      return `${hex} r${dst} = 0x${v.toString(16)}`;
    }
    case 'ldabs': return `${hex} r0 = *(${sz} *)skb[${imm}]`;
    case 'ldind': return `${hex} r0 = *(${sz} *)skb[r${src} + ${imm}]`;
    case 'ldx': return `${hex} r${dst} = *(${sz} *)(r${src} ${offStr(off)})`;
    case 'ldxsx': return `${hex} r${dst} = *(s${sz.slice(1)} *)(r${src} ${offStr(off)})`;
    case 'st': return `${hex} *(${sz} *)(r${dst} ${offStr(off)}) = ${imm}`;
    case 'stx': return `${hex} *(${sz} *)(r${dst} ${offStr(off)}) = r${src}`;
    case 'atomic': {
      const m = `(${sz} *)(r${dst} ${offStr(off)})`;
      const ww = (code & 0x18) === 0x18 ? 'r' : 'w';
      const name: Record<number, string> = { [AtomicOp.ADD]: 'add', [AtomicOp.OR]: 'or', [AtomicOp.AND]: 'and', [AtomicOp.XOR]: 'xor' };
      if (imm === AtomicOp.XCHG) return `${hex} ${ww}${src} = atomic${ww === 'r' ? '64' : ''}_xchg(${m}, ${ww}${src})`;
      if (imm === AtomicOp.CMPXCHG) return `${hex} ${ww === 'r' ? 'r' : 'w'}0 = atomic${ww === 'r' ? '64' : ''}_cmpxchg(${m}, ${ww}0, ${ww}${src})`;
      if (imm === AtomicOp.LOAD_ACQ) return `${hex} r${dst} = load_acquire((${sz} *)(r${src} ${offStr(off)}))`;
      if (imm === AtomicOp.STORE_REL) return `${hex} store_release(${m}, r${src})`;
      if (imm & AtomicOp.FETCH) return `${hex} ${ww}${src} = atomic${ww === 'r' ? '64' : ''}_fetch_${name[imm & ~1]}(${m}, ${ww}${src})`;
      return `${hex} lock *${m} ${ALU_SYM[imm]} ${ww}${src}`;
    }
  }
  void Mode;
  return hex;
}
