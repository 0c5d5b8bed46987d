/** The eBPF assembler, disassembler and instruction builder. */
export { assemble, type AssembleOptions, type AssembleResult, type AsmSyntax } from './assemble.js';
export {
  disasm, disasmAt, disasmInsn, disasmText, ubpfImm, ubpfMnemonic,
  type DisasmOptions, type DisasmProgramOptions, type DisasmStyle,
} from './disasm.js';
export { pseudoImmText } from './pseudo.js';
export { I, ProgramBuilder, type BuiltProgram, type InsnBuilders, type Reg } from './builder.js';
