/**
 * Classic BPF (src/cbpf): opcode table, sock_filter, interpreter, kernel checks, classic-to-eBPF translation,
 * bpf_asm assembler/disassembler, file formats. The seccomp model built on it (seccomp_data, actions, filter
 * stacking, action cache, listing) is exported by src/seccomp/index.ts.
 */
export * from './opcodes.js';
export * from './insn.js';
export * from './interpreter.js';
export * from './check.js';
export * from './translate.js';
export * from './skb-model.js';
export * from './asm.js';
export * from './disasm.js';
export * from './file.js';
