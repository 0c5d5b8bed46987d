/**
 * Classic seccomp filter → JavaScript compiler (an optional engine of the
 * seccomp simulator; the reference is the classic interpreter in
 * src/cbpf/interpreter.ts, whose seccomp semantics follow
 * net/core/filter.c bpf_convert_filter and kernel/seccomp.c).
 *
 * Classic jumps only go forward, so a filter is a DAG: the generated
 * function is one `for (;;) switch (pc)` whose `case` labels are the jump
 * targets only; straight-line code falls through from one case into the
 * next. A and X are int32 locals (compared unsigned with `>>> 0` where the
 * operation is unsigned); M[i] is the local `m<i>`; struct seccomp_data is
 * read from an Int32Array of its 16 words.
 *
 * Codegen rule (as src/vm/jit/emit.ts, ajv model): the text is built from
 * fixed fragments and integers checked by {@link num}; nothing from the
 * program or the caller is spliced as text. The source is kept on the result.
 *
 * Only programs accepted by prepareSeccompFast (on which the interpreter can
 * never fault) are compiled; for the rest {@link compileClassicJs} returns
 * undefined and callers use the interpreter.
 */
import { BpfError, ErrorCode } from '../../errors.js';
import { CbpfProgram, prepareSeccompFast } from '../../cbpf/interpreter.js';
import type { SockFilter } from '../../cbpf/insn.js';
import { SECCOMP_DATA_SIZE } from '../data.js';

/** A classic filter compiled to JavaScript. */
export interface CompiledClassicJs {
  /** Runs the filter on struct seccomp_data as 16 int32 words (word i = `ld [4*i]`); returns the u32 value. */
  readonly run: (words: Int32Array) => number;
  /** The generated source (for inspection and snapshot tests). */
  readonly source: string;
  /** Bit i set when the filter reads seccomp_data word i. */
  readonly wordsRead: number;
}

function num(x: number): string {
  if (!Number.isSafeInteger(x)) throw new BpfError(ErrorCode.Runtime, `classic-js: non-integer constant ${String(x)}`);
  return x < 0 ? `(${x})` : String(x);
}

/** A checked scratch-memory local name. */
function mem(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= 16) throw new BpfError(ErrorCode.Runtime, `classic-js: scratch index ${i}`);
  return `m${i}`;
}

const ALU_K: Record<number, (k: number) => string> = {
  0x00: (k) => `A = (A + ${num(k | 0)}) | 0;`,
  0x10: (k) => `A = (A - ${num(k | 0)}) | 0;`,
  0x20: (k) => `A = Math.imul(A, ${num(k | 0)});`,
  0x30: (k) => (k === 0 ? 'return 0;' : `A = ((A >>> 0) / ${num(k)}) | 0;`),
  0x40: (k) => `A = A | ${num(k | 0)};`,
  0x50: (k) => `A = A & ${num(k | 0)};`,
  0x60: (k) => `A = A << ${num(k & 31)};`,
  0x70: (k) => `A = (A >>> ${num(k & 31)}) | 0;`,
  0x90: (k) => (k === 0 ? 'return 0;' : `A = ((A >>> 0) % ${num(k)}) | 0;`),
  0xa0: (k) => `A = A ^ ${num(k | 0)};`,
};
const ALU_X: Record<number, string> = {
  0x00: 'A = (A + X) | 0;',
  0x10: 'A = (A - X) | 0;',
  0x20: 'A = Math.imul(A, X);',
  0x30: 'if (X === 0) return 0; A = ((A >>> 0) / (X >>> 0)) | 0;',
  0x40: 'A = A | X;',
  0x50: 'A = A & X;',
  0x60: 'A = A << (X & 31);',
  0x70: 'A = (A >>> (X & 31)) | 0;',
  0x90: 'if (X === 0) return 0; A = ((A >>> 0) % (X >>> 0)) | 0;',
  0xa0: 'A = A ^ X;',
};
/** Condition text for a conditional jump (op bits) with K. */
function condK(op: number, k: number): string {
  switch (op) {
    case 0x10: return `A === ${num(k | 0)}`;
    case 0x20: return `(A >>> 0) > ${num(k)}`;
    case 0x30: return `(A >>> 0) >= ${num(k)}`;
    case 0x40: return `(A & ${num(k | 0)}) !== 0`;
    default: throw new BpfError(ErrorCode.Runtime, `classic-js: jump op ${op}`);
  }
}
function condX(op: number): string {
  switch (op) {
    case 0x10: return 'A === X';
    case 0x20: return '(A >>> 0) > (X >>> 0)';
    case 0x30: return '(A >>> 0) >= (X >>> 0)';
    case 0x40: return '(A & X) !== 0';
    default: throw new BpfError(ErrorCode.Runtime, `classic-js: jump op ${op}`);
  }
}

