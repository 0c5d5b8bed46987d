/**
 * The eBPF → JavaScript compiler: turns a {@link ProgramImage} into one
 * generated function (`new Function`) that runs the program with exactly the
 * interpreter's semantics (src/vm/interpreter.ts; kernel/bpf/core.c).
 *
 * Shape of the generated function (see docs/jit.md):
 * - registers r0..r10 as int32 locals `rNl`/`rNh` (low/high halves), loaded
 *   from `ex.regs` on entry and stored back on every way out (return, tail
 *   call, cross-image return, fault);
 * - the program split into basic blocks (leaders: slot 0, jump and call
 *   targets, the slot after a jump, exit or bpf-to-bpf call); the blocks are
 *   `case` labels of one `switch (pc)` in a `for (;;)` loop, in slot order,
 *   so that falling through a block boundary costs nothing and taken jumps
 *   re-dispatch;
 * - the instruction budget is charged per block: at block entry
 *   `if (n + L > lim)` selects a careful copy of the block that counts and
 *   checks before every instruction (it runs at most once per run and ends
 *   in the same BUDGET fault, at the same slot and count, as the
 *   interpreter), else `n += L` and the block runs unchecked;
 * - bpf-to-bpf calls use the interpreter's frame stack (`ex.frames`,
 *   `ex.frameImages`, `ex.stackIds`); return addresses are block leaders;
 * - a tail call, or an `exit` returning to a frame of another image, leaves
 *   the function with the continuation in a {@link JitState} (return 1),
 *   and the engine (engine.ts) enters that image's function at that slot;
 * - with `fastStack` (the image never writes r10, and r10 is this frame's
 *   stack top on entry), r10-relative accesses whose offset is statically
 *   inside the 512-byte frame read and write the frame's stack directly
 *   (`sv`/`sb`); they can never fault, in either engine.
 *
 * Codegen rule: only numbers, booleans and identifiers from fixed tables are
 * spliced (emit.ts); the source is kept on the {@link JitProgram}.
 */

import { BpfError, ErrorCode, type RuntimeFault } from '../../errors.js';
import { jumpTarget, ROW_LDDW_HI } from '../../isa/insn.js';
import { MAX_CALL_FRAMES, type ExecContext } from '../exec.js';
import type { ProgramImage } from '../image.js';
import { atomic, ctxLoad, ldAbs } from '../interp-slow.js';
import {
  arsh64, bswap16, bswap32, bswap64, lsh64, mul64, rsh64, sdiv32, sdiv64, smod32, smod64, udiv32, udiv64, umod32, umod64,
} from '../u64.js';
import { emitInsn, flowOf, lo, hi, num, spillAll, writesR10, type EmitCtx } from './emit.js';

/** Where execution continues after a generated function returned 1. */
export interface JitState {
  /** The image to continue in. */
  img: ProgramImage;
  /** The slot to continue at. */
  pc: number;
  /** The current frame. */
  fp: number;
  /** Instructions executed so far. */
  n: number;
}

/**
 * A generated function: runs `image` from slot `pc` in frame `fp` with `n`
 * instructions already executed. Returns 0 when the run ended (r0 in
 * `ex.regs`, `ex.insns` set), 1 to continue as described by `st`.
 * @throws RuntimeFault exactly where the interpreter throws one.
 */
export type JitFn = (ex: ExecContext, pc: number, fp: number, n: number, st: JitState) => 0 | 1;

/** A compiled program. */
export interface JitProgram {
  /** The generated JavaScript (the body given to `new Function`). */
  readonly source: string;
  /** The generated function. */
  readonly fn: JitFn;
  /** Whether r10-relative accesses were specialised (see the module header). */
  readonly fastStack: boolean;
  /** Number of basic blocks. */
  readonly blocks: number;
}

/** Options of {@link generateSource} / {@link compileImage}. */
export interface CompileOptions {
  /** Specialise r10-relative stack accesses; ignored (false) when the image may write r10. Default true. */
  fastStack?: boolean;
}

const T = new Int32Array(2);

