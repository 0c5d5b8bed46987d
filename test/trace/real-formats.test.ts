/**
 * The strace reader on real recordings of every common strace output format
 * (test/trace/data/, commands in its README). Oracles: strace's own `-C`
 * per-syscall count table appended to the same file, the x86_64 / i386
 * syscall tables (names must exist, `-n` numbers must match), and the raw
 * text of the file (pids, line numbers, stack-frame and summary lines).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { readStrace, readTraceFile, newTraceStats, ffPid, type TraceCall, type TraceStats } from '../../src/trace/index.js';
import { syscallNumber } from '../../src/seccomp/arch.js';

const dataPath = (n: string): string => new URL(`./data/${n}`, import.meta.url).pathname;
const AT_FDCWD = 0xffffffffffffff9cn;

async function read(n: string): Promise<{ calls: TraceCall[]; stats: TraceStats; text: string[] }> {
  const stats = newTraceStats();
  const calls: TraceCall[] = [];
  // strict: every line must be a call, a known non-call line (signal, exit, stack frame, summary) or blank
  for await (const c of readTraceFile(dataPath(n), { stats, strict: true })) calls.push(c);
  return { calls, stats, text: readFileSync(dataPath(n), 'utf8').split('\n') };
}

/** strace's `-c` / `-C` table: syscall → calls column. */
function summaryTable(text: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of text) {
    const r = /^\s*\d+\.\d+\s+\d+\.\d+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)$/.exec(l);
    if (r && r[2] !== 'total') m.set(r[2]!, Number(r[1]));
  }
  return m;
}
function countByName(calls: readonly TraceCall[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of calls) m.set(c.name!, (m.get(c.name!) ?? 0) + 1);
  return m;
}

interface Fmt {
  file: string;
  /** -f: every call carries a pid. */
  pid?: boolean;
  /** -C: the file ends with the count table. */
  summary?: boolean;
  /** -n: numbers given. */
  nr?: boolean;
  time?: RegExp;
  duration?: boolean;
  /** exit lines expected (not with -qq). */
  exits?: boolean;
  /** openat's first argument resolves to AT_FDCWD (not with -e status=failed where none may show). */
  openat?: boolean;
  /** openat's first argument when not AT_FDCWD's 64-bit value (`-e raw=all` prints the int). */
  fdcwd?: bigint;
}

