/** The eBPF instruction set: opcode table, instruction codec. */
export * from './opcodes.js';
export * from './insn.js';
