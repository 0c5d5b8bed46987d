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
import { insnFieldError as fieldError, kernelKnowsOpcode } from '../isa/kernel-checks.js';
import { AluOp, CallSrc, Cls, JmpOp, Mode, Size } from '../isa/opcodes.js';
import type { ProgTypeName } from '../isa/prog-types.js';
import { checkLdImm64At } from './cfg.js';
import { mayAccessSkb } from './ctx.js';
import { type Env, Reject } from './env.js';

export { kernelKnowsOpcode };

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
      // Only the exact BPF_JMP32 | BPF_JA byte takes its offset from imm (0x0e, not an opcode, uses off).
      const t = i + 1 + (code === (Cls.JMP32 | JmpOp.JA) ? p.imm[i]! : p.off[i]!);
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
 * do_check's checks of one visited instruction, in the kernel's order
 * (src/isa/kernel-checks.ts, shared with the VM), with the program type's
 * LD_ABS / LD_IND restriction. Returns the error line, or undefined.
 */
export function insnFieldError(p: Program, pc: number, progType: ProgTypeName): string | undefined {
  return fieldError(p, pc, mayAccessSkb(progType));
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
