/**
 * bpfsim: a kernel-faithful eBPF and classic-BPF toolchain.
 * Public API: explicit named re-exports of each module's index.
 */
export * from './errors.js';
export * from './isa/index.js';
export * from './vm/memory.js';
export type * from './vm/types.js';
export * from './asm/index.js';
export type { DisasmOptions } from './asm/index.js';
export * from './vm/index.js';
export * from './cbpf/index.js';
export * from './seccomp/index.js';
export * from './maps/index.js';
export * from './elf/index.js';
export * from './verifier/index.js';
export * from './trace/index.js';
export * from './vm/cbpf-skb.js';
