/**
 * Instruction checks in the kernel's order (kernel/bpf/verifier.c, Linux 6.18).
 *
 * Before abstract interpretation the kernel runs only a few whole-program
 * passes: check_subprogs (jump range, the last instruction of every
 * subprogram), then resolve_pseudo_ldimm64 (BPF_LDX modes, ld_imm64 pairs and
 * map references, `unknown opcode` for bytes outside its instruction table),
 * then check_cfg. Reserved fields and register numbers are checked by
 * do_check only on the instructions it visits, so dead code is never checked:
 * {@link insnFieldError} is that per-instruction check.
 */
import { disasmInsn } from '../asm/disasm.js';
import { type Program } from '../isa/insn.js';
import { AluOp, AtomicOp, CallSrc, Cls, JmpOp, Mode, Size, rowsForCode } from '../isa/opcodes.js';
import type { ProgTypeName } from '../isa/prog-types.js';
import { checkLdImm64At } from './cfg.js';
import { mayAccessSkb } from './ctx.js';
import { type Env, Reject } from './env.js';

/** BPF_JMP | BPF_JCOND (may_goto): in the kernel's table, not in ours. */
const MAY_GOTO = 0xe5;
/** BPF_JMP | BPF_CALL | BPF_X: in our table (callx), not in the kernel's. */
const CALLX = 0x8d;

/** bpf_opcode_in_insntable: whether the kernel knows the opcode byte at all. */
export function kernelKnowsOpcode(code: number): boolean {
  if (code === MAY_GOTO) return true;
  if (code === CALLX) return false;
  return rowsForCode(code).length > 0;
}

const isJmpClass = (code: number) => (code & 7) === Cls.JMP || (code & 7) === Cls.JMP32;

/**
 * add_subprog_and_kfunc and check_subprogs on raw slots: call targets lie
 * inside the program, every jump (any JMP/JMP32 byte other than call and
 * exit) stays in its subprogram, and each subprogram ends with exit or ja.
 * @throws Reject (EINVAL)
 */
export function checkSubprogsRaw(env: Env): void {
  const p = env.prog;
  const n = p.length;
  const starts = new Set<number>([0]);
  // add_subprog_and_kfunc: bpf-to-bpf calls and ld_imm64 function references start subprograms.
  for (let i = 0; i < n; i++) {
    const pseudoCall = p.code[i] === (Cls.JMP | JmpOp.CALL) && p.src[i] === CallSrc.PSEUDO_CALL;
    const pseudoFunc = p.code[i] === (Cls.LD | Mode.IMM | Size.DW) && p.src[i] === 4;
    if (pseudoCall || pseudoFunc) {
      const t = i + 1 + p.imm[i]!;
      if (t < 0 || t >= n) throw new Reject('call to invalid destination', i, 'EINVAL');
      starts.add(t);
    }
  }
  const subs = [...starts].sort((a, b) => a - b);
  for (let k = 0; k < subs.length; k++) {
    const s = subs[k]!, e = k + 1 < subs.length ? subs[k + 1]! : n;
    for (let i = s; i < e; i++) {
      const code = p.code[i]!;
      if (!isJmpClass(code)) continue;
      const op = code & 0xf0;
      if (op === JmpOp.EXIT || op === JmpOp.CALL) continue;
      const t = i + 1 + ((code & 7) === Cls.JMP32 && op === JmpOp.JA ? p.imm[i]! : p.off[i]!);
      if (t < s || t >= e) throw new Reject(`jump out of range from insn ${i} to ${t}`, i, 'EINVAL');
    }
    const last = p.code[e - 1]!;
    if (last !== (Cls.JMP | JmpOp.EXIT) && last !== (Cls.JMP | JmpOp.JA) && last !== (Cls.JMP32 | JmpOp.JA)) {
      throw new Reject('last insn is not an exit or jmp', e - 1, 'EINVAL');
    }
  }
}

/**
 * The per-slot loop of resolve_pseudo_ldimm64: BPF_LDX mode / imm, ld_imm64
 * pairs and their map references, unknown opcode bytes — first failure wins.
 * @throws Reject (EINVAL, EBADF)
 */
export function resolveLdImm64Raw(env: Env): void {
  const p = env.prog;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const code = p.code[i]!;
    if ((code & 7) === Cls.LDX && (((code & 0xe0) !== Mode.MEM && (code & 0xe0) !== Mode.MEMSX) || p.imm[i] !== 0)) {
      throw new Reject('BPF_LDX uses reserved fields', i, 'EINVAL');
    }
    if (code === (Cls.LD | Mode.IMM | Size.DW)) {
      if (i === n - 1 || p.code[i + 1] !== 0 || p.dst[i + 1] !== 0 || p.src[i + 1] !== 0 || p.off[i + 1] !== 0) {
        throw new Reject('invalid bpf_ld_imm64 insn', i, 'EINVAL');
      }
      if (p.src[i] !== 0) {
        if (p.src[i]! > 6) throw new Reject('unrecognized bpf_ld_imm64 insn', i, 'EINVAL');
        checkLdImm64At(env, i);
      }
      i++;
      continue;
    }
    if (!kernelKnowsOpcode(code)) throw new Reject(`unknown opcode ${code.toString(16).padStart(2, '0')}`, i, 'EINVAL');
  }
}

/**
 * do_check's checks of one visited instruction, in the kernel's order:
 * program-type restrictions of BPF_LD_[ABS|IND], reserved fields, then the
 * register numbers (`R11 is invalid`). Returns the error line, or undefined.
 */
