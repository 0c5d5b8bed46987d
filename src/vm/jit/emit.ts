/**
 * JIT code emission: one eBPF instruction → JavaScript statements over the
 * register locals of the generated function (src/vm/jit/compile.ts).
 *
 * Semantics are exactly the interpreter's (src/vm/interpreter.ts, which
 * follows kernel/bpf/core.c ___bpf_prog_run and the verifier's run-time
 * rewrites): the emitted code calls the same 64-bit helpers (src/vm/u64.ts)
 * and the same slow paths (src/vm/interp-slow.ts, src/vm/exec.ts), and
 * inlines only what the interpreter inlines too (add/sub, bitwise ops,
 * compares, moves, loads and stores with the region bounds check).
 *
 * Codegen rule (ajv model): the emitted text is built from fixed fragments,
 * register identifiers taken from a fixed table ({@link lo}/{@link hi}) and
 * integers checked by {@link num}; no string from the program or from the
 * caller is ever spliced. Register locals always hold int32 values (`| 0`
 * wherever an expression could leave that range).
 */

import { BpfError, ErrorCode } from '../../errors.js';
import { AluOp, CallSrc, Cls, JmpOp, type OpcodeRow } from '../../isa/opcodes.js';
import type { Program } from '../../isa/insn.js';
import { FRAME_WORDS, MAX_CALL_FRAMES, STACK_SIZE } from '../exec.js';
import { BPF_FUNC_TAIL_CALL, F_IMM, F_IMMHI, W } from '../image.js';

const LO = ['r0l', 'r1l', 'r2l', 'r3l', 'r4l', 'r5l', 'r6l', 'r7l', 'r8l', 'r9l', 'r10l'] as const;
const HI = ['r0h', 'r1h', 'r2h', 'r3h', 'r4h', 'r5h', 'r6h', 'r7h', 'r8h', 'r9h', 'r10h'] as const;

/** Bytes of stack per frame (r10 points at its end). */
const STACK_BYTES = STACK_SIZE;

function internal(msg: string): BpfError {
  return new BpfError(ErrorCode.Runtime, `jit: ${msg}`);
}

/** The local holding the low half of register `r` (a checked identifier). */
export function lo(r: number): string {
  const s = LO[r];
  if (s === undefined) throw internal(`register ${r} out of range`);
  return s;
}

/** The local holding the high half of register `r` (a checked identifier). */
export function hi(r: number): string {
  const s = HI[r];
  if (s === undefined) throw internal(`register ${r} out of range`);
  return s;
}

/** A checked integer literal (parenthesised when negative). */
export function num(x: number): string {
  if (!Number.isSafeInteger(x)) throw internal(`non-integer constant ${String(x)}`);
  return x < 0 ? `(${x})` : String(x);
}

/** Statements storing every register local into `R` (ex.regs). */
export function spillAll(): string {
  let s = '';
  for (let r = 0; r <= 10; r++) s += `R[${2 * r}] = ${lo(r)}; R[${2 * r + 1}] = ${hi(r)}; `;
  return s;
}

function spill(rs: readonly number[]): string {
  return [...new Set(rs)].map((r) => `R[${2 * r}] = ${lo(r)}; R[${2 * r + 1}] = ${hi(r)};`).join(' ');
}

function reload(rs: readonly number[]): string {
  return [...new Set(rs)].map((r) => `${lo(r)} = R[${2 * r}]; ${hi(r)} = R[${2 * r + 1}];`).join(' ');
}

/** What an instruction does to control flow (for block formation). */
export type Flow = 'next' | 'jump' | 'cond' | 'exit' | 'call' | 'tail';

/** Control-flow class of the instruction with opcode row `r` at `pc`. */
export function flowOf(p: Program, pc: number, r: OpcodeRow): Flow {
  switch (r.kind) {
    case 'ja': return 'jump';
    case 'jcond': return 'cond';
    case 'exit': return 'exit';
    case 'call':
      if (p.src[pc] === CallSrc.PSEUDO_CALL) return 'call';
      if (p.src[pc] === CallSrc.HELPER && p.imm[pc] === BPF_FUNC_TAIL_CALL) return 'tail';
      return 'next';
    default: return 'next';
  }
}

