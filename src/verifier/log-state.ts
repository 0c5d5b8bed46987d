/**
 * The register state the kernel appends to an instruction line
 * (kernel/bpf/log.c print_insn_state / print_verifier_state with only the
 * scratched registers and stack slots, Linux 6.18):
 * `0: (b7) r1 = 0                        ; R1=0`. The `;` sits at the column
 * vlog_alignment gives (40-byte alignment, 8-byte steps).
 */
import type { OpcodeRow } from '../isa/opcodes.js';
import { AtomicOp } from '../isa/opcodes.js';
import type { Env } from './env.js';
import { type Frame, type LogCtx, MAX_BPF_STACK, type Reg, Slot, type State, formatReg } from './state.js';
import { tnumIsConst } from './scalar-api.js';

/** Registers and stack slots (spi) an instruction touches: what the kernel marks scratched. */
export interface Scratched { regs: number[]; slots: number[] }

/**
 * The registers and stack slots the instruction at `pc` reads or writes,
 * computed before it runs (a load may overwrite its base register).
 * Undefined for instructions after which the kernel prints no state here.
 */
export function scratchedBy(env: Env, st: State, pc: number, row: OpcodeRow): Scratched | undefined {
  const p = env.prog;
  const dst = p.dst[pc]!, src = p.src[pc]!, off = p.off[pc]!;
  const regs = st.frames[st.frames.length - 1]!.regs;
  const slotsOf = (base: number, size: number): number[] => {
    const r = regs[base];
    if (!r || r.type !== 'fp' || !tnumIsConst(r.s.var_off)) return [];
    const o = r.off + Number(BigInt.asIntN(64, r.s.var_off.value)) + off;
    const out: number[] = [];
    for (let b = o; b < o + size; b++) {
      if (b < -MAX_BPF_STACK || b >= 0) continue;
      const spi = (-b - 1) >> 3;
      if (!out.includes(spi)) out.push(spi);
    }
    return out.sort((a, b) => a - b);
  };
  const two = (a: number, b: number) => (a === b ? [a] : [Math.min(a, b), Math.max(a, b)]);
  const size = row.width / 8;
  switch (row.kind) {
    case 'alu': return { regs: row.source === 'X' ? two(src, dst) : [dst], slots: [] };
    case 'movsx': return { regs: two(src, dst), slots: [] };
    case 'neg': case 'end': case 'lddw': return { regs: [dst], slots: [] };
    case 'ldx': case 'ldxsx': return { regs: two(src, dst), slots: slotsOf(src, size) };
    case 'st': return { regs: [dst], slots: slotsOf(dst, size) };
    case 'stx': return { regs: two(src, dst), slots: slotsOf(dst, size) };
    case 'atomic': {
      const rs = p.imm[pc] === AtomicOp.CMPXCHG ? [...new Set([0, src, dst])].sort((a, b) => a - b) : two(src, dst);
      return { regs: rs, slots: slotsOf(p.imm[pc] === AtomicOp.LOAD_ACQ ? src : dst, size) };
    }
    case 'jcond': return { regs: row.source === 'X' ? two(src, dst) : [dst], slots: [] };
    case 'call': return p.src[pc] === 0 ? { regs: [0], slots: [] } : undefined;
    default: return undefined;
  }
}

/** One stack slot as print_verifier_state shows it (`fp-8=0`, `fp-16=mmmm????`), or undefined when untouched. */
export function formatSlot(f: Frame, spi: number, lc: LogCtx): string | undefined {
  const base = MAX_BPF_STACK - 8 * (spi + 1);
  let txt = '';
  let any = false;
  for (let i = 7; i >= 0; i--) {
    const t = f.slots[base + i]!;
    if (t !== Slot.INVALID) any = true;
    txt += t === Slot.SPILL ? 'r' : t === Slot.MISC ? 'm' : t === Slot.ZERO ? '0' : '?';
  }
  if (!any) return undefined;
  const sp: Reg | undefined = f.spilled[spi];
  // A spill narrower than 8 bytes shows the types of the bytes above it first (`fp-16=????5`).
  return `fp${-8 * (spi + 1)}=${f.slots[base] === Slot.SPILL && sp ? txt.slice(0, txt.indexOf('r')) + formatReg(sp, lc) : txt}`;
}

/**
 * Appends ` ; R1=0 R10=fp0 fp-8=0` to an instruction line, aligned as the
 * kernel does; the line is returned unchanged when nothing printable was touched.
 */
export function withInsnState(line: string, st: State, sc: Scratched, lc: LogCtx): string {
  const f = st.frames[st.frames.length - 1]!;
  const parts: string[] = [];
  for (const r of sc.regs) {
    const reg = f.regs[r];
    if (reg && reg.type !== 'not_init') parts.push(`R${r}=${formatReg(reg, lc)}`);
  }
  for (const spi of sc.slots) {
    const s = formatSlot(f, spi, lc);
    if (s) parts.push(s);
  }
  if (parts.length === 0) return line;
  // vlog_alignment(pos) with pos = the line length including its newline.
  const col = Math.ceil(Math.max(line.length + 1 + 4, 40) / 8) * 8 - 2;
  return `${line.padEnd(col)}; ${parts.join(' ')}`;
}
