/** Opens a trace file of either format, streaming. */
import { detectTraceFormat, readJsonl } from './jsonl.js';
import { fileLines } from './lines.js';
import { readStrace } from './strace.js';
import { newTraceStats, type TraceCall, type TraceStats } from './types.js';

/** Options of {@link readTraceLines}. */
export interface ReadTraceOptions {
  /** Force a format (default: detected from the first non-blank line). */
  readonly format?: 'strace' | 'jsonl';
  readonly stats?: TraceStats;
  readonly file?: string;
  /** strace: fail on unparsable lines. */
  readonly strict?: boolean;
  /** strace: pid of unprefixed lines (`-ff` per-process files; {@link ffPid} reads it from the file name). */
  readonly pid?: number;
}

/** Reads calls from lines of either format (detects the format from the first non-blank line). */
export async function* readTraceLines(lines: AsyncIterable<string>, opts: ReadTraceOptions = {}): AsyncGenerator<TraceCall> {
  const stats = opts.stats ?? newTraceStats();
  const it = lines[Symbol.asyncIterator]();
  const head: string[] = [];
  let format = opts.format;
  while (format === undefined) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    if (r.value.trim() !== '') format = detectTraceFormat(r.value);
  }
  // the head lines, then the rest straight from the source iterator (no extra generator hop per line)
  let hi = 0;
  const rest: AsyncIterator<string> = {
    next: () => (hi < head.length ? Promise.resolve({ value: head[hi++]!, done: false }) : it.next()),
    return: (v?: unknown) => (it.return ? it.return(v) : Promise.resolve({ value: undefined, done: true as const })),
  };
  const all = (): AsyncIterable<string> => ({ [Symbol.asyncIterator]: () => rest });
  if (format === 'jsonl') yield* readJsonl(all(), stats);
  else {
    const so: { stats: TraceStats; file?: string; strict?: boolean; pid?: number } = { stats };
    if (opts.pid !== undefined) so.pid = opts.pid;
    if (opts.file !== undefined) so.file = opts.file;
    if (opts.strict !== undefined) so.strict = opts.strict;
    yield* readStrace(all(), so);
  }
}

/**
 * Reads a trace file of either format, streaming.
 * @throws InputError when the file cannot be read or a record is malformed.
 */
export function readTraceFile(path: string, opts: ReadTraceOptions = {}): AsyncGenerator<TraceCall> {
  return readTraceLines(fileLines(path), { ...opts, file: path });
}