/** Per-instruction emission context. */
export interface EmitCtx {
  readonly p: Program;
  /** Image words (resolved ld_imm64 constants; atomic slow-path records). */
  readonly words: Int32Array;
  /** Expression for the exact executed-instruction count after this instruction. */
  readonly count: string;
  /** r10-relative accesses may address the frame's stack (`sb`/`sv`) directly. */
  readonly fastStack: boolean;
  /** Jump / call target slot, when the instruction has one. */
  readonly target: number | undefined;
  /** The slot has bad reserved fields or registers (ProgramImage.bad): it only faults. */
  readonly bad: boolean;
}

function bytesOf(width: number): number {
  return width === 64 ? 8 : width === 32 ? 4 : width === 16 ? 2 : 1;
}

/** The 64-bit ALU operation `op` of `dst` with operand (bh, bl). */
function alu64(op: number, d: number, bh: string, bl: string, signed: boolean): string {
  const dl = lo(d), dh = hi(d);
  const viaT = (f: string, args: string): string => `${f}(T, 0, ${args}); ${dl} = T[0]; ${dh} = T[1];`;
  // Both high halves zero (a constant high half of 0 drops out of the test).
  const narrow = bh === '0' ? dh : `${dh} | ${bh}`;
  switch (op) {
    case AluOp.ADD: return `{ const a = ${dl}, l = (a + ${bl}) | 0; ${dh} = (${dh} + ${bh} + ((l >>> 0) < (a >>> 0) ? 1 : 0)) | 0; ${dl} = l; }`;
    case AluOp.SUB: return `{ const a = ${dl}, c = ${bl}; ${dh} = (${dh} - ${bh} - ((a >>> 0) < (c >>> 0) ? 1 : 0)) | 0; ${dl} = (a - c) | 0; }`;
    // Both operands below 2^32: the 32-bit halves of the shared helpers give the same 64-bit result.
    case AluOp.MUL:
      return `if ((${narrow}) === 0) { const h = mulhiU32(${dl} >>> 0, ${bl} >>> 0); ${dl} = Math.imul(${dl}, ${bl}); ${dh} = h | 0; } ` +
        `else { ${viaT('mul64', `${dh}, ${dl}, ${bh}, ${bl}`)} }`;
    case AluOp.DIV:
      if (signed) return viaT('sdiv64', `${dh}, ${dl}, ${bh}, ${bl}`);
      return `if ((${narrow}) === 0) ${dl} = udiv32(${dl}, ${bl}); else { ${viaT('udiv64', `${dh}, ${dl}, ${bh}, ${bl}`)} }`;
    case AluOp.MOD:
      if (signed) return viaT('smod64', `${dh}, ${dl}, ${bh}, ${bl}`);
      return `if ((${narrow}) === 0) ${dl} = umod32(${dl}, ${bl}); else { ${viaT('umod64', `${dh}, ${dl}, ${bh}, ${bl}`)} }`;
    case AluOp.OR: return `${dl} |= ${bl}; ${dh} |= ${bh};`;
    case AluOp.AND: return `${dl} &= ${bl}; ${dh} &= ${bh};`;
    case AluOp.XOR: return `${dl} ^= ${bl}; ${dh} ^= ${bh};`;
    case AluOp.MOV: return `${dl} = ${bl}; ${dh} = ${bh};`;
    case AluOp.LSH: return viaT('lsh64', `${dh}, ${dl}, ${bl}`);
    case AluOp.RSH: return viaT('rsh64', `${dh}, ${dl}, ${bl}`);
    case AluOp.ARSH: return viaT('arsh64', `${dh}, ${dl}, ${bl}`);
    default: throw internal(`alu64 op ${op}`);
  }
}

