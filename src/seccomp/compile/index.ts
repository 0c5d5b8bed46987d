/** Compilers: policy → classic BPF (linear, tree) and eBPF (array lookup). */
export * from './emitter.js';
export * from './classic.js';
export * from './run.js';
export * from './ebpf-emitter.js';
export * from './array.js';
export * from './classic-js.js';
