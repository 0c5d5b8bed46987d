/**
 * The command table: one row per `bpfsim` command, loaded lazily so that
 * `bpfsim asm` does not load the verifier. Each command lives in its own file.
 */
import type { CommandFn } from './io.js';

/** One command row. */
export interface CommandRow {
  /** One line for `bpfsim help`. */
  readonly summary: string;
  readonly load: () => Promise<{ default: CommandFn }>;
}

/** Commands by name (sub-commands such as `cbpf run` are dispatched by their own file). */
export const COMMANDS: Record<string, CommandRow> = {
  seccomp: { summary: 'seccomp profiles: simulate traces, compile (linear/tree/array), eval, explain, diff', load: () => import('./seccomp.js') },
  start: { summary: 'simulate the embedded default seccomp profile over the bundled trace', load: () => import('./start.js') },
  cbpf: { summary: 'classic BPF / seccomp filters: run, check, asm, disasm, translate', load: () => import('./cbpf.js') },
};