/** The 32-bit ALU operation `op` of `dst` with operand `b` (int32 expression); zero-extends. */
function alu32(op: number, d: number, b: string, signed: boolean, shiftK: string | undefined): string {
  const dl = lo(d), dh = hi(d);
  const sh = shiftK ?? `(${b} & 31)`;
  let e: string;
  switch (op) {
    case AluOp.ADD: e = `(${dl} + ${b}) | 0`; break;
    case AluOp.SUB: e = `(${dl} - ${b}) | 0`; break;
    case AluOp.MUL: e = `Math.imul(${dl}, ${b})`; break;
    case AluOp.DIV: e = `${signed ? 'sdiv32' : 'udiv32'}(${dl}, ${b})`; break;
    case AluOp.MOD: e = `${signed ? 'smod32' : 'umod32'}(${dl}, ${b})`; break;
    case AluOp.OR: e = `${dl} | ${b}`; break;
    case AluOp.AND: e = `${dl} & ${b}`; break;
    case AluOp.XOR: e = `${dl} ^ ${b}`; break;
    case AluOp.MOV: e = b; break;
    case AluOp.LSH: e = `${dl} << ${sh}`; break;
    case AluOp.RSH: e = `(${dl} >>> ${sh}) | 0`; break;
    case AluOp.ARSH: e = `${dl} >> ${sh}`; break;
    default: throw internal(`alu32 op ${op}`);
  }
  return `${dl} = ${e}; ${dh} = 0;`;
}

/** The branch condition of a conditional jump. */
function condition(op: number, is64: boolean, d: number, bh: string, bl: string, bhU: string, blU: string): string {
  const dl = lo(d), dh = hi(d);
  if (!is64) {
    switch (op) {
      case JmpOp.JEQ: return `${dl} === ${bl}`;
      case JmpOp.JNE: return `${dl} !== ${bl}`;
      case JmpOp.JSET: return `(${dl} & ${bl}) !== 0`;
      case JmpOp.JGT: return `(${dl} >>> 0) > ${blU}`;
      case JmpOp.JGE: return `(${dl} >>> 0) >= ${blU}`;
      case JmpOp.JLT: return `(${dl} >>> 0) < ${blU}`;
      case JmpOp.JLE: return `(${dl} >>> 0) <= ${blU}`;
      case JmpOp.JSGT: return `${dl} > ${bl}`;
      case JmpOp.JSGE: return `${dl} >= ${bl}`;
      case JmpOp.JSLT: return `${dl} < ${bl}`;
      case JmpOp.JSLE: return `${dl} <= ${bl}`;
      default: throw internal(`jmp32 op ${op}`);
    }
  }
  const u = (cmp: string, eqCmp: string): string => `(${dh} >>> 0) ${cmp} ${bhU} || (${dh} === ${bh} && (${dl} >>> 0) ${eqCmp} ${blU})`;
  const s = (cmp: string, eqCmp: string): string => `${dh} ${cmp} ${bh} || (${dh} === ${bh} && (${dl} >>> 0) ${eqCmp} ${blU})`;
  switch (op) {
    case JmpOp.JEQ: return `${dl} === ${bl} && ${dh} === ${bh}`;
    case JmpOp.JNE: return `${dl} !== ${bl} || ${dh} !== ${bh}`;
    case JmpOp.JSET: return `(${dl} & ${bl}) !== 0 || (${dh} & ${bh}) !== 0`;
    case JmpOp.JGT: return u('>', '>');
    case JmpOp.JGE: return u('>', '>=');
    case JmpOp.JLT: return u('<', '<');
    case JmpOp.JLE: return u('<', '<=');
    case JmpOp.JSGT: return s('>', '>');
    case JmpOp.JSGE: return s('>', '>=');
    case JmpOp.JSLT: return s('<', '<');
    case JmpOp.JSLE: return s('<', '<=');
    default: throw internal(`jmp op ${op}`);
  }
}

