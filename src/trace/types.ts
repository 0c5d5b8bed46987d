/** Trace records: one system call as a trace shows it (plain data). */

/** One traced system call. */
export interface TraceCall {
  /** 1-based line in the trace where the call starts. */
  readonly line: number;
  /** Process / thread id (strace -f), when known. */
  readonly pid?: number;
  /** Syscall name as printed (`openat`), when known. */
  readonly name?: string;
  /** Syscall number, when the trace gives it (`syscall_0x1b6`, `-n`, JSON `nr`). */
  readonly nr?: number;
  /** ABI name (`x86_64`, `x86`, ...), when the trace says (strace personality switches, JSON `arch`). */
  readonly arch?: string;
  /** Arguments resolved to u64; undefined where the text could not be resolved (strings, structs...). */
  readonly args: readonly (bigint | undefined)[];
  /** Return text as printed (`0`, `-1 ENOENT (No such file or directory)`, `?`), when complete. */
  readonly ret?: string;
  /** Timestamp text (`23:41:15.326732` or epoch seconds), when present. */
  readonly time?: string;
  /** Duration in seconds (`-T`), when present. */
  readonly duration?: number;
}

/** Counters a reader keeps while streaming. */
export interface TraceStats {
  lines: number;
  calls: number;
  signals: number;
  exits: number;
  /** Lines that were neither calls, signals, exits, known non-call lines nor blank (reported, not fatal). */
  skipped: number;
  /** Known non-call lines: `-k` stack frames, `-c`/`-C` summary tables, strace's own notices (`strace: ...`). */
  other: number;
  /** `<unfinished ...>` entries never resumed. */
  unresumed: number;
}

/** A fresh stats object. */
export function newTraceStats(): TraceStats {
  return { lines: 0, calls: 0, signals: 0, exits: 0, skipped: 0, other: 0, unresumed: 0 };
}
