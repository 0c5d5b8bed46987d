/** The eBPF VM: memory regions, u64 arithmetic, interpreter, helpers, the Vm/LoadedProgram API. */
export * from './memory.js';
export type * from './types.js';
export * from './u64.js';
export * from './env.js';
export * from './ctx.js';
export { ExecContext, STACK_SIZE, MAX_CALL_FRAMES, MAX_TAIL_CALL_CNT, CtxField } from './exec.js';
export { buildImage, type ProgramImage, type MapTable, Op as ImageOp, W as IMAGE_WORDS_PER_SLOT } from './image.js';
export { interpret } from './interpreter.js';
export * from './helpers.js';
export * from './vm.js';
export * from './conformance-helpers.js';
export * from './jit/index.js';
