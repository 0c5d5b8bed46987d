/**
 * bpfsim's JSON-lines trace format, one call per line:
 * `{"nr": 257 | "name": "openat", "arch": "x86_64", "args": [..], "pid": 1, "line": 7}`.
 * `nr` or `name` is required; args are JSON numbers or decimal / 0x strings
 * (u64; negatives as two's complement); blank lines and `#` comments are skipped.
 */
import { InputError } from '../errors.js';
import { newTraceStats, type TraceCall, type TraceStats } from './types.js';

const M64 = (1n << 64n) - 1n;

function u64(v: unknown, what: string, line: number): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v) & M64;
  if (typeof v === 'string' && /^\s*(-?\d+|0x[0-9a-f]+)\s*$/i.test(v)) {
    const b = BigInt(v.trim());
    if (b <= M64 && b >= -(1n << 63n)) return b & M64;
  }
  throw new InputError(`${what}: expected a 64-bit integer (JSON number or decimal/0x string), got ${JSON.stringify(v)}`, { line });
}

/**
 * Parses one JSON-lines record.
 * @throws InputError naming the line.
 */
export function parseJsonlCall(text: string, line: number): TraceCall {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, { line });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError('expected a JSON object', { line });
  const o = v as Record<string, unknown>;
  const c: { -readonly [K in keyof TraceCall]: TraceCall[K] } = { line: typeof o.line === 'number' && Number.isSafeInteger(o.line) ? o.line : line, args: [] };
  if (o.nr !== undefined) {
    const n = u64(o.nr, 'nr', line);
    if (n > 0xffffffffn) throw new InputError(`nr ${n} does not fit in 32 bits`, { line });
    c.nr = Number(n);
  }
  if (o.name !== undefined) {
    if (typeof o.name !== 'string' || !/^[a-z_][a-z0-9_]*$/.test(o.name)) throw new InputError(`name: expected a syscall name, got ${JSON.stringify(o.name)}`, { line });
    c.name = o.name;
  }
  if (c.nr === undefined && c.name === undefined) throw new InputError('record needs "nr" or "name"', { line });
  if (o.arch !== undefined) {
    if (typeof o.arch !== 'string') throw new InputError(`arch: expected a string, got ${JSON.stringify(o.arch)}`, { line });
    c.arch = o.arch;
  }
  if (o.pid !== undefined) {
    if (typeof o.pid !== 'number' || !Number.isSafeInteger(o.pid)) throw new InputError(`pid: expected an integer`, { line });
    c.pid = o.pid;
  }
  if (o.args !== undefined) {
    if (!Array.isArray(o.args) || o.args.length > 6) throw new InputError('args: expected an array of at most 6 values', { line });
    c.args = o.args.map((a, i) => u64(a, `args[${i}]`, line));
  }
  return c;
}

/**
 * Reads JSON-lines trace records, streaming.
 * @throws InputError naming the line of the first bad record.
 */
export async function* readJsonl(lines: AsyncIterable<string> | Iterable<string>, stats: TraceStats = newTraceStats()): AsyncGenerator<TraceCall> {
  let n = 0;
  for await (const raw of lines as AsyncIterable<string>) {
    n++;
    stats.lines++;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    stats.calls++;
    yield parseJsonlCall(t, n);
  }
}

/** Guesses the format of a trace from its first non-blank line. */
export function detectTraceFormat(firstLine: string): 'jsonl' | 'strace' {
  return firstLine.trimStart().startsWith('{') ? 'jsonl' : 'strace';
}
