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
 *   targets, the slot after a jump, exit or bpf-to-bpf call), and the blocks
 *   into chunks of about {@link CHUNK_INSNS} instructions, one function each
 *   (V8 only optimises small functions); in a chunk, forward conditional
 *   jumps become `if` blocks and loops labelled `for` loops where they nest
 *   (structure()), every other jump target is a `case` of one `switch (pc)`
 *   in a `for (;;)` loop; a jump out of the chunk returns to the engine;
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
import { atomic, badInsn, ctxLoad, ldAbs } from '../interp-slow.js';
import {
  arsh64, bswap16, bswap32, bswap64, lsh64, mul64, mulhiU32, rsh64, sdiv32, sdiv64, smod32, smod64, udiv32, udiv64, umod32, umod64,
} from '../u64.js';
import { emitInsn, flowOf, jumpCondition, lo, hi, num, spillAll, type EmitCtx } from './emit.js';

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
 * A generated chunk function: runs `image` from slot `pc` (a block leader of
 * its chunk) in frame `fp` with `n` instructions already executed. Returns 0
 * when the run ended (r0 in `ex.regs`, `ex.insns` set), 1 to continue as
 * described by `st` (another chunk, a tail call, a return into another image).
 * @throws RuntimeFault exactly where the interpreter throws one.
 */
export type JitFn = (ex: ExecContext, pc: number, fp: number, n: number, st: JitState) => 0 | 1;

/** A compiled program. */
export interface JitProgram {
  /** The generated JavaScript (the body given to `new Function`). */
  readonly source: string;
  /** The generated functions, one per chunk of consecutive blocks. */
  readonly fns: readonly JitFn[];
  /** Index into {@link JitProgram.fns} of the chunk holding each slot (and the end slot). */
  readonly chunkOf: Int32Array;
  /** Whether r10-relative accesses were specialised (see the module header). */
  readonly fastStack: boolean;
  /** Number of basic blocks. */
  readonly blocks: number;
}

/** Options of {@link generateSource} / {@link compileImage}. */
export interface CompileOptions {
  /** Specialise r10-relative stack accesses; ignored (false) when the image may write r10. Default true. */
  fastStack?: boolean;
  /** Emit forward conditional jumps and loops as structured `if` / `for` where possible (default true); else every jump dispatches. */
  structured?: boolean;
  /** Instructions per generated function (default {@link CHUNK_INSNS}; small values are for tests). */
  chunkInsns?: number;
}

const T = new Int32Array(2);

/** The run-time support handed to every generated function (shared code, not copies). */
const RT: Record<string, unknown> = Object.freeze({
  careful: (...a: Parameters<typeof careful>) => careful(...a),
  T, mul64, mulhiU32, udiv64, umod64, sdiv64, smod64, lsh64, rsh64, arsh64, bswap16, bswap32, bswap64, udiv32, umod32, sdiv32, smod32,
  ldAbs, ctxLoad, atomic, badInsn,
  callDepth: (ex: ExecContext, pc: number): RuntimeFault =>
    ex.fault(ErrorCode.CallDepth, `call stack is too deep: more than ${MAX_CALL_FRAMES} frames`, pc),
  kfunc: (ex: ExecContext, pc: number, id: number): RuntimeFault =>
    ex.fault(ErrorCode.Unsupported, `kfunc calls are not supported (btf id ${id})`, pc),
  badOpcode: (ex: ExecContext, pc: number, code: number): RuntimeFault =>
    ex.fault(ErrorCode.BadOpcode, `unknown opcode ${(code & 0xff).toString(16).padStart(2, '0')}`, pc),
  tailR10: (ex: ExecContext, pc: number): RuntimeFault =>
    ex.fault(ErrorCode.Unsupported, 'tail call with a modified frame pointer (r10) is not supported', pc),
});

const RT_NAMES = Object.keys(RT).join(', ');

