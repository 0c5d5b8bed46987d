/**
 * The eBPF → JavaScript JIT (`--engine jit`): compile.ts generates one
 * function per program image, emit.ts the code per instruction, engine.ts
 * drives it and registers the `jit` engine. Importing this module registers
 * the engine (also available as {@link registerJitEngine}).
 */
import { registerJitEngine } from './engine.js';

export { createJitEngine, executeJit, jitCompile, jitEngine, jitSource, registerJitEngine } from './engine.js';
export { CHUNK_CHARS, CHUNK_INSNS, compileImage, generateSource, type CompileOptions, type JitFn, type JitProgram, type JitState } from './compile.js';

registerJitEngine();