/** The branch condition (a JavaScript boolean expression) of the conditional jump at `pc`. */
export function jumpCondition(p: Program, pc: number, r: OpcodeRow): string {
  const d = p.dst[pc]!, s = p.src[pc]!, imm = p.imm[pc]!;
  let bh: string, bl: string, bhU: string, blU: string;
  if (r.source === 'X') { bh = hi(s); bl = lo(s); bhU = `(${bh} >>> 0)`; blU = `(${bl} >>> 0)`; }
  else { bh = num(imm >> 31); bl = num(imm); bhU = num((imm >> 31) >>> 0); blU = num(imm >>> 0); }
  return condition(r.op, r.cls === Cls.JMP, d, bh, bl, bhU, blU);
}

/** The region lookup and bounds/permission check of a memory access; leaves `rg` and `o` in scope. */
function access(pc: number, base: number, off: number, size: number, write: boolean): string {
  const perm = write ? 2 : 1;
  // On a failed check, ex.retryAccess carries the offset into the region id (the 64-bit address) or faults.
  return `let h = ${hi(base)}, o = (${lo(base)} >>> 0) + ${num(off)}; ` +
    `let rg = h > 0 && h < regions.length ? regions[h] : undefined; ` +
    `if (rg === undefined || o < 0 || o + ${size} > rg.bytes.length || (rg.perm & ${perm}) === 0) { rg = ex.retryAccess(${num(pc)}, h, o, ${size}, ${perm}); h = ex.accHi; o = ex.accOff; } `;
}

/** Register assignment of a loaded value of `size` bytes at (view `v`, bytes `b`, offset `o`). */
function loadValue(d: number, size: number, signed: boolean, v: string, b: string, o: string): string {
  const dl = lo(d), dh = hi(d);
  if (size === 8) return `${dl} = ${v}.getInt32(${o}, true); ${dh} = ${v}.getInt32(${o} + 4, true);`;
  if (!signed) {
    const e = size === 4 ? `${v}.getInt32(${o}, true)` : size === 2 ? `${v}.getUint16(${o}, true)` : `${b}[${o}]`;
    return `${dl} = ${e}; ${dh} = 0;`;
  }
  const e = size === 4 ? `${v}.getInt32(${o}, true)` : size === 2 ? `${v}.getInt16(${o}, true)` : `${v}.getInt8(${o})`;
  return `{ const x = ${e}; ${dl} = x; ${dh} = x >> 31; }`;
}

/** Stores of (lo, hi) expressions of `size` bytes. */
function storeValue(size: number, v: string, b: string, o: string, vl: string, vh: string): string {
  if (size === 8) return `${v}.setInt32(${o}, ${vl}, true); ${v}.setInt32(${o} + 4, ${vh}, true);`;
  if (size === 4) return `${v}.setInt32(${o}, ${vl}, true);`;
  if (size === 2) return `${v}.setInt16(${o}, ${vl}, true);`;
  return `${b}[${o}] = ${vl};`;
}

/** A fast r10-relative stack offset, or undefined when the access must take the generic path. */
function stackOffset(c: EmitCtx, base: number, off: number, size: number): number | undefined {
  if (!c.fastStack || base !== 10) return undefined;
  const o = STACK_BYTES + off;
  return o >= 0 && o + size <= STACK_BYTES ? o : undefined;
}

/** Statements for returning from the generated function after `exit` of frame 0 or an early end. */
export function endRun(count: string): string {
  return `ex.insns = ${count}; ${spillAll()}return 0;`;
}

/**
 * JavaScript statements for the instruction at `pc` (any kind; control
 * transfers end with `continue main` / `return`).
 * @throws BpfError (RUNTIME) on an internal inconsistency (never for program input).
 */
