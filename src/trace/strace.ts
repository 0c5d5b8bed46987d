/**
 * Streaming reader of strace output (strace(1) 5.x/6.x text format):
 * `-f` pid prefixes (`1234 ` and `[pid 1234] `), `-t`/`-tt`/`-ttt` and `-r`
 * timestamps, `-T` durations (`<0.000012>`), `-n` syscall numbers
 * (`[ 257] `), `<unfinished ...>` / `<... NAME resumed>` pairs (merged into
 * one call; only the unfinished calls of live pids are held), signal lines
 * (`--- SIGCHLD {...} ---`), exit lines (`+++ exited with 0 +++`), personality
 * switches (`[ Process PID=N runs in 32 bit mode. ]`), raw `-X raw` numeric
 * arguments, `syscall_0x1b6(...)` for unknown numbers, and decoded symbolic
 * arguments resolved to numbers where possible (flag expressions, AT_FDCWD,
 * NULL, `3</path>` fd decorations, `0x… /* N vars *\/`).
 * Also: `-i` instruction pointers (8 digits = a 32-bit tracee), `-Y` `pid<comm>`
 * prefixes, ns/ms timestamp precisions and `-r` with `-t*`, `-k` stack frames,
 * `-c`/`-C`/`-U` summary tables and `strace:` notices (counted as `other`),
 * `<detached ...>`, `restart_syscall(<... resuming ...>)`, `-z`'s bare
 * `) = N` resumptions, and output written to stderr (lines cut by notices or
 * the tracee's output joined; prefixes dropped while one tracee is left).
 * Checked against real strace 6.1 recordings: test/trace/data/README.md.
 */
import { InputError } from '../errors.js';
import { constantValue } from './constants.js';
import { newTraceStats, type TraceCall, type TraceStats } from './types.js';

/** Options of {@link readStrace}. */
export interface StraceOptions {
  /** Stats object updated while reading. */
  readonly stats?: TraceStats;
  /** Architecture of 32-bit-mode processes (default `x86`, for an x86_64 trace). */
  readonly compatArch?: string;
  /** File name for error messages. */
  readonly file?: string;
  /** Throw on lines that cannot be parsed (default: count them in stats.skipped). */
  readonly strict?: boolean;
  /**
   * Pid of the lines without a pid prefix — for `strace -ff -o PREFIX` per-process files, whose lines carry
   * none (see {@link ffPid}). Default: such calls have no pid.
   */
  readonly pid?: number;
}

/** The pid in the name of a `strace -ff -o PREFIX` output file (`PREFIX.1234`), or undefined. */
export function ffPid(path: string): number | undefined {
  const m = /\.(\d+)$/.exec(path);
  return m ? Number(m[1]) : undefined;
}

const M64 = (1n << 64n) - 1n;

/** Splits a top-level argument list on commas (outside quotes, (), [], {}). */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  let inStr = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = s.slice(start).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}