export function insnFieldError(p: Program, pc: number, progType: ProgTypeName): string | undefined {
  const code = p.code[pc]!, dst = p.dst[pc]!, src = p.src[pc]!, off = p.off[pc]!, imm = p.imm[pc]!;
  const cls = code & 7, op = code & 0xf0, x = (code & 8) !== 0;
  const regs = (...r: number[]) => { for (const v of r) if (v > 10) return `R${v} is invalid`; return undefined; };
  switch (cls) {
    case Cls.ALU: case Cls.ALU64:
      if (op === AluOp.NEG) return x || src !== 0 || off !== 0 || imm !== 0 ? 'BPF_NEG uses reserved fields' : regs(dst);
      if (op === AluOp.END) {
        return src !== 0 || off !== 0 || (imm !== 16 && imm !== 32 && imm !== 64) || (cls === Cls.ALU64 && x)
          ? 'BPF_END uses reserved fields' : regs(dst);
      }
      if (op === AluOp.MOV) {
        if (!x) return src !== 0 || off !== 0 ? 'BPF_MOV uses reserved fields' : regs(dst);
        if (cls === Cls.ALU64 && off === 1) return 'addr_space_cast insn can only convert between address space 1 and 0';
        const offs = cls === Cls.ALU ? [0, 8, 16] : [0, 8, 16, 32];
        return !offs.includes(off) || imm !== 0 ? 'BPF_MOV uses reserved fields' : regs(src, dst);
      }
      if ((x ? imm !== 0 : src !== 0) || (off !== 0 && off !== 1) || (off === 1 && op !== AluOp.DIV && op !== AluOp.MOD)) {
        return 'BPF_ALU uses reserved fields';
      }
      return x ? regs(src, dst) : regs(dst);
    case Cls.LDX:
      return regs(src, dst);
    case Cls.ST:
      return (code & 0xe0) !== Mode.MEM || src !== 0 ? 'BPF_ST uses reserved fields' : regs(dst);
    case Cls.STX:
      if ((code & 0xe0) === Mode.ATOMIC) {
        const size = code & 0x18;
        const known = imm === AtomicOp.LOAD_ACQ || imm === AtomicOp.STORE_REL || imm === AtomicOp.XCHG || imm === AtomicOp.CMPXCHG
          || [AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR].some((a) => imm === a || imm === (a | AtomicOp.FETCH));
        if (!known) return `BPF_ATOMIC uses invalid atomic opcode ${(imm >>> 0).toString(16).padStart(2, '0')}`;
        if (imm !== AtomicOp.LOAD_ACQ && imm !== AtomicOp.STORE_REL && size !== Size.W && size !== Size.DW) return 'invalid atomic operand size';
        return regs(src, dst);
      }
      return (code & 0xe0) !== Mode.MEM || imm !== 0 ? 'BPF_STX uses reserved fields' : regs(src, dst);
    case Cls.LD: {
      const mode = code & 0xe0;
      if (mode === Mode.ABS || mode === Mode.IND) {
        if (!mayAccessSkb(progType)) return 'BPF_LD_[ABS|IND] instructions not allowed for this program type';
        if (dst !== 0 || off !== 0 || (code & 0x18) === Size.DW || (mode === Mode.ABS && src !== 0)) return 'BPF_LD_[ABS|IND] uses reserved fields';
        return mode === Mode.IND ? regs(src) : undefined;
      }
      if (off !== 0) return 'BPF_LD_IMM64 uses reserved fields';
      return regs(dst);
    }
    default: {
      // BPF_JMP / BPF_JMP32
      if (op === JmpOp.CALL) {
        return x || (src !== CallSrc.KFUNC && off !== 0) || (src !== CallSrc.HELPER && src !== CallSrc.PSEUDO_CALL && src !== CallSrc.KFUNC)
          || dst !== 0 || cls === Cls.JMP32 ? 'BPF_CALL uses reserved fields' : undefined;
      }
      if (op === JmpOp.JA) {
        return x || src !== 0 || dst !== 0 || (cls === Cls.JMP ? imm !== 0 : off !== 0) ? 'BPF_JA uses reserved fields' : undefined;
      }
      if (op === JmpOp.EXIT) {
        return x || imm !== 0 || src !== 0 || dst !== 0 || cls === Cls.JMP32 ? 'BPF_EXIT uses reserved fields' : undefined;
      }
      if (x ? imm !== 0 : src !== 0) return 'BPF_JMP/JMP32 uses reserved fields';
      return x ? regs(src, dst) : regs(dst);
    }
  }
}

/**
 * The log text of a visited instruction (`(b7) r0 = 0`), also for one whose
 * fields do_check is about to reject: the kernel's printer then shows the
 * fields it reads (`(d4) r0 = le0 r0`, `(bf) r2 = r0`) or `BUG_cb` for an
 * unknown atomic operation.
 */
export function insnLogText(p: Program, pc: number): string {
  const insn = p.insn(pc);
  const next = pc + 1 < p.length ? p.insn(pc + 1) : undefined;
  try {
    return disasmInsn(insn, next, { code: true });
  } catch {
    const code = insn.code;
    const hex = code.toString(16).padStart(2, '0');
    if ((code & 7) === Cls.STX && (code & 0xe0) === Mode.ATOMIC) return `BUG_${hex}`;
    if (((code & 7) === Cls.ALU || (code & 7) === Cls.ALU64) && (code & 0xf0) === AluOp.END) {
      const kind = (code & 7) === Cls.ALU64 ? 'bswap' : code & 8 ? 'be' : 'le';
      return `(${hex}) r${insn.dst} = ${kind}${insn.imm} r${insn.dst}`;
    }
    for (const alt of [{ ...insn, off: 0 }, { ...insn, imm: 0 }, { ...insn, off: 0, imm: 0 }]) {
      try { return disasmInsn(alt, next, { code: true }); } catch { /* next candidate */ }
    }
    return `(${hex}) BUG`;
  }
}