export function emitInsn(c: EmitCtx, pc: number, r: OpcodeRow): string {
  // The kernel's do_check fault (interp-slow.ts badInsn); its row and registers may be invalid.
  if (c.bad) return `throw badInsn(ex, IMG, ${num(pc)});`;
  const { p } = c;
  const d = p.dst[pc]!, s = p.src[pc]!, off = p.off[pc]!, imm = p.imm[pc]!;
  const P = num(pc);
  switch (r.kind) {
    case 'alu': {
      const signed = (r.op === AluOp.DIV || r.op === AluOp.MOD) && off === 1;
      if (r.is64) {
        const bh = r.source === 'X' ? hi(s) : num(imm >> 31);
        const bl = r.source === 'X' ? lo(s) : num(imm);
        return alu64(r.op, d, bh, bl, signed);
      }
      const b = r.source === 'X' ? lo(s) : num(imm);
      return alu32(r.op, d, b, signed, r.source === 'K' ? num(imm & 31) : undefined);
    }
    case 'neg':
      if (!r.is64) return `${lo(d)} = -${lo(d)} | 0; ${hi(d)} = 0;`;
      return `{ const l = ${lo(d)}; ${lo(d)} = -l | 0; ${hi(d)} = (~${hi(d)} + (l === 0 ? 1 : 0)) | 0; }`;
    case 'movsx': {
      const sh = 32 - r.width;
      const v = sh === 0 ? lo(s) : `((${lo(s)} << ${sh}) >> ${sh})`;
      if (!r.is64) return `${lo(d)} = ${v}; ${hi(d)} = 0;`;
      return `{ const v = ${v}; ${lo(d)} = v; ${hi(d)} = v >> 31; }`;
    }
    case 'end': {
      const dl = lo(d), dh = hi(d);
      if (!r.is64 && r.source === 'K') { // le16/32/64: truncation only on a little-endian machine
        if (r.width === 16) return `${dl} &= 0xffff; ${dh} = 0;`;
        if (r.width === 32) return `${dh} = 0;`;
        return '';
      }
      if (r.width === 16) return `${dl} = bswap16(${dl}); ${dh} = 0;`;
      if (r.width === 32) return `${dl} = bswap32(${dl}); ${dh} = 0;`;
      return `bswap64(T, 0, ${dh}, ${dl}); ${dl} = T[0]; ${dh} = T[1];`;
    }
    case 'lddw': {
      const b = pc * W;
      return `${lo(d)} = ${num(c.words[b + F_IMM]!)}; ${hi(d)} = ${num(c.words[b + F_IMMHI]!)};`;
    }
    case 'ldx': case 'ldxsx': {
      const size = bytesOf(r.width);
      const signed = r.kind === 'ldxsx';
      const so = stackOffset(c, s, off, size);
      if (so !== undefined) return loadValue(d, size, signed, 'sv', 'sb', num(so));
      let st = `{ ${access(pc, s, off, size, false)}`;
      if (r.code === 0x61) {
        // 32-bit ctx loads of data/data_end/data_meta are rewritten (ctx.ts), as in the interpreter.
        st += `if (h === ctxHookId && o < ctxFields.length && ctxFields[o] !== 0) { ctxLoad(ex, ${2 * d}, ctxFields[o]); ${reload([d])} } else { ${loadValue(d, size, false, 'rg.view', 'rg.bytes', 'o')} } }`;
        return st;
      }
      return st + `${loadValue(d, size, signed, 'rg.view', 'rg.bytes', 'o')} }`;
    }
    case 'st': case 'stx': {
      const size = bytesOf(r.width);
      const vl = r.kind === 'st' ? num(imm) : lo(s);
      const vh = r.kind === 'st' ? num(imm >> 31) : hi(s);
      const so = stackOffset(c, d, off, size);
      if (so !== undefined) return storeValue(size, 'sv', 'sb', num(so), vl, vh);
      return `{ ${access(pc, d, off, size, true)}${storeValue(size, 'rg.view', 'rg.bytes', 'o', vl, vh)} }`;
    }
    case 'atomic': {
      const regs = [0, d, s];
      return `${spill(regs)} atomic(ex, words, ${num(pc * W)}, ${P}); ${reload(regs)}`;
    }
    case 'ldabs': case 'ldind': {
      const size = bytesOf(r.width);
      const o = r.kind === 'ldabs' ? num(imm) : `(${lo(s)} + ${num(imm)}) | 0`;
      // Out of bounds: bpf_skb_load_helper fails and the program exits with r0 = 0.
      return `if (!ldAbs(ex, ${o}, ${size})) { r0l = 0; r0h = 0; ${endRun(c.count)} } r0l = R[0]; r0h = R[1];`;
    }
    case 'ja':
      return `pc = ${num(c.target!)}; continue main;`;
    case 'jcond':
      return `if (${jumpCondition(p, pc, r)}) { pc = ${num(c.target!)}; continue main; }`;
    case 'call': {
      if (s === CallSrc.PSEUDO_CALL) {
        let st = `if (fp + 1 >= ${MAX_CALL_FRAMES}) throw callDepth(ex, ${P}); { const f = fp * ${FRAME_WORDS}; frames[f] = ${num(pc + 1)}; `;
        for (let i = 0; i < 5; i++) st += `frames[f + ${1 + 2 * i}] = ${lo(6 + i)}; frames[f + ${2 + 2 * i}] = ${hi(6 + i)}; `;
        st += `} ex.frameImages[fp] = IMG; fp++; { const sid = ex.stackIds[fp]; regions[sid].bytes.fill(0); r10l = ${STACK_BYTES}; r10h = sid; }`;
        if (c.fastStack) st += ` sb = regions[r10h].bytes; sv = regions[r10h].view;`;
        return st + ` pc = ${num(c.target!)}; continue main;`;
      }
      if (s === CallSrc.KFUNC) return `throw kfunc(ex, ${P}, ${num(imm)});`;
      if (imm === BPF_FUNC_TAIL_CALL) {
        // As the interpreter: a target that relies on r10 being the frame's stack top refuses a moved r10.
        return `${spill([1, 2, 3, 4, 5])} { const t = ex.tailCall(); if (t !== undefined) { ` +
          `if (!t.writesR10 && (r10l !== ${STACK_BYTES} || r10h !== ex.stackIds[fp])) throw tailR10(ex, ${P}); ` +
          `${spillAll()}st.img = t; st.pc = 0; st.fp = fp; st.n = ${c.count}; return 1; } }`;
      }
      return `ex.insns = ${c.count}; ${spill([1, 2, 3, 4, 5])} if (ex.callHelper(${num(imm)}, ${P})) { r0l = R[0]; r0h = R[1]; ${spillAll()}return 0; } r0l = R[0]; r0h = R[1];`;
    }
    case 'callx':
      return `ex.insns = ${c.count}; ${spill([1, 2, 3, 4, 5])} if (ex.callHelper(${lo(d)}, ${P})) { r0l = R[0]; r0h = R[1]; ${spillAll()}return 0; } r0l = R[0]; r0h = R[1];`;
    case 'exit': {
      let st = `if (fp === 0) { ${endRun(c.count)} } fp--; { const f = fp * ${FRAME_WORDS}; pc = frames[f]; `;
      for (let i = 0; i < 5; i++) st += `${lo(6 + i)} = frames[f + ${1 + 2 * i}]; ${hi(6 + i)} = frames[f + ${2 + 2 * i}]; `;
      st += `} { const img = ex.frameImages[fp]; if (img !== IMG) { ${spillAll()}st.img = img; st.pc = pc; st.fp = fp; st.n = ${c.count}; return 1; } }`;
      if (c.fastStack) st += ` sb = regions[r10h].bytes; sv = regions[r10h].view;`;
      return st + ' continue main;';
    }
    default:
      return `throw badOpcode(ex, ${P}, ${num(r.code)});`;
  }
}