function intLiteral(t: string): bigint | undefined {
  const m = /^(-?)(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.exec(t);
  if (!m) return undefined;
  const body = m[2]!;
  let v: bigint;
  if (/^0x/i.test(body)) v = BigInt(body);
  else if (body.length > 1 && body.startsWith('0')) v = BigInt('0o' + body.slice(1));
  else v = BigInt(body);
  return (m[1] === '-' ? -v : v) & M64;
}

/**
 * Resolves one printed argument to a u64, or undefined (strings, structs,
 * arrays, unknown names).
 */
export function resolveArg(text: string): bigint | undefined {
  // pure function of the text; traces repeat the same few argument texts
  // (AT_FDCWD, O_RDONLY|O_CLOEXEC, NULL, small fds), so results are memoised
  // in a bounded table
  const hit = ARG_MEMO.get(text);
  if (hit !== undefined || ARG_MEMO.has(text)) return hit;
  const v = resolveArgUncached(text);
  if (text.length <= 64) {
    if (ARG_MEMO.size >= ARG_MEMO_MAX) ARG_MEMO.clear();
    ARG_MEMO.set(text, v);
  }
  return v;
}

const ARG_MEMO = new Map<string, bigint | undefined>();
const ARG_MEMO_MAX = 8192;

function resolveArgUncached(text: string): bigint | undefined {
  let t = text.trim();
  // strings, arrays, structs and signal sets never resolve (the suffix strips below keep the first character)
  const c0 = t.charCodeAt(0);
  if (c0 === 0x22 /* " */ || c0 === 0x5b /* [ */ || c0 === 0x7b /* { */ || (c0 === 0x7e /* ~ */ && t[1] === '[')) return undefined;
  if (t === '') return undefined;
  t = t.replace(/\s*\/\*.*?\*\/\s*$/, ''); // 0x7ffc... /* 35 vars */
  // -y / -yy fd decorations: 3</etc/passwd>, 1</dev/pts/0<char 136:0>>, 3<TCP:[127.0.0.1:1->127.0.0.1:2]>
  const fd = /^(-?\d+|[A-Z_][A-Z0-9_]*)<.*>$/s.exec(t); // also AT_FDCWD</cwd> (--decode-fds=all)
  if (fd) t = fd[1]!;
  else t = t.replace(/<[^>]*>$/, '');
  if (t.startsWith('"') || t.startsWith('[') || t.startsWith('{') || t.startsWith('~[')) return undefined;
  if (t === 'NULL') return 0n;
  const lit = intLiteral(t);
  if (lit !== undefined) return lit;
  // flag expressions: A|B|0x10 ; also SIGRTMIN+1 and shifted forms like 8192*1024 are left alone
  const parts = t.split('|');
  let v = 0n;
  for (const p0 of parts) {
    const p = p0.trim();
    const n = intLiteral(p);
    if (n !== undefined) { v |= n; continue; }
    const plus = /^([A-Z_][A-Z0-9_]*)\+(\d+)$/.exec(p);
    if (plus) {
      const b = constantValue(plus[1]!);
      if (b === undefined) return undefined;
      v |= BigInt(b + Number(plus[2]));
      continue;
    }
    const shift = /^(\d+)<<(\d+)$/.exec(p);
    if (shift) { v |= BigInt(shift[1]!) << BigInt(shift[2]!); continue; }
    if (!/^[A-Z_][A-Z0-9_]*$/.test(p)) return undefined;
    const c = constantValue(p);
    if (c === undefined) return undefined;
    v |= BigInt(c) & M64;
  }
  return v & M64;
}

interface Pending {
  line: number;
  name: string;
  nr?: number;
  argText: string;
  time?: string;
  /** The line was cut short (no `<unfinished ...>`): the next unprefixed line may continue it. */
  cut?: boolean;
  /** Continuation lines joined so far (bounded: see MAX_CONTINUATIONS). */
  joined?: number;
}

/** A cut call takes at most this many continuation lines / characters (memory stays bounded). */
const MAX_CONTINUATIONS = 64;
const MAX_JOINED_CHARS = 1 << 20;

/** strace's own notice written into a call line when the trace goes to the terminal / stderr. */
const NOTICE_TAIL = /strace: Process \d+ (?:attached|detached|suspended)$/;

/** The pending call an unprefixed continuation line belongs to, or undefined. */
function continuationOf(pending: Map<number, Pending>, key: number, rest: string): number | undefined {
  const bare = /^\)\s*=/.test(rest);
  const own = pending.get(key);
  if (own) return own.cut || bare ? key : undefined;
  if (key !== -1) return undefined;
  let cut: number | undefined;
  let cuts = 0;
  for (const [k, p] of pending) if (p.cut) { cut = k; cuts++; }
  if (cuts === 1) return cut;
  if (cuts === 0 && bare && pending.size === 1) return pending.keys().next().value;
  return undefined;
}

// pid (`-f`), timestamp (`-t`/`-tt`/`-ttt`/`-r`), `-n` number, `-i` instruction pointer (`[00007f...]`,
// 8 digits for 32-bit tracees, `?` when unavailable) — strace prints the number before the pointer
// `-Y` decorates pids with the command name (`1234<sh>`); `-r` with `-t*` appends `(+     0.000292)`;
// `--timestamps=ns` / `--relative-timestamps=ns` print up to 9 decimals, `--timestamps=unix,s` none
const HEAD = /^(?:\[pid\s+(\d+)(?:<[^>]*>)?\]\s+|(\d+)(?:<[^>]*>)?\s+)?(?:((?:\d{1,2}:\d{2}:\d{2}(?:\.\d+)?|\d{9,}(?:\.\d+)?|\s*\d+\.\d{6,9})(?: \(\+\s*\d+\.\d+\))?)\s+)?(?:\[\s*(\d+)\]\s+)?(?:\[([0-9a-f]{8}|[0-9a-f]{16}|\?{8}|\?{16})\]\s+)?(?:\[\s*(\d+)\]\s+)?(.*)$/;
/** The header or rule of a `-c` / `-C` summary table (any `-U` column choice). */
const SUMMARY_START = /^(?:\s*(?:% time|seconds|usecs\/call|calls|errors|syscall|total|min|max|avg|time)(?=\s|$)(?:\s+(?:% time|seconds|usecs\/call|calls|errors|syscall|total|min|max|avg|time)(?=\s|$))*\s*|-+(?: +-+)*\s*)$/;
const SUMMARY_TOTAL = /^\s*(?:[\d.]+\s+)*total(?:\s+[\d.]+)*\s*$/;
/** Lines strace prints that are not calls: `-k` stack frames, `-c`/`-C` summary tables, strace's own messages. */
const NON_CALL = /^(?: > |strace: |% time\s|-{6} -{11}|\s*\d+\.\d+\s+\d+\.\d+\s+\d+\s+\d+\s+(?:\d+\s+)?(?:[a-z_][a-z0-9_]*|total)$|\s*(?:calls|syscall)\s)/;
const CALL = /^([a-z_][a-z0-9_]*)\((.*)$/;
const RESUMED = /^<\.\.\. ([a-z_][a-z0-9_]*) resumed>\s?(.*)$/;
const RESUMING = /^<\.\.\. resuming .*\.\.\.>$/;
const SYSCALL_HEX = /^syscall_(0x[0-9a-f]+|\d+)$/i;

function splitResult(rest: string): { args: string; ret?: string; duration?: number; unfinished: boolean } {
  // rest = `args) = ret <dur>` or `args <unfinished ...>` or `args) = ?`
  const unf = rest.match(/\s*<(?:unfinished|detached) \.\.\.>\s*$/);
  if (unf) return { args: rest.slice(0, unf.index), unfinished: true };
  let dur: number | undefined;
  let r = rest;
  const d = /\s<(\d+\.\d+)>\s*$/.exec(r);
  if (d) { dur = Number(d[1]); r = r.slice(0, d.index); }
  // the last `) = ` (any spacing) separates the arguments from the result
  let args: string;
  let ret: string | undefined;
  const m = /^([\s\S]*)\)\s+=\s+(.*)$/.exec(r);
  if (m) { args = m[1]!; ret = m[2]!.trim(); }
  else if (r.trimEnd().endsWith(')')) args = r.trimEnd().slice(0, -1);
  else args = r;
  const o: { args: string; ret?: string; duration?: number; unfinished: boolean } = { args, unfinished: false };
  if (ret !== undefined) o.ret = ret;
  if (dur !== undefined) o.duration = dur;
  return o;
}