/**
 * Generates the JavaScript source of a function body `(w) => u32` for a
 * classic filter, or undefined when the filter can fault in the interpreter.
 * @throws BpfError BAD_OPCODE / BAD_PROGRAM as {@link CbpfProgram}.
 */
export function classicJsSource(filter: readonly SockFilter[] | CbpfProgram): { source: string; wordsRead: number } | undefined {
  const prog = filter instanceof CbpfProgram ? filter : new CbpfProgram(filter);
  const fast = prepareSeccompFast(prog);
  if (fast === undefined) return undefined;
  const n = prog.length;
  const leader = new Uint8Array(n);
  leader[0] = 1;
  for (let pc = 0; pc < n; pc++) {
    const kind = prog.kind[pc];
    if (kind === 13 || kind === 14) {
      leader[fast.t[pc]!] = 1;
      if (kind === 14) leader[fast.f[pc]!] = 1;
    }
  }
  let usedMem = 0;
  const body: string[] = [];
  for (let pc = 0; pc < n; pc++) {
    if (leader[pc]) body.push(`case ${num(pc)}:`);
    const k = prog.k[pc]!;
    const isX = prog.isX[pc] === 1;
    const op = prog.op[pc]!;
    let s: string;
    switch (prog.kind[pc]) {
      case 0: s = `A = ${num(k | 0)};`; break;
      case 1: s = `A = w[${num(k >>> 2)}];`; break;
      case 3: usedMem |= 1 << k; s = `A = ${mem(k)};`; break;
      case 4: s = `A = ${num(SECCOMP_DATA_SIZE)};`; break;
      case 5: s = `X = ${num(k | 0)};`; break;
      case 6: usedMem |= 1 << k; s = `X = ${mem(k)};`; break;
      case 7: s = `X = ${num(SECCOMP_DATA_SIZE)};`; break;
      case 9: usedMem |= 1 << k; s = `${mem(k)} = A;`; break;
      case 10: usedMem |= 1 << k; s = `${mem(k)} = X;`; break;
      case 11: {
        const f = isX ? ALU_X[op] : ALU_K[op]?.(k);
        if (f === undefined) throw new BpfError(ErrorCode.Runtime, `classic-js: alu op ${op}`);
        s = f;
        break;
      }
      case 12: s = 'A = (-A) | 0;'; break;
      case 13: s = fast.t[pc] === pc + 1 ? '' : `pc = ${num(fast.t[pc]!)}; continue;`; break;
      case 14: {
        const c = isX ? condX(op) : condK(op, k);
        const t = fast.t[pc]!, f = fast.f[pc]!;
        if (t === f) s = t === pc + 1 ? '' : `pc = ${num(t)}; continue;`;
        else if (t === pc + 1) s = `if (!(${c})) { pc = ${num(f)}; continue; }`;
        else if (f === pc + 1) s = `if (${c}) { pc = ${num(t)}; continue; }`;
        else s = `pc = (${c}) ? ${num(t)} : ${num(f)}; continue;`;
        break;
      }
      case 15: s = `return ${num(k)};`; break;
      case 16: s = 'return A >>> 0;'; break;
      case 17: s = 'X = A;'; break;
      case 18: s = 'A = X;'; break;
      default: return undefined; // not reachable: prepareSeccompFast rejected it
    }
    if (s !== '') body.push('  ' + s);
  }
  let decl = 'let A = 0, X = 0, pc = 0;';
  for (let i = 0; i < 16; i++) if (usedMem & (1 << i)) decl += ` let ${mem(i)} = 0;`;
  const source = `"use strict";\nreturn function classicSeccompFilter(w) {\n${decl}\nfor (;;) switch (pc) {\n${body.join('\n')}\ndefault: throw new Error("classic-js: bad pc " + pc);\n}\n};\n`;
  return { source, wordsRead: fast.wordsRead };
}

/**
 * Compiles a classic filter to a JavaScript function, or returns undefined
 * when the filter contains an instruction on which the interpreter could
 * fault (use the interpreter then).
 * @throws BpfError BAD_OPCODE / BAD_PROGRAM as {@link CbpfProgram}; RUNTIME
 *   (with the source in the message) if the generated code does not compile.
 */
export function compileClassicJs(filter: readonly SockFilter[] | CbpfProgram): CompiledClassicJs | undefined {
  const g = classicJsSource(filter);
  if (g === undefined) return undefined;
  let run: (w: Int32Array) => number;
  try {
    run = new Function(g.source)() as (w: Int32Array) => number;
  } catch (e) {
    throw new BpfError(ErrorCode.Runtime, `classic-js: generated code does not compile (${String(e)}):\n${g.source}`);
  }
  return { run, source: g.source, wordsRead: g.wordsRead };
}