/** Longest basic block (longer straight-line code is split; falling through costs nothing). */
const MAX_BLOCK = 64;

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
    if (image.bad.has(pc)) continue; // faults when executed: no jump target, treated as falling through
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
    if (leader[pc] === 1 || cur === undefined || cur.slots.length >= MAX_BLOCK) {
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

/** Deepest nesting of structured regions (deeper jumps dispatch; keeps the generated code shallow). */
const MAX_NESTING = 24;

/** A conditional jump emitted as structured code: a forward `if` or a loop back edge. */
interface Region {
  /** Slot of the jump. */
  readonly jump: number;
  readonly target: number;
  /** First and last slot the region covers: [jump+1, target-1] (if) or [target, jump] (loop). */
  readonly lo: number;
  readonly hi: number;
  readonly loop: boolean;
}

/**
 * Chooses which conditional jumps become structured code (an `if` around the
 * skipped slots, or a labelled `for` around a loop body) and which blocks need
 * a `case` label (dispatch targets: slot 0, the end, call targets, return
 * addresses, targets of every other jump). A region may hold no `case` label
 * (a loop only at its header) and regions must nest; conflicting jumps fall
 * back to dispatch, until a fixpoint.
 */
function structure(image: ProgramImage, blocks: Block[], enabled: boolean, extraTargets: readonly number[]): { regions: Map<number, Region>; isCase: Uint8Array } {
  const p = image.program;
  const n = p.length;
  const cand = new Map<number, Region>();
  const dispatchTargets: number[] = [0, n, ...extraTargets];
  const loopAt = new Map<number, number>(); // header -> latch slot of the structured candidate
  for (const b of blocks) {
    const j = b.slots[b.slots.length - 1];
    if (j === undefined || image.bad.has(j)) continue;
    const r = p.rowAt(j)!;
    const t = jumpTarget(p, j);
    const f = flowOf(p, j, r);
    if (f === 'cond' && t !== undefined && !enabled) dispatchTargets.push(t);
    else if (f === 'cond' && t !== undefined) {
      if (t > j) cand.set(j, { jump: j, target: t, lo: j + 1, hi: t - 1, loop: false });
      else {
        const prev = loopAt.get(t);
        if (prev === undefined || prev < j) loopAt.set(t, j);
        cand.set(j, { jump: j, target: t, lo: t, hi: j, loop: true });
      }
    } else if (t !== undefined) dispatchTargets.push(t);
    if (f === 'call') dispatchTargets.push(j + 1);
  }
  // One structured loop per header: the outermost back edge.
  const dropped: number[] = [];
  for (const [j, r] of [...cand]) if (r.loop && loopAt.get(r.target) !== j) { cand.delete(j); dropped.push(j); }
  const isCase = new Uint8Array(n + 1);
  const before = new Int32Array(n + 2); // before[i] = number of case slots < i
  const extLo = (r: Region): number => (r.loop ? r.lo : r.jump); // an if's code opens at its jump
  for (;;) {
    isCase.fill(0);
    for (const t of dispatchTargets) isCase[t] = 1;
    for (const j of dropped) isCase[jumpTarget(p, j)!] = 1;
    for (let i = 0; i <= n; i++) before[i + 1] = before[i]! + isCase[i]!;
    const drop: number[] = [];
    // 1. No dispatch target inside a region (a loop may have one at its header).
    for (const r of cand.values()) {
      const from = r.loop ? r.lo + 1 : r.lo;
      if (from <= r.hi && before[r.hi + 1]! - before[from]! > 0) drop.push(r.jump);
    }
    // 2. Regions nest (or are disjoint), at most MAX_NESTING deep.
    if (drop.length === 0) {
      const sorted = [...cand.values()].sort((a, b) => extLo(a) - extLo(b) || b.hi - a.hi);
      const stack: Region[] = [];
      for (const r of sorted) {
        while (stack.length > 0 && stack[stack.length - 1]!.hi < extLo(r)) stack.pop();
        const top = stack[stack.length - 1];
        if ((top !== undefined && r.hi > top.hi) || stack.length >= MAX_NESTING) drop.push(r.jump);
        else stack.push(r);
      }
    }
    if (drop.length === 0) break;
    for (const j of drop) { cand.delete(j); dropped.push(j); }
  }
  return { regions: cand, isCase };
}

/**
 * The opening lines shared by every generated function (chunk and careful
 * block): runtime state in locals, registers loaded into hi/lo locals, the
 * stack view when the stack stays put, and the `try {` whose handler writes
 * the registers back.
 */
function functionPrologue(fastStack: boolean): string[] {
  const decl: string[] = [];
  for (let r = 0; r <= 10; r++) decl.push(`${lo(r)} = R[${2 * r}], ${hi(r)} = R[${2 * r + 1}]`);
  return [
    `  const R = ex.regs, regions = ex.mem.regions, frames = ex.frames, lim = ex.budget, ctxHookId = ex.ctxHookId, ctxFields = ex.ctxFields;`,
    `  let ${decl.join(', ')};`,
    ...(fastStack ? [`  let sb = regions[r10h].bytes, sv = regions[r10h].view;`] : []),
    `  try {`,
  ];
}

/**
 * The careful copy of block `bi` of `image`: the block's instructions, each
 * preceded by `++n > lim` (the interpreter's per-instruction budget check);
 * entered only when the budget runs out inside the block, so it always ends
 * in the BUDGET fault at the interpreter's slot (or earlier in the same
 * exit/fault as the interpreter). Same protocol as a chunk function.
 */
function carefulSource(image: ProgramImage, b: Block, fastStack: boolean): string {
  const p = image.program;
  const out: string[] = [`'use strict';`, `const { ${RT_NAMES} } = rt;`, `return function bpf_jit_careful(ex, fp, n, st) {`];
  out.push(...functionPrologue(fastStack));
  const L = b.slots.length;
  for (let k = 0; k < L; k++) {
    const pc = b.slots[k]!;
    if (k === L - 1) { out.push(`    ex.insns = n; throw ex.budgetFault(${num(pc)});`); break; }
    out.push(`    if (++n > lim) { ex.insns = n - 1; throw ex.budgetFault(${num(pc)}); }`);
    out.push(`    ${emitInsn(ctx(image, pc, 'n', fastStack), pc, p.rowAt(pc)!)}`);
  }
  out.push(`  } catch (e) {`, `    ${spillAll()}`, `    throw e;`, `  }`, `};`);
  return out.join('\n') + '\n';
}

const CAREFUL = new WeakMap<ProgramImage, Map<number, JitFn4>>();
type JitFn4 = (ex: ExecContext, fp: number, n: number, st: JitState) => 0 | 1;

/** Runs the careful copy of block `bi` (compiled on first use, cached per image). */
function careful(image: ProgramImage, bi: number, fastStack: boolean, ex: ExecContext, fp: number, n: number, st: JitState): 0 | 1 {
  let m = CAREFUL.get(image);
  if (m === undefined) { m = new Map(); CAREFUL.set(image, m); }
  const key = bi * 2 + (fastStack ? 1 : 0);
  let fn = m.get(key);
  if (fn === undefined) {
    const b = basicBlocks(image)[bi]!;
    const src = carefulSource(image, b, fastStack);
    fn = (new Function('rt', 'IMG', 'words', src) as (rt: unknown, img: ProgramImage, words: Int32Array) => JitFn4)(RT, image, image.words);
    m.set(key, fn);
  }
  return fn(ex, fp, n, st);
}

/** Instructions per generated function, at most (V8 optimises small functions only; see docs/jit.md). */
export const CHUNK_INSNS = 160;
/** Characters of generated code per function, at most (a chunk holds at least one block). */
export const CHUNK_CHARS = 16_000;

/**
 * Splits the blocks into chunks of consecutive blocks within the instruction
 * and code-size limits. A loop (a backward conditional jump to a block
 * start) that fits in a chunk of its own but not in the rest of the current
 * one starts a new chunk, so that its iterations stay inside one function.
 */
function chunks(image: ProgramImage, blocks: Block[], cost: readonly number[], max: number, maxChars: number): number[][] {
  const p = image.program;
  const blockAt = new Map<number, number>();
  blocks.forEach((b, bi) => blockAt.set(b.start, bi));
  const loopEnd = new Int32Array(blocks.length).fill(-1); // header block -> last block of its largest loop
  blocks.forEach((b, bi) => {
    const j = b.slots[b.slots.length - 1];
    if (j === undefined || image.bad.has(j) || p.rowAt(j)?.kind !== 'jcond') return;
    const h = blockAt.get(jumpTarget(p, j)!);
    if (h !== undefined && h <= bi && loopEnd[h]! < bi) loopEnd[h] = bi;
  });
  const out: number[][] = [];
  let cur: number[] = [];
  let count = 0, chars = 0;
  blocks.forEach((b, bi) => {
    let needCount = b.slots.length, needChars = cost[bi]!;
    const e = loopEnd[bi]!;
    if (e >= 0) {
      let lc = 0, lch = 0;
      for (let k = bi; k <= e; k++) { lc += blocks[k]!.slots.length; lch += cost[k]!; }
      if (lc <= max && lch <= maxChars) { needCount = lc; needChars = lch; }
    }
    if (cur.length > 0 && (count + needCount > max || chars + needChars > maxChars)) { out.push(cur); cur = []; count = 0; chars = 0; }
    cur.push(bi);
    count += b.slots.length;
    chars += cost[bi]!;
  });
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * Generates the JavaScript source of `image`: the body of a factory taking
 * `rt`, `IMG`, `words` and returning the array of chunk functions
 * ({@link JitFn}), plus the chunk index of every slot.
 * @throws BpfError (BAD_OPCODE, BAD_JUMP) for an image that does not come from a valid program.
 */
export function generateSource(image: ProgramImage, opts: CompileOptions = {}): { source: string; fastStack: boolean; blocks: number; chunkOf: Int32Array } {
  const p = image.program;
  const fastStack = (opts.fastStack ?? true) && !image.writesR10;
  const blocks = basicBlocks(image);
  const cost = blocks.map((b) => b.slots.reduce((a, pc) => a + emitInsn(ctx(image, pc, 'n', fastStack), pc, p.rowAt(pc)!).length + 40, 200));
  const parts = chunks(image, blocks, cost, Math.max(1, Math.floor(opts.chunkInsns ?? CHUNK_INSNS)), CHUNK_CHARS);
  const chunkOf = new Int32Array(p.length + 1);
  parts.forEach((part, k) => {
    for (const bi of part) {
      const b = blocks[bi]!;
      chunkOf[b.start] = k;
      for (const s of b.slots) chunkOf[s] = k;
    }
  });
  const { regions, isCase } = structure(image, blocks, opts.structured ?? true, parts.map((part) => blocks[part[0]!]!.start));
  const loopsAt = new Map<number, Region>();
  for (const r of regions.values()) if (r.loop) loopsAt.set(r.target, r);
  const out: string[] = [];
  const pad = (d: number): string => '  '.repeat(d + 4);
  out.push(`'use strict';`);
  out.push(`const { ${RT_NAMES} } = rt;`);

  /** Emits blocks from index `bi` while they start at or before `last`; returns the next block index. */
  const emitBlocks = (bi0: number, last: number, depth: number, openLoop: number): number => {
    let bi = bi0;
    while (bi < blocks.length && blocks[bi]!.start <= last) {
      const b = blocks[bi]!;
      const ind = pad(depth);
      if (isCase[b.start] === 1 && openLoop !== b.start) {
        if (depth !== 0) throw new BpfError(ErrorCode.Runtime, `jit: dispatch target ${b.start} inside structured code`);
        out.push(`${ind}case ${num(b.start)}:`);
      }
      const loop = loopsAt.get(b.start);
      if (loop !== undefined && openLoop !== b.start) {
        out.push(`${ind}L${num(b.start)}: for (;;) {`);
        bi = emitBlocks(bi, loop.hi, depth + 1, b.start);
        out.push(`${pad(depth + 1)}break;`);
        out.push(`${ind}}`);
        continue;
      }
      const L = b.slots.length;
      if (L === 0) {
        // Falling off the end: the interpreter counts one more instruction and finds no opcode there.
        out.push(`${ind}if (n + 1 > lim) { ex.insns = n; throw ex.budgetFault(${num(b.start)}); }`);
        out.push(`${ind}n += 1; throw badOpcode(ex, ${num(b.start)}, 0);`);
        bi++;
        continue;
      }
      // The budget runs out inside this block: an out-of-line careful copy counts and checks every instruction.
      if (L === 1) out.push(`${ind}if (n + 1 > lim) { ex.insns = n; throw ex.budgetFault(${num(b.slots[0]!)}); }`);
      else out.push(`${ind}if (n + ${L} > lim) { ${spillAll()}return careful(IMG, ${num(bi)}, ${fastStack ? 'true' : 'false'}, ex, fp, n, st); }`);
      out.push(`${ind}n += ${L};`);
      for (let k = 0; k < L; k++) {
        const pc = b.slots[k]!;
        const c = L - 1 - k;
        out.push(`${ind}${comment(image, pc)}`);
        const reg = regions.get(pc);
        if (reg !== undefined && k === L - 1) {
          const cond = jumpCondition(p, pc, p.rowAt(pc)!);
          if (reg.loop) {
            out.push(`${ind}if (${cond}) continue L${num(reg.target)};`);
          } else {
            out.push(`${ind}if (!(${cond})) {`);
            bi = emitBlocks(bi + 1, reg.hi, depth + 1, -1);
            out.push(`${ind}}`);
            bi--; // the loop's bi++ below moves past this block only once
          }
          continue;
        }
        out.push(`${ind}${emitInsn(ctx(image, pc, c === 0 ? 'n' : `(n - ${c})`, fastStack), pc, p.rowAt(pc)!)}`);
      }
      bi++;
    }
    return bi;
  };

  const names: string[] = [];
  parts.forEach((part, k) => {
    const name = `bpf_jit_${num(k)}`;
    names.push(name);
    const lastBlock = blocks[part[part.length - 1]!]!;
    const next = part[part.length - 1]! + 1 < blocks.length ? blocks[part[part.length - 1]! + 1]!.start : -1;
    out.push(`function ${name}(ex, pc, fp, n, st) {`);
    out.push(...functionPrologue(fastStack));
    out.push(`    main: for (;;) {`);
    out.push(`      switch (pc) {`);
    emitBlocks(part[0]!, lastBlock.start, 0, -1);
    // Falling out of the chunk continues in the next one; any other slot belongs to another chunk.
    if (next >= 0) out.push(`        pc = ${num(next)};`);
    out.push(`        default:`);
    out.push(`          ${spillAll()}`);
    out.push(`          st.img = IMG; st.pc = pc; st.fp = fp; st.n = n; return 1;`);
    out.push(`      }`);
    out.push(`    }`);
    out.push(`  } catch (e) {`);
    out.push(`    ${spillAll()}`);
    out.push(`    throw e;`);
    out.push(`  }`);
    out.push(`}`);
  });
  out.push(`return [${names.join(', ')}];`);
  return { source: out.join('\n') + '\n', fastStack, blocks: blocks.length, chunkOf };
}

function ctx(image: ProgramImage, pc: number, count: string, fastStack: boolean): EmitCtx {
  const bad = image.bad.has(pc);
  return { p: image.program, words: image.words, count, fastStack, bad, target: bad ? undefined : jumpTarget(image.program, pc) };
}

/**
 * Compiles `image` into a {@link JitProgram}.
 * @throws BpfError (BAD_OPCODE, BAD_JUMP) for an invalid image; (RUNTIME) if the
 *   generated source does not compile (an internal error; the source is in the message).
 */
export function compileImage(image: ProgramImage, opts: CompileOptions = {}): JitProgram {
  const { source, fastStack, blocks, chunkOf } = generateSource(image, opts);
  let fns: JitFn[];
  try {
    const factory = new Function('rt', 'IMG', 'words', source) as (rt: typeof RT, img: ProgramImage, words: Int32Array) => JitFn[];
    fns = factory(RT, image, image.words);
  } catch (e) {
    throw new BpfError(ErrorCode.Runtime, `jit: generated code does not compile (${(e as Error).message}):\n${source}`);
  }
  return { source, fns, chunkOf, fastStack, blocks };
}