function makeCall(p: Pending, pid: number | undefined, arch: string | undefined, argText: string, ret?: string, duration?: number): TraceCall {
  // `restart_syscall(<... resuming interrupted read ...>)` has no arguments
  const texts = argText.trim() === '' ? [] : splitArgs(argText).filter((t) => !RESUMING.test(t));
  const args = texts.map(resolveArg);
  const c: { -readonly [K in keyof TraceCall]: TraceCall[K] } = { line: p.line, args };
  if (pid !== undefined) c.pid = pid;
  const hex = p.name.startsWith('syscall_') ? SYSCALL_HEX.exec(p.name) : null;
  if (hex) c.nr = Number(hex[1]);
  else c.name = p.name;
  if (p.nr !== undefined) c.nr = p.nr;
  if (arch !== undefined) c.arch = arch;
  if (ret !== undefined) c.ret = ret;
  if (p.time !== undefined) c.time = p.time;
  if (duration !== undefined) c.duration = duration;
  return c;
}

/**
 * Reads strace output line by line and yields one {@link TraceCall} per
 * system call (merged unfinished/resumed pairs are yielded at the resume).
 * Memory holds only the pending unfinished call of each pid.
 * @throws InputError naming the line, in strict mode, for an unparsable line.
 */
export async function* readStrace(lines: AsyncIterable<string> | Iterable<string>, opts: StraceOptions = {}): AsyncGenerator<TraceCall> {
  const stats = opts.stats ?? newTraceStats();
  const pending = new Map<number, Pending>();
  const archOf = new Map<number, string>();
  let lineNo = 0;
  let sawPid = false;
  let inSummary = false;
  /** Prefixed pids not yet seen exiting. */
  const live = new Set<number>();
  const where = (): { line: number; file?: string } => (opts.file === undefined ? { line: lineNo } : { line: lineNo, file: opts.file });
  for await (const raw of lines as AsyncIterable<string>) {
    lineNo++;
    stats.lines++;
    const line = raw.trimEnd();
    if (line.trim() === '') continue;
    const h = HEAD.exec(line);
    if (!h) { stats.skipped++; continue; }
    const pidText = h[1] ?? h[2];
    let pid = pidText === undefined ? undefined : Number(pidText);
    if (pid !== undefined) { sawPid = true; live.add(pid); }
    // strace writing to a terminal / stderr drops the `[pid N]` prefix while a single tracee is left
    else if (live.size === 1) pid = live.values().next().value;
    else if (!sawPid) pid = opts.pid;
    const key = pid ?? -1;
    const time = h[3]?.trim();
    const nrText = h[4] ?? h[6];
    const nrPrefix = nrText === undefined ? undefined : Number(nrText);
    const rest = h[7]!;
    // `-i` prints a 32-bit tracee's instruction pointer with 8 digits (strace prints the personality
    // switch notice to stderr, not to the -o file, so this is often the only sign of a compat process)
    if (h[5] !== undefined && h[5].length === 8 && h[5][0] !== '?' && !archOf.has(key)) archOf.set(key, opts.compatArch ?? 'x86');
    else if (h[5] !== undefined && h[5].length === 16 && h[5][0] !== '?' && archOf.has(key)) archOf.delete(key);
    if (rest.startsWith('--- ')) { stats.signals++; continue; }
    if (rest.startsWith('+++ ')) {
      stats.exits++;
      const p = pending.get(key);
      if (p) {
        pending.delete(key);
        stats.unresumed++;
        stats.calls++;
        yield makeCall(p, pid, archOf.get(key), p.argText);
      }
      archOf.delete(key); // the pid may be reused
      if (pid !== undefined) live.delete(pid);
      continue;
    }
    const pers = /^\[ Process PID=(\d+) runs in (32|64|x32)(?: bit)? mode\. \]$/.exec(rest); // "x32 mode" or "x32 bit mode"
    if (pers) {
      const mode = pers[2];
      const abi = mode === '32' ? (opts.compatArch ?? 'x86') : mode === 'x32' ? 'x32' : 'x86_64';
      archOf.set(Number(pers[1]), abi);
      // without -f / -ff prefixes (strace writing to stderr) the notice is about the unprefixed lines
      if (!sawPid) archOf.set(opts.pid ?? -1, abi);
      continue;
    }
    const res = RESUMED.exec(rest);
    if (res) {
      const p = pending.get(key);
      pending.delete(key);
      const same = p !== undefined && p.name === res[1];
      if (p && !same) { stats.unresumed++; stats.calls++; yield makeCall(p, pid, archOf.get(key), p.argText); }
      const base: Pending = same ? p : { line: lineNo, name: res[1]!, argText: '' };
      const r = splitResult(res[2]!);
      stats.calls++;
      yield makeCall(base, pid, archOf.get(key), base.argText + r.args, r.ret, r.duration);
      continue;
    }
    const call = CALL.exec(rest);
    if (!call) {
      if (NON_CALL.test(rest) || NON_CALL.test(line) || SUMMARY_START.test(line)) {
        if (SUMMARY_START.test(line)) inSummary = true;
        stats.other++;
        continue;
      }
      // `-c` / `-C` tables with custom columns (`-U name,calls`): every row up to the `total` row
      if (inSummary) {
        if (SUMMARY_TOTAL.test(line)) inSummary = false;
        stats.other++;
        continue;
      }
      // continuation lines: `-z` / `-Z` print the end of an unfinished call as a bare `) = 2` line (no pid, no
      // `<... resumed>`); a call cut by strace's own notice or the tracee's output goes on on the next line
      const k = continuationOf(pending, key, rest);
      if (k !== undefined) {
        const p = pending.get(k)!;
        const r = splitResult(p.argText + rest);
        if (r.ret === undefined && !r.unfinished) {
          p.joined = (p.joined ?? 0) + 1;
          if (p.joined <= MAX_CONTINUATIONS && p.argText.length + rest.length <= MAX_JOINED_CHARS) { p.argText += rest; continue; }
          // not a continuation after all: the call stays unfinished, the line is not a call
          p.cut = false;
          stats.skipped++;
          continue;
        }
        pending.delete(k);
        if (r.unfinished) { pending.set(k, { ...p, argText: r.args, cut: false }); continue; }
        stats.calls++;
        yield makeCall(p, k < 0 ? undefined : k, archOf.get(k), r.args, r.ret, r.duration);
        continue;
      }
      if (opts.strict) throw new InputError(`cannot parse strace line: ${JSON.stringify(line.slice(0, 80))}`, where());
      stats.skipped++;
      continue;
    }
    const r = splitResult(call[2]!);
    const p: Pending = { line: lineNo, name: call[1]!, argText: r.args };
    if (nrPrefix !== undefined) p.nr = nrPrefix;
    if (time !== undefined) p.time = time;
    // a call line cut short — the tracee's own output interleaved when strace writes to the terminal
    // (`write(1, "hi\n", 3hi` then `)   = 3`), or a truncated last line — waits like an unfinished call
    if (r.unfinished || (r.ret === undefined && !call[2]!.trimEnd().endsWith(')'))) {
      if (!r.unfinished) {
        p.cut = true;
        p.argText = p.argText.replace(NOTICE_TAIL, '');
      }
      const old = pending.get(key);
      if (old) { stats.unresumed++; stats.calls++; yield makeCall(old, pid, archOf.get(key), old.argText); }
      pending.set(key, p);
      continue;
    }
    stats.calls++;
    yield makeCall(p, pid, archOf.get(key), r.args, r.ret, r.duration);
  }
  for (const [key, p] of pending) {
    stats.unresumed++;
    stats.calls++;
    yield makeCall(p, key < 0 ? undefined : key, archOf.get(key), p.argText);
  }
}
