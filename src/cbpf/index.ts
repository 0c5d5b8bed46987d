/** Classic BPF (src/cbpf) and the seccomp model files owned alongside it. */
export * from './opcodes.js';
export * from './insn.js';
export * from './interpreter.js';
export * from '../seccomp/data.js';
export * from '../seccomp/actions.js';
export * from './check.js';
export * from './translate.js';
export * from './skb-model.js';
export * from './asm.js';
export * from './disasm.js';
export * from './file.js';
export * from '../seccomp/filter-stack.js';
export * from '../seccomp/action-cache.js';
