/**
 * Backward emitter for classic BPF: a program is built from its last
 * instruction to its first, so every jump target already has a position when
 * the jump is emitted. Conditional jumps have 8-bit offsets; when a target is
 * farther than 255 instructions, a `ret` target is re-emitted next to the
 * jump (libseccomp does the same with its action blocks) and any other target
 * gets a `ja` trampoline (32-bit offset).
 */
import { BpfError, ErrorCode } from '../../errors.js';
import type { SockFilter } from '../../cbpf/insn.js';
import { CCls, CJmpOp, CMode, CSize, CSrc, CRval, CAluOp, BPF_MAXINSNS } from '../../cbpf/opcodes.js';

/** A jump target: an emitted instruction (position counted from the end) or a return value. */
export type Target = { readonly pos: number } | { readonly ret: number };

/** Classic opcodes the compilers use. */
export const OP = {
  LD_ABS: CCls.LD | CSize.W | CMode.ABS,
  JEQ: CCls.JMP | CJmpOp.JEQ | CSrc.K,
  JGT: CCls.JMP | CJmpOp.JGT | CSrc.K,
  JGE: CCls.JMP | CJmpOp.JGE | CSrc.K,
  JSET: CCls.JMP | CJmpOp.JSET | CSrc.K,
  JA: CCls.JMP | CJmpOp.JA,
  AND: CCls.ALU | CAluOp.AND | CSrc.K,
  RET: CCls.RET | CRval.K,
} as const;

/** Builds a classic program backwards. */
export class BackwardEmitter {
  /** Instructions in reverse order (rev[0] is the last one). */
  private readonly rev: SockFilter[] = [];
  /** Nearest emitted copy of each return value (position from the end). */
  private readonly rets = new Map<number, number>();

  /** Current position (from the end) the next emitted instruction will get. */
  get next(): number {
    return this.rev.length;
  }

  /** Emits (or reuses, when adjacent) `ret k`; returns its target. */
  ret(k: number): Target {
    const v = k >>> 0;
    const at = this.rets.get(v);
    if (at !== undefined && at === this.rev.length - 1) return { pos: at };
    return { pos: this.push(OP.RET, 0, 0, v, true) };
  }

  /** Emits a non-jump instruction (ld, alu). */
  plain(code: number, k: number): Target {
    return { pos: this.push(code, 0, 0, k >>> 0) };
  }

  /** Emits a conditional jump `code k` with targets; returns its target. */
  jump(code: number, k: number, jt: Target, jf: Target): Target {
    let t = jt;
    let f = jf;
    for (;;) {
      const cur = this.rev.length;
      const dt = this.dist(t, cur);
      const df = this.dist(f, cur);
      if (dt > 255) { t = this.near(t); continue; }
      if (df > 255) { f = this.near(f); continue; }
      return { pos: this.push(code, dt, df, k >>> 0) };
    }
  }

  /** Unconditional `ja` to a target (no-op when the target is the next instruction). */
  goto(t: Target): Target {
    const cur = this.rev.length;
    const d = this.dist(t, cur);
    if (d === 0) return this.resolve(t);
    const ret = 'ret' in t ? t.ret : this.retAt(t.pos);
    if (ret !== undefined) return { pos: this.push(OP.RET, 0, 0, ret >>> 0, true) };
    return { pos: this.push(OP.JA, 0, 0, d) };
  }

  /** The position of a target, emitting a ret when it was never emitted. */
  resolve(t: Target): Target {
    if ('pos' in t) return t;
    const at = this.rets.get(t.ret >>> 0);
    return at !== undefined ? { pos: at } : this.ret(t.ret);
  }

  /** The finished program, first instruction first. */
  finish(): SockFilter[] {
    if (this.rev.length > BPF_MAXINSNS) {
      throw new BpfError(ErrorCode.Seccomp, `compiled filter has ${this.rev.length} instructions, above the kernel's limit of ${BPF_MAXINSNS}`);
    }
    return this.rev.slice().reverse();
  }

  private dist(t: Target, cur: number): number {
    if ('pos' in t) return cur - t.pos - 1;
    const at = this.rets.get(t.ret >>> 0);
    return at === undefined ? Infinity : cur - at - 1;
  }

  /** A copy of the target right here: a fresh ret, or a ja trampoline. */
  private near(t: Target): Target {
    if ('ret' in t) return { pos: this.push(OP.RET, 0, 0, t.ret >>> 0, true) };
    const ret = this.retAt(t.pos);
    if (ret !== undefined) return { pos: this.push(OP.RET, 0, 0, ret, true) };
    return { pos: this.push(OP.JA, 0, 0, this.rev.length - t.pos - 1) };
  }

  private retAt(pos: number): number | undefined {
    const i = this.rev[pos];
    return i !== undefined && i.code === OP.RET ? i.k : undefined;
  }

  private push(code: number, jt: number, jf: number, k: number, isRet = false): number {
    const pos = this.rev.length;
    this.rev.push({ code, jt, jf, k });
    if (isRet) this.rets.set(k, pos);
    if (this.rev.length > 1 << 20) throw new BpfError(ErrorCode.Seccomp, 'compiled filter grew beyond 2^20 instructions');
    return pos;
  }
}
