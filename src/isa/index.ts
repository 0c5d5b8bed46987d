/** The eBPF instruction set: opcode table, instruction codec. */
export * from './opcodes.js';
export * from './prog-types.js';
export * from './insn.js';
export * from './helper-ids.js';
