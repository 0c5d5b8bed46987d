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

import { type ExecContext, STACK_SIZE } from '../exec.js';
import type { ProgramImage } from '../image.js';
import { Perm } from '../memory.js';
import { type Engine, type LoadedProgram, registerEngine } from '../vm.js';
import { type CompileOptions, type JitProgram, type JitState, compileImage, imageWritesR10 } from './compile.js';

interface Variants {
  fast?: JitProgram;
  generic?: JitProgram;
  readonly canFast: boolean;
}

const CACHE = new WeakMap<ProgramImage, Variants>();

function variants(image: ProgramImage): Variants {
  let v = CACHE.get(image);
  if (v === undefined) {
    v = { canFast: !imageWritesR10(image) };
    CACHE.set(image, v);
  }
  return v;
}

/**
 * The compiled form of `image` (compiled on first use, then cached for the
 * image's lifetime): the `fastStack` variant when the image allows it, unless
 * `opts.fastStack` is false.
 * @throws BpfError (BAD_OPCODE, BAD_JUMP, RUNTIME) when the image cannot be compiled.
 */
export function jitCompile(image: ProgramImage, opts: CompileOptions = {}): JitProgram {
  const v = variants(image);
  if (v.canFast && opts.fastStack !== false) return (v.fast ??= compileImage(image, { fastStack: true }));
  return (v.generic ??= compileImage(image, { fastStack: false }));
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

function entry(image: ProgramImage, ex: ExecContext, fp: number): JitProgram {
  const v = variants(image);
  if (v.canFast && stackTopOk(ex, fp)) return (v.fast ??= compileImage(image, { fastStack: true }));
  return (v.generic ??= compileImage(image, { fastStack: false }));
}

/**
 * Runs `image` in `ex` with the interpreter's contract: registers set up in
 * `ex.regs`; on return r0 is in `ex.regs[0..1]` and `ex.insns` is set.
 * @throws RuntimeFault exactly where the interpreter does (same code, slot, address, size).
 */
export function executeJit(ex: ExecContext, image: ProgramImage): void {
  const st: JitState = { img: image, pc: 0, fp: 0, n: 0 };
  for (;;) {
    const img = st.img;
    if (entry(img, ex, st.fp).fn(ex, st.pc, st.fp, st.n, st) === 0) return;
  }
}

/** The `jit` engine. */
export const jitEngine: Engine = { name: 'jit', execute: executeJit };

/** Registers the `jit` engine with the VM (idempotent). */
export function registerJitEngine(): void {
  registerEngine(jitEngine);
}
