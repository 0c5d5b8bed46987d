/**
 * Command-line plumbing shared by every command: the I/O object commands
 * write through (so tests can capture it), a small option parser, and error
 * reporting.
 */
import { readFileSync } from 'node:fs';
import { BpfError, ErrorCode } from '../errors.js';

/** Where a command reads and writes. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of standard input (for --batch and `-` files). */
  readStdin(): Promise<string>;
  /** Standard input as lines, streamed (for large batches). */
  stdinLines(): AsyncIterable<string>;
  /** True when stderr is a terminal (progress display). */
  readonly isTTY: boolean;
}

/** A command: receives its own arguments, returns the exit status. */
export type CommandFn = (argv: string[], io: CliIo) => Promise<number>;

/** The process's real I/O. */
export function processIo(): CliIo {
  return {
    stdout: (t) => { process.stdout.write(t); },
    stderr: (t) => { process.stderr.write(t); },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    stdinLines: () => linesOf(process.stdin),
    isTTY: !!process.stderr.isTTY,
  };
}

/** Splits a byte/string stream into lines without holding it all in memory. */
export async function* linesOf(stream: AsyncIterable<string | Buffer>): AsyncIterable<string> {
  let rest = '';
  for await (const chunk of stream) {
    rest += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, i).replace(/\r$/, '');
      rest = rest.slice(i + 1);
    }
  }
  if (rest !== '') yield rest;
}

/** Declares one option for {@link parseArgs}. */
export interface OptSpec {
  /** Takes a value (`--mem HEX`); otherwise a boolean flag. */
  value?: boolean;
  /** May be given more than once (values collected in order). */
  multiple?: boolean;
  /** Short alias without the dash, e.g. 'o'. */
  short?: string;
}

/** Result of {@link parseArgs}. */
export interface ParsedArgs {
  positional: string[];
  /** Flags are `true`; valued options are strings, or string[] when `multiple`. */
  opts: Record<string, string | boolean | string[] | undefined>;
}

/** A usage error (exit status 2). */
export function usage(message: string): BpfError {
  return new BpfError(ErrorCode.Usage, message);
}

/**
 * Parses `--name value`, `--name=value`, `-x value` and flags; `--` ends
 * options. Unknown options are a usage error.
 */
export function parseArgs(argv: string[], spec: Record<string, OptSpec>): ParsedArgs {
  const out: ParsedArgs = { positional: [], opts: {} };
  const byShort = new Map<string, string>();
  for (const [k, v] of Object.entries(spec)) if (v.short) byShort.set(v.short, k);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { out.positional.push(...argv.slice(i + 1)); break; }
    let name: string | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else if (a.length === 2 && a[0] === '-' && a[1] !== '-') {
      name = byShort.get(a[1]!);
      if (name === undefined) throw usage(`unknown option ${a}`);
    } else {
      out.positional.push(a);
      continue;
    }
    const s = spec[name];
    if (s === undefined) throw usage(`unknown option --${name}`);
    if (s.value) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw usage(`option --${name} needs a value`);
      if (s.multiple) ((out.opts[name] ??= []) as string[]).push(v);
      else out.opts[name] = v;
    } else {
      if (inline !== undefined) throw usage(`option --${name} takes no value`);
      out.opts[name] = true;
    }
  }
  return out;
}

/** Reads a file argument (`-` = standard input) as bytes. */
export async function readInput(path: string, io: CliIo): Promise<Uint8Array> {
  if (path === '-') return new TextEncoder().encode(await io.readStdin());
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new BpfError(ErrorCode.Usage, `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Prints an error the way every command does and returns its exit status (1, or 2 for usage). */
export function reportError(e: unknown, io: CliIo): number {
  if (e instanceof BpfError) {
    io.stderr(`bpfsim: ${e.message}\n`);
    return e.code === ErrorCode.Usage ? 2 : 1;
  }
  throw e;
}