/** The run-time support handed to every generated function (shared code, not copies). */
const RT = Object.freeze({
  T, mul64, udiv64, umod64, sdiv64, smod64, lsh64, rsh64, arsh64, bswap16, bswap32, bswap64, udiv32, umod32, sdiv32, smod32,
  ldAbs, ctxLoad, atomic,
  callDepth: (ex: ExecContext, pc: number): RuntimeFault =>
    ex.fault(ErrorCode.CallDepth, `call stack is too deep: more than ${MAX_CALL_FRAMES} frames`, pc),
  kfunc: (ex: ExecContext, pc: number, id: number): RuntimeFault =>
    ex.fault(ErrorCode.Unsupported, `kfunc calls are not supported (btf id ${id})`, pc),
  badOpcode: (ex: ExecContext, pc: number, code: number): RuntimeFault =>
    ex.fault(ErrorCode.BadOpcode, `unknown opcode ${(code & 0xff).toString(16).padStart(2, '0')}`, pc),
  badEntry: (ex: ExecContext, pc: number): RuntimeFault =>
    ex.fault(ErrorCode.Runtime, `jit: no block starts at slot ${pc}`, pc),
});

const RT_NAMES = Object.keys(RT).join(', ');

/** True when the image may write r10 (then stack accesses are not specialised). */
export function imageWritesR10(image: ProgramImage): boolean {
  const p = image.program;
  for (let pc = 0; pc < p.length; pc++) {
    if (p.row[pc] === ROW_LDDW_HI) continue;
    const r = p.rowAt(pc);
    if (r !== undefined && writesR10(p, pc, r)) return true;
  }
  return false;
}

interface Block {
  start: number;
  /** Slots of the block's instructions (an ld_imm64 appears once). */
  slots: number[];
}

/** Splits the program into basic blocks (see the module header); the last block is the fall-off-the-end slot. */
function basicBlocks(image: ProgramImage): Block[] {
  const p = image.program;
  const n = p.length;
  const leader = new Uint8Array(n + 1);
  leader[0] = 1;
  leader[n] = 1;
  for (let pc = 0; pc < n; pc++) {
    if (p.row[pc] === ROW_LDDW_HI) continue;
    const r = p.rowAt(pc);
    if (r === undefined) throw new BpfError(ErrorCode.BadOpcode, `unknown opcode ${p.code[pc]!.toString(16).padStart(2, '0')}`, pc);
    const t = jumpTarget(p, pc);
    if (t !== undefined) {
      if (t < 0 || t >= n || p.row[t] === ROW_LDDW_HI) throw new BpfError(ErrorCode.BadJump, `jump out of range from insn ${pc} to ${t}`, pc);
      leader[t] = 1;
    }
    const f = flowOf(p, pc, r);
    if (f === 'jump' || f === 'cond' || f === 'exit' || f === 'call') leader[Math.min(n, pc + r.slots)] = 1;
  }
  const blocks: Block[] = [];
  let cur: Block | undefined;
  for (let pc = 0; pc < n; pc++) {
    if (p.row[pc] === ROW_LDDW_HI) continue;
    if (leader[pc] === 1 || cur === undefined) {
      cur = { start: pc, slots: [] };
      blocks.push(cur);
    }
    cur.slots.push(pc);
  }
  blocks.push({ start: n, slots: [] });
  return blocks;
}

function comment(image: ProgramImage, pc: number): string {
  const m = image.program.rowAt(pc)?.mnemonic ?? '';
  // Only table mnemonics of a fixed alphabet go into comments.
  return /^[a-z0-9 ]{1,24}$/.test(m) ? `// ${num(pc)}: ${m}` : `// ${num(pc)}`;
}

/**
 * Generates the JavaScript source of `image` (the body of a factory taking
 * `rt`, `IMG`, `words` and returning the {@link JitFn}).
 * @throws BpfError (BAD_OPCODE, BAD_JUMP) for an image that does not come from a valid program.
 */
