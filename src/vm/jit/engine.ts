/**
 * The `jit` execution engine: compiles each {@link ProgramImage} once (on
 * first run, cached per image) with compile.ts and drives the generated
 * functions across tail calls and returns into frames of other images.
 *
 * Two variants may exist per image: `fastStack` (r10-relative accesses go
 * straight to the frame's stack; used when the image never writes r10 and
 * r10 is the current frame's stack top on entry) and the generic one (used
 * otherwise, e.g. entered through a tail call from a program that moved r10).
 */

import { ErrorCode } from '../../errors.js';
import { type ExecContext, STACK_SIZE } from '../exec.js';
import type { ProgramImage } from '../image.js';
import { Perm } from '../memory.js';
import { type Engine, type LoadedProgram, registerEngine } from '../vm.js';
import { type CompileOptions, type JitProgram, type JitState, compileImage } from './compile.js';

interface Variants {
  fast?: JitProgram;
  generic?: JitProgram;
  readonly canFast: boolean;
}

/** A per-options compilation cache (weak in the images). */
class JitCache {
  private readonly map = new WeakMap<ProgramImage, Variants>();
  constructor(private readonly opts: CompileOptions) {}

  private variants(image: ProgramImage): Variants {
    let v = this.map.get(image);
    if (v === undefined) {
      v = { canFast: this.opts.fastStack !== false && !image.writesR10 };
      this.map.set(image, v);
    }
    return v;
  }

  /** The fast variant when the image allows it and `fast`, else the generic one. */
  get(image: ProgramImage, fast: boolean): JitProgram {
    const v = this.variants(image);
    if (v.canFast && fast) return (v.fast ??= compileImage(image, { ...this.opts, fastStack: true }));
    return (v.generic ??= compileImage(image, { ...this.opts, fastStack: false }));
  }

  canFast(image: ProgramImage): boolean {
    return this.variants(image).canFast;
  }
}

const DEFAULT = new JitCache({});

/**
 * The compiled form of `image` under the default options (compiled on first
 * use, then cached for the image's lifetime): the `fastStack` variant when the
 * image allows it, unless `opts.fastStack` is false. With `structured` or
 * `chunkInsns` given, the image is compiled afresh (not cached).
 * @throws BpfError (BAD_OPCODE, BAD_JUMP, RUNTIME) when the image cannot be compiled.
 */
export function jitCompile(image: ProgramImage, opts: CompileOptions = {}): JitProgram {
  if (opts.structured !== undefined || opts.chunkInsns !== undefined) return compileImage(image, opts);
  return DEFAULT.get(image, opts.fastStack !== false);
}

/**
 * The generated JavaScript of a loaded program (or image), for inspection.
 * @throws BpfError as {@link jitCompile}.
 */
export function jitSource(prog: LoadedProgram | ProgramImage, opts: CompileOptions = {}): string {
  const image = 'image' in prog ? prog.image : prog;
  return jitCompile(image, opts).source;
}

/** True when r10 is the top of frame `fp`'s (intact) stack, so the fastStack variant applies. */
function stackTopOk(ex: ExecContext, fp: number): boolean {
  const R = ex.regs;
  if (R[20] !== STACK_SIZE || R[21] !== ex.stackIds[fp]) return false;
  const rg = ex.mem.regions[R[21]! >>> 0];
  return rg !== undefined && rg.bytes.length === STACK_SIZE && rg.perm === Perm.RW;
}

function executeWith(cache: JitCache, ex: ExecContext, image: ProgramImage): void {
  const st: JitState = { img: image, pc: 0, fp: 0, n: 0 };
  for (;;) {
    const img = st.img, pc = st.pc, n = st.n;
    const jp = cache.get(img, cache.canFast(img) && stackTopOk(ex, st.fp));
    const fn = jp.fns[jp.chunkOf[pc]!];
    if (fn === undefined || fn(ex, pc, st.fp, n, st) === 0) {
      if (fn === undefined) throw ex.fault(ErrorCode.Runtime, `jit: no code for slot ${pc}`, pc);
      return;
    }
    // Every entry at a block leader executes at least one instruction; no progress means a bad entry.
    if (st.img === img && st.pc === pc && st.n === n) throw ex.fault(ErrorCode.Runtime, `jit: no block starts at slot ${pc}`, pc);
  }
}

/**
 * Runs `image` in `ex` with the interpreter's contract: registers set up in
 * `ex.regs`; on return r0 is in `ex.regs[0..1]` and `ex.insns` is set.
 * @throws RuntimeFault exactly where the interpreter does (same code, slot, address, size).
 */
export function executeJit(ex: ExecContext, image: ProgramImage): void {
  executeWith(DEFAULT, ex, image);
}

/**
 * An engine named `name` compiling with `opts` (its own cache), e.g. to
 * compare code-generation variants; the `jit` engine is `createJitEngine('jit')`.
 */
export function createJitEngine(name: string, opts: CompileOptions = {}): Engine {
  if (Object.keys(opts).length === 0) return { name, execute: executeJit };
  const cache = new JitCache(opts);
  return { name, execute: (ex, image) => executeWith(cache, ex, image) };
}

/** The `jit` engine. */
export const jitEngine: Engine = createJitEngine('jit');

/** Registers the `jit` engine with the VM (idempotent). */
export function registerJitEngine(): void {
  registerEngine(jitEngine);
}
