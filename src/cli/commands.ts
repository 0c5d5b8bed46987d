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
  verify: { summary: 'verify an eBPF program like the Linux 6.18 verifier (root); --batch for JSON lines', load: () => import('./verify.js') },
  disasm: { summary: 'disassemble eBPF bytecode (kernel, llvm or ubpf syntax)', load: () => import('./disasm.js') },
  run: { summary: 'run an eBPF program (file, hex or asm; --batch for JSON lines) and print r0', load: () => import('./run.js') },
  plugin: { summary: 'bpf_conformance plugin: program hex on stdin, r0 hex on stdout', load: () => import('./plugin.js') },
  seccomp: { summary: 'seccomp profiles: simulate traces, compile (linear/tree/array), eval, explain, diff', load: () => import('./seccomp.js') },
  start: { summary: 'simulate the embedded default seccomp profile over the bundled trace', load: () => import('./start.js') },
  cbpf: { summary: 'classic BPF / seccomp filters: run, check, asm, disasm, translate', load: () => import('./cbpf.js') },
  inspect: { summary: 'list the programs, maps and relocations of an ELF BPF object', load: () => import('./inspect.js') },
};