const FORMATS: Fmt[] = [
  { file: 'plain.strace', summary: true, exits: true, openat: true },
  { file: 'f.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-t.strace', pid: true, summary: true, exits: true, openat: true, time: /^\d\d:\d\d:\d\d$/ },
  { file: 'f-tt.strace', pid: true, summary: true, exits: true, openat: true, time: /^\d\d:\d\d:\d\d\.\d{6}$/ },
  { file: 'f-ttt-T.strace', pid: true, summary: true, exits: true, openat: true, time: /^\d{10}\.\d{6}$/, duration: true },
  { file: 'f-r.strace', pid: true, summary: true, exits: true, openat: true, time: /^\d+\.\d{6}$/ },
  { file: 'f-n.strace', pid: true, summary: true, exits: true, openat: true, nr: true },
  { file: 'f-y.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-yy.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-xraw.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-xverbose.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-v.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-s0.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-s4096.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-file.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-notread.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-nosig.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-failed.strace', pid: true, exits: true },
  { file: 'f-z.strace', pid: true, exits: true, openat: true },
  { file: 'f-Z.strace', pid: true, exits: true },
  { file: 'f-k.strace', pid: true, summary: true, exits: true },
  { file: 'f-seccomp.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-qq.strace', pid: true, summary: true, openat: true },
  { file: 'f-i.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-i-n-tt.strace', pid: true, summary: true, exits: true, openat: true, nr: true, time: /^\d\d:\d\d:\d\d\.\d{6}$/ },
  { file: 'f-x.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-xx.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-times.strace', pid: true, summary: true, exits: true, openat: true, duration: true },
  { file: 'f-a.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-r-tt.strace', pid: true, summary: true, exits: true, openat: true, time: /^\d\d:\d\d:\d\d\.\d{6} \(\+\s*\d+\.\d{6}\)$/ },
  { file: 'f-tns.strace', pid: true, summary: true, exits: true, openat: true, time: /^\d\d:\d\d:\d\d\.\d{9}$/ },
  { file: 'f-rns.strace', pid: true, summary: true, exits: true, openat: true, time: /^\d+\.\d{9}$/ },
  { file: 'f-Tns.strace', pid: true, summary: true, exits: true, openat: true, duration: true },
  { file: 'f-unixms.strace', pid: true, summary: true, exits: true, openat: true, time: /^\d{10}\.\d{3}$/ },
  { file: 'f-Y.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-inject.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-P.strace', pid: true, exits: true, openat: true },
  { file: 'f-noabbrev.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-hexna.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-quiet.strace', pid: true, summary: true, openat: true },
  { file: 'f-signal.strace', pid: true, summary: true, exits: true },
  { file: 'f-all.strace', pid: true, summary: true, exits: true, openat: true, nr: true, time: /^\d{10}\.\d{6}$/, duration: true },
  { file: 'f-rawall.strace', pid: true, summary: true, exits: true, openat: true, fdcwd: 0xffffff9cn },
  { file: 'f-verbnone.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-dfall.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'f-C-w.strace', pid: true, summary: true, exits: true, openat: true },
  { file: 'killed.strace', pid: true, exits: true, openat: true },
  { file: 'segv.strace', pid: true, exits: true, openat: true },
  { file: 'hugeargv.strace', pid: true, exits: true, openat: true },
  { file: 'longline.strace', pid: true, exits: true, openat: true },
];

describe.each(FORMATS)('real strace output: $file', (f) => {
  it('one call per syscall, with the right name, number, pid, line and arguments', async () => {
    const { calls, stats, text } = await read(f.file);
    expect(calls.length).toBeGreaterThan(0);
    expect(stats.calls).toBe(calls.length);
    expect(stats.unresumed).toBe(0);
    // names are real syscalls of the tracee's ABI; -n numbers agree with them
    for (const c of calls) {
      const arch = c.arch ?? 'x86_64';
      expect(syscallNumber(arch, c.name!), `${f.file}:${c.line} ${c.name}`).toBeTypeOf('number');
      if (f.nr) expect(c.nr, `${f.file}:${c.line}`).toBe(syscallNumber(arch, c.name!));
      else expect(c.nr).toBeUndefined();
      // the call's line holds its name (start of the call)
      expect(text[c.line - 1], `${f.file}:${c.line}`).toContain(`${c.name}(`);
      if (f.time) expect(c.time, `${f.file}:${c.line}`).toMatch(f.time);
      if (f.duration && c.ret !== undefined && c.ret !== '?') expect(c.duration, `${f.file}:${c.line}`).toBeTypeOf('number');
    }
    // pids: exactly the pids of the file's line prefixes
    const prefixPids = new Set(text.filter((l) => !/ (\+\+\+|---) /.test(l)).map((l) => /^(\d+)(?:<[^>]*>)? /.exec(l)?.[1]).filter((p) => p !== undefined).map(Number));
    if (f.pid) expect(new Set(calls.map((c) => c.pid))).toEqual(prefixPids);
    else expect(calls.every((c) => c.pid === undefined)).toBe(true);
    // strace's own count table (it leaves out exit/exit_group, which never return)
    if (f.summary) {
      const mine = countByName(calls);
      mine.delete('exit_group');
      mine.delete('exit');
      expect(mine).toEqual(summaryTable(text));
    }
    if (f.exits) expect(stats.exits).toBe(text.filter((l) => /(^| )\+\+\+ (exited|killed)/.test(l)).length);
    else expect(stats.exits).toBe(0);
    expect(stats.signals).toBe(text.filter((l) => /(^| )--- /.test(l)).length);
    // argument resolution survives every decoration (-y, -yy, -X raw/verbose, -x...)
    if (f.openat) {
      const opens = calls.filter((c) => c.name === 'openat');
      expect(opens.length).toBeGreaterThan(0);
      for (const o of opens) {
        expect(o.args[0], `${f.file}:${o.line}`).toBe(f.fdcwd ?? AT_FDCWD);
        if (f.fdcwd === undefined) expect(o.args[1]).toBeUndefined(); // a path string (raw: its address)
        expect(o.args[2], `${f.file}:${o.line}`).toBeTypeOf('bigint');
      }
    }
    for (const c of calls.filter((x) => x.name === 'close' || x.name === 'read' || x.name === 'fstat')) {
      expect(c.args[0], `${f.file}:${c.line}`).toBeTypeOf('bigint');
    }
    // the summary table and -k stack frames are known non-call lines; nothing is left not understood
    const nonCall = text.filter((l) => / > |^\s*\d+\.\d+ +\d|^% time|^------|^\s*$/.test(l) && l.trim() !== '').length;
    expect(stats.other).toBe(nonCall);
    expect(stats.skipped).toBe(0);
  });
});

describe('real strace output: special cases', () => {
  it('-c alone: only the summary table, no calls, every line skipped (not an error)', async () => {
    const { calls, stats, text } = await read('f-c.strace');
    expect(calls).toEqual([]);
    expect(stats.other).toBe(text.filter((l) => l.trim() !== '').length);
    expect(stats.skipped).toBe(0);
  });
  it('-C -U name,calls,errors: a summary with custom columns is skipped whole (strict), counts match it', async () => {
    const { calls, stats, text } = await read('f-C-U.strace');
    const start = text.findIndex((l) => l.startsWith('syscall '));
    const rows = text.slice(start + 2).filter((l) => /^[a-z_0-9]+\s+\d+/.test(l) && !l.startsWith('total'));
    const table = new Map(rows.map((l) => { const [n, c] = l.trim().split(/\s+/); return [n!, Number(c)] as const; }));
    const mine = countByName(calls);
    mine.delete('exit_group');
    expect(mine).toEqual(table);
    expect(stats.other).toBe(text.length - start - (text.at(-1) === '' ? 1 : 0));
    expect(stats.skipped).toBe(0);
  });
  it('-k: stack frames are skipped, never taken for calls', async () => {
    const { stats, text } = await read('f-k.strace');
    expect(text.filter((l) => l.startsWith(' > ')).length).toBeGreaterThan(50);
    expect(stats.other).toBeGreaterThanOrEqual(text.filter((l) => l.startsWith(' > ')).length);
    expect(stats.skipped).toBe(0);
  });
  it('-ff per-pid files (no pid prefix): every call read, exit line counted', async () => {
    let total = 0;
    for (const n of ['ff-1.strace', 'ff-2.strace', 'ff-3.strace']) {
      const { calls, stats, text } = await read(n);
      expect(calls.every((c) => c.pid === undefined && c.name !== undefined)).toBe(true);
      expect(stats.exits).toBe(1);
      expect(stats.unresumed).toBe(0);
      expect(stats.skipped).toBe(0);
      // every line is a call, a resumption (merged), a signal or the exit line
      const resumed = text.filter((l) => l.startsWith('<... ')).length;
      const sig = text.filter((l) => l.startsWith('--- ')).length;
      expect(calls.length).toBe(text.filter((l) => l.trim() !== '').length - resumed - sig - 1);
      total += calls.length;
    }
    expect(total).toBeGreaterThan(100);
  });
  it('-ff per-pid files: the pid option (ffPid reads it from PREFIX.PID) gives every call its pid', async () => {
    expect(ffPid('/tmp/trace.12345')).toBe(12345);
    expect(ffPid('/tmp/trace.strace')).toBeUndefined();
    const calls: TraceCall[] = [];
    for await (const c of readTraceFile(dataPath('ff-2.strace'), { pid: 4321, strict: true })) calls.push(c);
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.every((c) => c.pid === 4321)).toBe(true);
  });
  it('32-bit tracee: 8-digit -i pointers mark the calls x86, -n numbers are i386 numbers', async () => {
    const { calls } = await read('compat32.strace');
    expect(calls.map((c) => [c.name, c.nr, c.arch ?? 'x86_64'])).toEqual([
      ['execve', 59, 'x86_64'], ['write', 4, 'x86'], ['getpid', 20, 'x86'], ['exit', 1, 'x86'],
    ]);
    expect(calls[1]!.args).toEqual([1n, undefined, 3n]);
  });
  it('attach/detach: restart_syscall(<... resuming ...> <detached ...>', async () => {
    const { calls, stats } = await read('restart-detached.strace');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ name: 'restart_syscall', args: [] });
    expect(calls[0]!.ret).toBeUndefined();
    expect(stats.unresumed).toBe(1);
  });
  it('--- stopped by SIGSTOP --- and unfinished/resumed pairs around signals', async () => {
    const { calls, stats } = await read('stop-excerpt.strace');
    expect(stats.signals).toBe(6);
    expect(stats.exits).toBe(2);
    const nanos = calls.filter((c) => c.name === 'clock_nanosleep');
    expect(nanos).toHaveLength(2);
    expect(nanos[0]!.ret).toMatch(/^\? ERESTARTNOHAND/);
    expect(nanos[0]!.args).toEqual([1n, 1n, undefined, 0n]);
    const wait = calls.find((c) => c.name === 'wait4')!;
    expect(wait).toMatchObject({ pid: 30712, ret: '30775', line: 26 });
    expect(wait.args).toEqual([30775n, undefined, 0n, 0n]);
    expect(calls.filter((c) => c.name === 'exit_group').map((c) => c.ret)).toEqual(['?', '?']);
  });
  it('-z: a bare `) = N` line resumes the only pending call', async () => {
    const { calls, stats } = await read('z-bare-resume.strace');
    const w = calls.find((c) => c.name === 'write' && c.pid === 24624)!;
    expect(w).toMatchObject({ ret: '2', line: 13 });
    expect(w.args).toEqual([1n, undefined, 2n]);
    expect(stats).toMatchObject({ skipped: 0, unresumed: 0 });
  });
  it('killed by a signal: the kill call returns ?, the exit line is counted', async () => {
    const { calls } = await read('killed.strace');
    const k = calls.at(-1)!;
    expect(k).toMatchObject({ name: 'kill', ret: '?' });
    expect(k.args).toEqual([BigInt(k.pid!), 9n]);
  });
  it('a 20 kB execve line is one call with three arguments', async () => {
    const { calls } = await read('hugeargv.strace');
    const ex = calls.filter((c) => c.name === 'execve');
    expect(ex.length).toBeGreaterThanOrEqual(1);
    expect(ex.some((c) => c.args.length === 3 && c.ret === '0')).toBe(true);
  });
  it('streams strace output given as an in-memory line list too', async () => {
    const text = readFileSync(dataPath('f-i-n-tt.strace'), 'utf8').split('\n');
    let n = 0;
    for await (const _c of readStrace(text)) n++;
    expect(n).toBe(summaryTable(text).size > 0 ? (await read('f-i-n-tt.strace')).calls.length : -1);
  });
});

