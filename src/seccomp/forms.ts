/**
 * One interface over the three compiled forms and the model: compile a
 * policy once, then evaluate calls (u32 filter return values).
 */
import { InputError } from '../errors.js';
import type { SockFilter } from '../cbpf/insn.js';
import { evaluatePolicy, type Policy, type SyscallCall } from './policy.js';
import { compileClassic } from './compile/classic.js';
import { compileArray, type ArrayProgram } from './compile/array.js';
import { ArrayRunner, ClassicRunner, type ClassicEngine } from './compile/run.js';

/** The evaluators: the compiled forms (`hash` = the array form with a sealed hash map) and the reference model. */
export type FormName = 'linear' | 'tree' | 'array' | 'hash' | 'model';

/** The form names accepted on the command line. */
export const FORM_NAMES: readonly FormName[] = ['linear', 'tree', 'array', 'hash', 'model'];

/** A compiled policy that evaluates calls. */
export interface Evaluator {
  readonly form: FormName;
  /** The classic filter (linear / tree), for the action cache and export. */
  readonly classic?: readonly SockFilter[];
  /** The eBPF program and its table (array). */
  readonly array?: ArrayProgram;
  /** The u32 return value for a call. */
  run(call: SyscallCall): number;
}

/** Options of {@link makeEvaluator}. */
export interface EvaluatorOptions {
  /** Engine for the classic forms (see ClassicRunner; default `fast`). */
  readonly engine?: ClassicEngine;
}

/**
 * Compiles a policy into an evaluator.
 * @throws InputError for an unknown form; BpfError from compilation or verification.
 */
export function makeEvaluator(policy: Policy, form: FormName | string = 'linear', opts: EvaluatorOptions = {}): Evaluator {
  switch (form) {
    case 'linear': case 'tree': {
      const classic = compileClassic(policy, form);
      const r = new ClassicRunner(classic, opts.engine === undefined ? {} : { engine: opts.engine });
      return { form, classic, run: (c) => r.run(c) };
    }
    case 'array': case 'hash': {
      const array = compileArray(policy, { map: form });
      const r = new ArrayRunner(array);
      return { form, array, run: (c) => r.run(c) };
    }
    case 'model':
      return { form, run: (c) => evaluatePolicy(policy, c).ret };
    default:
      throw new InputError(`unknown form '${form}' (expected ${FORM_NAMES.join(', ')})`);
  }
}
