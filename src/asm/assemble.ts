/**
 * The eBPF assembler: source text in the kernel verifier-log, llvm-objdump or
 * bpf_conformance / uBPF syntax (mixed per line) → instruction slots, raw
 * little-endian bytes and a validated {@link Program}.
 *
 * Two passes: lines are parsed into statements (src/asm/parse.ts) while label
 * definitions are collected; then label references become relative offsets
 * (`target - (pc + 1)`, in `off` for jumps, in `imm` for gotol and calls).
 * bpf_conformance's rule that the first `exit` also defines the label `exit`
 * is kept (its vectors jump to `exit`). Finally the program is validated like
 * the kernel's structural checks (src/isa/insn.ts); errors come back as
 * {@link AsmError} naming the line and column.
 */
import { AsmError, BpfError } from '../errors.js';
import { type Insn, Program, encodeInsns, programFromInsns } from '../isa/insn.js';
import { lexLine } from './lexer.js';
import { type AsmSyntax, type Stmt, parseStatement } from './parse.js';

export type { AsmSyntax } from './parse.js';

/** Options of {@link assemble}. */
export interface AssembleOptions {
  /** Input syntax (default `auto`: every syntax, per line). */
  syntax?: AsmSyntax;
  /**
   * Validate the program like the kernel's structural checks (default true):
   * jump targets inside the program and not into ld_imm64, calls in range,
   * non-empty program.
   */
  validate?: boolean;
}

/** Result of {@link assemble}. */
export interface AssembleResult {
  /** The decoded program (struct-of-arrays). */
  program: Program;
  /** The instruction slots (ld_imm64 takes two). */
  insns: Insn[];
  /** Raw little-endian `struct bpf_insn` bytes. */
  bytes: Uint8Array;
  /** Label → slot number. */
  labels: Map<string, number>;
  /** Source line (1-based) of each slot. */
  lines: number[];
}

/**
 * Assembles eBPF source text.
 * @throws AsmError (line, column) on any syntax error, unknown mnemonic, bad
 *   register, out-of-range immediate / offset / jump, unknown or duplicate
 *   label, and (with `validate`) on structural errors of the program.
 */
export function assemble(text: string, opts: AssembleOptions = {}): AssembleResult {
  const syntax = opts.syntax ?? 'auto';
  const stmts: Stmt[] = [];
  const labels = new Map<string, number>();
  const labelAt = new Map<string, { line: number; col: number }>();
  let pc = 0;
  let implicitExit: number | undefined;
  const srcLines = text.split(/\r?\n/);
  srcLines.forEach((lineText, i) => {
    const l = lexLine(lineText, i + 1);
    for (const lab of l.labels) {
      const prev = labelAt.get(lab.name);
      if (prev) throw new AsmError(`duplicate label '${lab.name}' (first defined on line ${prev.line})`, l.line, lab.col);
      labels.set(lab.name, pc);
      labelAt.set(lab.name, { line: l.line, col: lab.col });
    }
    if (l.toks.length === 0) return;
    const st = parseStatement(l, syntax);
    if (st.isExit && implicitExit === undefined) implicitExit = pc;
    stmts.push(st);
    pc += st.insns.length;
  });
  if (implicitExit !== undefined && !labels.has('exit')) labels.set('exit', implicitExit);

  const insns: Insn[] = [];
  const lines: number[] = [];
  const cols: number[] = [];
  for (const st of stmts) {
    const at = insns.length;
    if (st.ref) {
      const target = labels.get(st.ref.name);
      if (target === undefined) throw new AsmError(`unknown label '${st.ref.name}'`, st.line, st.ref.col);
      const rel = target - (at + 1);
      if (st.ref.field === 'off' && (rel < -32768 || rel > 32767)) {
        throw new AsmError(`jump to '${st.ref.name}' is ${rel} slots away, out of range (-32768..32767)`, st.line, st.ref.col);
      }
      st.insns[0]![st.ref.field] = rel;
    }
    for (const x of st.insns) {
      insns.push(x);
      lines.push(st.line);
      cols.push(st.col);
    }
  }
  const validate = opts.validate ?? true;
  let program: Program;
  try {
    program = programFromInsns(insns, { validate });
  } catch (e) {
    if (e instanceof BpfError && !(e instanceof AsmError)) {
      if (e.pc !== undefined && e.pc < lines.length) throw new AsmError(e.detail, lines[e.pc]!, cols[e.pc]!);
      throw new AsmError(e.detail, srcLines.length === 0 ? 1 : Math.max(1, srcLines.length), 1);
    }
    throw e;
  }
  return { program, insns, bytes: encodeInsns(insns), labels, lines };
}
