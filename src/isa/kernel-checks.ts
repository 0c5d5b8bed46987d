/**
 * The kernel's per-instruction field checks (kernel/bpf/verifier.c, Linux
 * 6.18), shared by the verifier (src/verifier/static-checks.ts) and the VM
 * loader (src/vm/image.ts):
 * - {@link kernelKnowsOpcode}: bpf_opcode_in_insntable, the static
 *   `unknown opcode` check of resolve_pseudo_ldimm64;
 * - {@link insnFieldError}: do_check's reserved-field and register checks,
 *   which the kernel applies only to the instructions it explores (so a
 *   malformed instruction in dead code is accepted; the VM faults when one
 *   is executed).
 */
import type { Program } from './insn.js';
import { AluOp, AtomicOp, CallSrc, Cls, JmpOp, Mode, Size, rowsForCode } from './opcodes.js';

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

/**
 * do_check's checks of one visited instruction, in the kernel's order:
 * program-type restrictions of BPF_LD_[ABS|IND] (`ldAbsAllowed`: the
 * verifier's may_access_skb), reserved fields, then the register numbers
 * (`R11 is invalid`). Returns the kernel's error line, or undefined.
 */
export function insnFieldError(p: Program, pc: number, ldAbsAllowed: boolean): string | undefined {
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
        if (!ldAbsAllowed) return 'BPF_LD_[ABS|IND] instructions not allowed for this program type';
        if (dst !== 0 || off !== 0 || (code & 0x18) === Size.DW || (mode === Mode.ABS && src !== 0)) return 'BPF_LD_[ABS|IND] uses reserved fields';
        return mode === Mode.IND ? regs(src) : undefined;
      }
      if (off !== 0) return 'BPF_LD_IMM64 uses reserved fields';
      return regs(dst);
    }
    default: {
      // BPF_JMP / BPF_JMP32
      if (code === MAY_GOTO) {
        if (src !== 0 || dst !== 0 || imm !== 0) return `invalid may_goto imm ${imm}`;
        // Linux explores both sides with a loop budget (may_goto_depth); bpfsim's VM has no such instruction.
        return 'may_goto is not supported by bpfsim';
      }
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