describe('real strace output written to stderr (no -o)', () => {
  it('32-bit tracee: the personality notice marks the unprefixed calls; the output-cut write line is joined', async () => {
    const { calls, stats } = await read('compat32-stderr.strace');
    expect(calls.map((c) => [c.line, c.name, c.arch ?? 'x86_64', c.ret])).toEqual([
      [1, 'execve', 'x86_64', '0'], [3, 'write', 'x86', '3'], [5, 'getpid', 'x86', expect.stringMatching(/^\d+$/)], [6, 'exit', 'x86', '?'],
    ]);
    expect(calls[1]!.args.slice(0, 2)).toEqual([1n, undefined]);
    expect(stats).toMatchObject({ skipped: 0, unresumed: 0, exits: 1 });
  });
  it('-f to stderr: [pid N] prefixes, notices cutting lines, the last tracee unprefixed', async () => {
    const { calls, stats, text } = await read('stderr-f.strace');
    const same = await read('f.strace'); // the same command recorded with -o
    expect(countByName(calls)).toEqual(countByName(same.calls));
    expect(stats).toMatchObject({ skipped: 0, other: text.filter((l) => l.startsWith('strace: ')).length, unresumed: 0, exits: 3 });
    const clones = calls.filter((c) => c.name === 'clone');
    expect(clones.map((c) => c.ret)).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/)]);
    expect(clones[0]!.line).toBe(159);
    // the first process's calls before any fork carry no pid (strace had not printed one yet);
    // after the last child exits, the unprefixed lines belong to the one live tracee
    const last = calls.at(-1)!;
    expect(last.name).toBe('exit_group');
    expect(last.pid).toBe(clones[1]!.pid);
    expect(calls.filter((c) => c.line > 159).every((c) => c.pid !== undefined)).toBe(true);
  });
});
