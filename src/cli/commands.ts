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
  asm: { summary: 'assemble eBPF source to bytecode (hex or .bin)', load: () => import('./asm.js') },
  disasm: { summary: 'disassemble eBPF bytecode (kernel, llvm or ubpf syntax)', load: () => import('./disasm.js') },
  run: { summary: 'run an eBPF program (file, hex or asm; --batch for JSON lines) and print r0', load: () => import('./run.js') },
  plugin: { summary: 'bpf_conformance plugin: program hex on stdin, r0 hex on stdout', load: () => import('./plugin.js') },
};
