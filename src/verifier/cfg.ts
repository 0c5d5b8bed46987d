/**
 * Structural passes before abstract interpretation (kernel/bpf/verifier.c,
 * Linux 6.18: resolve_pseudo_ldimm64, check_subprogs, check_cfg):
 * ld_imm64 map references, subprogram boundaries, jumps that leave their
 * subprogram, the last instruction of each subprogram, unreachable
 * instructions, and the prune points used by state pruning.
 */
import { type Program, ROW_LDDW_HI, jumpTarget } from '../isa/insn.js';
import { CallSrc, Cls, PseudoSrc } from '../isa/opcodes.js';
import { BPF_MAX_VAR_OFF, type Env, Reject } from './env.js';

/** resolve_pseudo_ldimm64: map references by index, direct value offsets. */
export function checkLdImm64(env: Env): void {
  const p = env.prog;
  for (let i = 0; i < p.length; i++) {
    const r = p.rowAt(i);
    if (!r || r.kind !== 'lddw') continue;
    checkLdImm64At(env, i);
    i++;
  }
}

/** The map reference of the ld_imm64 at slot `i` (resolve_pseudo_ldimm64). */
export function checkLdImm64At(env: Env, i: number): void {
  const p = env.prog;
  const src = p.src[i]!;
  if (src === PseudoSrc.IMM) return;
  if (src === PseudoSrc.BTF_ID || src === PseudoSrc.FUNC) throw new Reject('unrecognized bpf_ld_imm64 insn', i, 'EINVAL');
  const hiImm = p.imm[i + 1]!;
  if ((src === PseudoSrc.MAP_FD || src === PseudoSrc.MAP_IDX) && hiImm !== 0) throw new Reject('unrecognized bpf_ld_imm64 insn', i, 'EINVAL');
  const idx = p.imm[i]!;
  const m = env.maps[idx];
  if (idx < 0 || m === undefined) throw new Reject(`fd ${idx} is not pointing to valid bpf_map`, i, 'EBADF' as never);
  if (src === PseudoSrc.MAP_VALUE || src === PseudoSrc.MAP_IDX_VALUE) {
    const off = hiImm >>> 0;
    if (off >= BPF_MAX_VAR_OFF) throw new Reject(`direct value offset of ${off} is not allowed`, i, 'EINVAL');
    if (m.type !== 'array') throw new Reject('no direct value access support for this map type', i, 'EINVAL');
    if (m.maxEntries !== 1 || off >= m.valueSize) throw new Reject(`invalid access to map value pointer, value_size=${m.valueSize} off=${off}`, i, 'EINVAL');
  }
}

/** check_subprogs + check_cfg. Fills env.subprogs, env.prunePoint, env.callees. */
export function checkCfg(env: Env): void {
  const p = env.prog;
  const n = p.length;
  const starts = new Set<number>([0]);
  for (let i = 0; i < n; i++) {
    const r = p.rowAt(i);
    if (r && r.kind === 'call' && p.src[i] === CallSrc.PSEUDO_CALL) starts.add(i + 1 + p.imm[i]!);
    if (r && r.kind === 'call' && p.src[i] === CallSrc.KFUNC) throw new Reject('calling kernel functions are not supported', i, 'EINVAL');
  }
  env.subprogs = [...starts].sort((a, b) => a - b);
  const subEnd = (k: number) => (k + 1 < env.subprogs.length ? env.subprogs[k + 1]! : n);
  for (let k = 0; k < env.subprogs.length; k++) {
    const s = env.subprogs[k]!, e = subEnd(k);
    for (let i = s; i < e; i++) {
      if (p.row[i] === ROW_LDDW_HI) continue;
      const r = p.rowAt(i);
      if (!r || r.kind === 'call') continue;
      const t = jumpTarget(p, i);
      if (t !== undefined && (t < s || t >= e)) throw new Reject(`jump out of range from insn ${i} to ${t}`, i, 'EINVAL');
    }
    let last = e - 1;
    if (p.row[last] === ROW_LDDW_HI) last--;
    const lr = p.rowAt(last);
    if (!lr || !(lr.kind === 'exit' || lr.kind === 'ja')) throw new Reject('last insn is not an exit or jmp', last, 'EINVAL');
  }
  // Reachability (depth-first, like check_cfg) and prune points.
  env.prunePoint = new Uint8Array(n);
  const seen = new Uint8Array(n);
  const stack = [0];
  seen[0] = 1;
  const visit = (t: number) => { if (!seen[t]) { seen[t] = 1; stack.push(t); } };
  while (stack.length) {
    const i = stack.pop()!;
    const r = p.rowAt(i);
    if (!r) {
      // A byte the kernel knows but with fields do_check will reject when it gets there
      // (BPF_JMP | BPF_JCOND, may_goto, falls through or jumps).
      if (p.code[i] === 0xe5) { const t = i + 1 + p.off[i]!; if (t >= 0 && t < n) { env.prunePoint[t] = 1; visit(t); } }
      if (i + 1 < n) visit(i + 1);
      continue;
    }
    switch (r.kind) {
      case 'exit': break;
      case 'ja': { const t = jumpTarget(p, i)!; env.prunePoint[t] = 1; visit(t); break; }
      case 'jcond': {
        const t = jumpTarget(p, i)!;
        env.prunePoint[t] = 1;
        visit(i + 1); visit(t);
        break;
      }
      case 'call':
        if (p.src[i] === CallSrc.PSEUDO_CALL) {
          const t = i + 1 + p.imm[i]!;
          visit(t);
          env.prunePoint[i + 1] = 1;
          const caller = subprogOf(env, i);
          if (!env.callees.has(caller)) env.callees.set(caller, new Set());
          env.callees.get(caller)!.add(t);
        }
        visit(i + 1);
        break;
      default:
        visit(i + r.slots);
    }
  }
  for (let i = 0; i < n; i++) {
    if (p.row[i] === ROW_LDDW_HI) continue;
    if (!seen[i]) throw new Reject(`unreachable insn ${i}`, i, 'EINVAL');
    if (p.rowAt(i)?.kind === 'lddw') {
      if (seen[i + 1]) throw new Reject(`jump into the middle of ldimm64 insn ${i}`, i, 'EINVAL');
      i++;
    }
  }
  void Cls;
}

/** The subprogram start containing slot `pc`. */
export function subprogOf(env: Env, pc: number): number {
  let s = 0;
  for (const x of env.subprogs) if (x <= pc) s = x;
  return s;
}

/**
 * check_max_stack_depth: along every static call chain the stack frames
 * (each rounded up to 16 bytes, as with the JIT) fit in 512 bytes, and the
 * chain is at most 8 frames deep (recursion never is).
 */
export function checkMaxStackDepth(env: Env): void {
  const round = (d: number) => (d + 15) & ~15;
  const walk = (sp: number, depth: number, frame: number): void => {
    if (frame >= 8) throw new Reject(`the call stack of ${frame} frames is too deep !`, sp, 'E2BIG');
    const d = depth + round(env.stackDepth.get(sp) ?? 0);
    if (d > 512) throw new Reject(`combined stack size of ${frame + 1} calls is ${d}. Too large`, sp, 'EACCES');
    for (const c of env.callees.get(sp) ?? []) walk(c, d, frame + 1);
  };
  walk(0, 0, 0);
}

export type { Program };