export function generateSource(image: ProgramImage, opts: CompileOptions = {}): { source: string; fastStack: boolean; blocks: number } {
  const p = image.program;
  const fastStack = (opts.fastStack ?? true) && !imageWritesR10(image);
  const blocks = basicBlocks(image);
  const out: string[] = [];
  out.push(`'use strict';`);
  out.push(`const { ${RT_NAMES} } = rt;`);
  out.push(`return function bpf_jit(ex, pc, fp, n, st) {`);
  out.push(`  const R = ex.regs, regions = ex.mem.regions, frames = ex.frames, lim = ex.budget, ctxHookId = ex.ctxHookId, ctxFields = ex.ctxFields;`);
  const decl: string[] = [];
  for (let r = 0; r <= 10; r++) decl.push(`${lo(r)} = R[${2 * r}], ${hi(r)} = R[${2 * r + 1}]`);
  out.push(`  let ${decl.join(', ')};`);
  if (fastStack) out.push(`  let sb = regions[r10h].bytes, sv = regions[r10h].view;`);
  out.push(`  try {`);
  out.push(`    for (;;) {`);
  out.push(`      switch (pc) {`);
  for (const b of blocks) {
    const L = b.slots.length;
    out.push(`        case ${num(b.start)}: {`);
    if (L === 0) {
      // Falling off the end: the interpreter counts one more instruction and finds no opcode there.
      out.push(`          if (n + 1 > lim) { ex.insns = n; throw ex.budgetFault(${num(b.start)}); }`);
      out.push(`          n += 1; throw badOpcode(ex, ${num(b.start)}, 0);`);
      out.push(`        }`);
      continue;
    }
    // Careful copy: the budget runs out inside this block.
    out.push(`          if (n + ${L} > lim) {`);
    for (let k = 0; k < L; k++) {
      const pc = b.slots[k]!;
      if (k === L - 1) {
        out.push(`            ex.insns = n; throw ex.budgetFault(${num(pc)});`);
        break;
      }
      out.push(`            if (++n > lim) { ex.insns = n - 1; throw ex.budgetFault(${num(pc)}); }`);
      out.push(`            ${emitInsn(ctx(image, pc, 'n', fastStack), pc, p.rowAt(pc)!)}`);
    }
    out.push(`          }`);
    out.push(`          n += ${L};`);
    for (let k = 0; k < L; k++) {
      const pc = b.slots[k]!;
      const c = L - 1 - k;
      out.push(`          ${comment(image, pc)}`);
      out.push(`          ${emitInsn(ctx(image, pc, c === 0 ? 'n' : `(n - ${c})`, fastStack), pc, p.rowAt(pc)!)}`);
    }
    out.push(`        }`);
  }
  out.push(`        default: throw badEntry(ex, pc);`);
  out.push(`      }`);
  out.push(`    }`);
  out.push(`  } catch (e) {`);
  out.push(`    ${spillAll()}`);
  out.push(`    throw e;`);
  out.push(`  }`);
  out.push(`};`);
  return { source: out.join('\n') + '\n', fastStack, blocks: blocks.length };
}

function ctx(image: ProgramImage, pc: number, count: string, fastStack: boolean): EmitCtx {
  return { p: image.program, words: image.words, count, fastStack, target: jumpTarget(image.program, pc) };
}

/**
 * Compiles `image` into a {@link JitProgram}.
 * @throws BpfError (BAD_OPCODE, BAD_JUMP) for an invalid image; (RUNTIME) if the
 *   generated source does not compile (an internal error; the source is in the message).
 */
export function compileImage(image: ProgramImage, opts: CompileOptions = {}): JitProgram {
  const { source, fastStack, blocks } = generateSource(image, opts);
  let factory: (rt: typeof RT, img: ProgramImage, words: Int32Array) => JitFn;
  try {
    factory = new Function('rt', 'IMG', 'words', source) as typeof factory;
  } catch (e) {
    throw new BpfError(ErrorCode.Runtime, `jit: generated code does not compile (${(e as Error).message}):\n${source}`);
  }
  return { source, fn: factory(RT, image, image.words), fastStack, blocks };
}
