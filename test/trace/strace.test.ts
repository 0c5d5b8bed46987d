import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { readStrace, readJsonl, readTraceFile, resolveArg, splitArgs, splitLines, newTraceStats, textLines, type TraceCall } from '../../src/trace/index.js';
import { InputError } from '../../src/errors.js';

const fixture = (n: string): string => new URL(`./fixtures/${n}`, import.meta.url).pathname;
async function all(it: AsyncIterable<TraceCall>): Promise<TraceCall[]> {
  const out: TraceCall[] = [];
  for await (const c of it) out.push(c);
  return out;
}
const lines = (p: string): string[] => readFileSync(p, 'utf8').split('\n');

describe('argument resolution', () => {
  it.each([
    ['AT_FDCWD', 0xffffffffffffff9cn], ['O_RDONLY|O_CLOEXEC', 0x80000n], ['NULL', 0n], ['0x7ffc6fd58958 /* 35 vars */', 0x7ffc6fd58958n],
    ['3</etc/passwd>', 3n], ['-1', 0xffffffffffffffffn], ['0755', 0o755n], ['PROT_READ|PROT_WRITE', 3n],
    ['CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD', 0x1200011n], ['SIGRTMIN+1', 33n], ['"/etc"', undefined],
    ['{st_mode=S_IFREG}', undefined], ['[1, 2]', undefined], ['8192*1024', undefined], ['FOO_BAR', undefined], ['1<<20', 1n << 20n],
  ])('%s', (t, v) => { expect(resolveArg(t)).toBe(v); });
  it('splits nested args', () => {
    expect(splitArgs('3, "a,b", {x=1, y=[2, 3]}, f(1, 2)')).toEqual(['3', '"a,b"', '{x=1, y=[2, 3]}', 'f(1, 2)']);
    expect(splitArgs('')).toEqual([]);
  });
});

describe('strace reader', () => {
  it('edge cases: pid prefixes, unfinished/resumed, signals, exits, syscall_0x, personality', async () => {
    const stats = newTraceStats();
    const calls = await all(readStrace(lines(fixture('edge.strace')), { stats }));
    expect(calls.map((c) => c.name ?? `#${c.nr}`)).toEqual([
      'openat', 'read', 'futex', 'write', '#438', 'clone', 'mmap', 'personality', 'exit_group', 'rt_sigaction', 'mmap', 'socket',
    ]);
    const [openat, read, futex, write] = calls;
    expect(openat!.pid).toBe(4242);
    expect(openat!.args).toEqual([0xffffffffffffff9cn, undefined, 0x80000n]);
    expect(openat!.duration).toBeCloseTo(0.00001);
    expect(read!.args[0]).toBe(3n);
    expect(futex!.line).toBe(3);
    expect(futex!.args).toEqual([0x7f0000001000n, 128n, 2n, 0n]);
    expect(futex!.ret).toMatch(/EAGAIN/);
    expect(write!.args).toEqual([1n, undefined, 3n]);
    expect(calls[7]!.arch).toBe('x86');
    expect(calls[7]!.args).toEqual([8n]);
    expect(calls[8]!.ret).toBe('?');
    expect(calls[11]!.args).toEqual([16n, 0o2000003n, 9n]); // never resumed: flushed at the end
    expect(stats).toMatchObject({ signals: 1, exits: 1, unresumed: 1, calls: 12 });
  });
  it('-X raw -ttt -n output', async () => {
    const calls = await all(readStrace(lines(fixture('raw-ttt.strace'))));
    expect(calls[0]).toMatchObject({ name: 'execve', nr: 59 });
    const o = calls.find((c) => c.name === 'openat')!;
    expect(o.nr).toBe(257);
    expect(o.args).toEqual([0xffffffffffffff9cn, undefined, 0x80000n]);
    expect(o.time).toMatch(/^\d+\.\d+$/);
  });
  it('the bundled real trace', async () => {
    const stats = newTraceStats();
    const calls = await all(readTraceFile(new URL('../../data/traces/example.strace', import.meta.url).pathname, { stats }));
    expect(calls.length).toBeGreaterThan(500);
    expect(calls.every((c) => c.name !== undefined && c.pid !== undefined && c.time !== undefined)).toBe(true);
    expect(new Set(calls.map((c) => c.pid)).size).toBeGreaterThan(2);
    expect(stats.skipped).toBe(0);
    expect(stats.exits).toBeGreaterThan(2);
    const opens = calls.filter((c) => c.name === 'openat');
    expect(opens.every((c) => c.args[0] === 0xffffffffffffff9cn || typeof c.args[0] === 'bigint')).toBe(true);
  });
  it('strict mode names the line', async () => {
    await expect(all(readStrace(['open("/x", O_RDONLY) = 3', 'garbage here'], { strict: true, file: 't.strace' }))).rejects.toThrow(/t.strace: line 2/);
  });
  it('streams: memory does not grow with the trace', async () => {
    const N = 100_000;
    function* gen(): Generator<string> {
      for (let i = 0; i < N; i++) {
        yield `${1000 + (i % 7)} 12:00:00.${String(i).padStart(6, '0')} read(3, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"..., 4096) = 4096 <0.000001>`;
        if (i % 1000 === 0) yield `${2000} 12:00:00.000000 futex(0x1, FUTEX_WAIT_PRIVATE, 2, NULL <unfinished ...>`;
        if (i % 1000 === 1) yield `${2000} 12:00:00.000000 <... futex resumed>) = 0`;
      }
    }
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    let n = 0;
    let peak = 0;
    for await (const _c of readStrace(gen())) {
      if (++n % 25_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    }
    expect(n).toBe(N + N / 1000);
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('JSON-lines reader', () => {
  it('reads nr/name/args in every number form', async () => {
    const calls = await all(readJsonl(textLines('{"nr":257,"arch":"x86_64","args":[1,"0xffffffffffffffff","-1"],"pid":3}\n\n# c\n{"name":"ptrace","line":9}\n')));
    expect(calls[0]).toMatchObject({ nr: 257, arch: 'x86_64', pid: 3, line: 1 });
    expect(calls[0]!.args).toEqual([1n, (1n << 64n) - 1n, (1n << 64n) - 1n]);
    expect(calls[1]).toMatchObject({ name: 'ptrace', line: 9 });
  });
  it.each([
    ['{"arch":"x86_64"}', /"nr" or "name"/], ['{"nr":1,"args":[1.5]}', /args\[0\]/], ['not json', /invalid JSON/],
    ['{"nr":"0x1ffffffff"}', /32 bits/], ['{"name":"Bad Name"}', /syscall name/], ['{"nr":1,"args":[1,2,3,4,5,6,7]}', /at most 6/],
  ])('%s is rejected with the line', async (t, msg) => {
    const p = all(readJsonl(textLines(`{"nr":1}\n${t}\n`)));
    await expect(p).rejects.toThrow(InputError);
    await expect(all(readJsonl(textLines(`{"nr":1}\n${t}\n`)))).rejects.toThrow(/line 2/);
    await expect(all(readJsonl(textLines(`{"nr":1}\n${t}\n`)))).rejects.toThrow(msg);
  });
  it('format detection through readTraceFile', async () => {
    const calls = await all(readTraceFile(fixture('edge.strace')));
    expect(calls.length).toBe(12);
  });
});

describe('strace reader: cut lines and long lines', () => {
  it('a truncated last line is an unresumed call, not an error', async () => {
    const stats = newTraceStats();
    const calls = await all(readStrace(['1 close(3) = 0', '1 openat(AT_FDCWD, "/et'], { stats, strict: true }));
    expect(calls.map((c) => c.name)).toEqual(['close', 'openat']);
    expect(calls[1]!.args[0]).toBe(0xffffffffffffff9cn);
    expect(stats.unresumed).toBe(1);
  });
  it('a cut call joins at most 64 continuation lines; later lines are skipped, memory stays bounded', async () => {
    const stats = newTraceStats();
    const junk = Array.from({ length: 200 }, (_, i) => `program output ${i}`);
    const calls = await all(readStrace(['write(1, "x", 1x', ...junk, 'close(1) = 0'], { stats }));
    expect(calls.map((c) => c.name)).toEqual(['close', 'write']);
    expect(stats.skipped).toBe(200 - 64);
    expect(stats.unresumed).toBe(1);
  });
  it('a 16 MB line arriving in 64 kB chunks is split in linear time', async () => {
    const big = 'a'.repeat(16 << 20);
    async function* chunks(): AsyncGenerator<string> {
      yield 'close(3) = 0\nwrite(1, "';
      for (let i = 0; i < big.length; i += 1 << 16) yield big.slice(i, i + (1 << 16));
      yield '", 16777216) = 16777216\nclose(1) = 0\n';
    }
    const t0 = Date.now();
    const calls = await all(readStrace(splitLines(chunks())));
    expect(calls.map((c) => c.name)).toEqual(['close', 'write', 'close']);
    expect(calls[1]!.args).toEqual([1n, undefined, 16777216n]);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('strace reader: personality notices', () => {
  it.each([
    ['[ Process PID=7 runs in 32 bit mode. ]', 'x86'], ['[ Process PID=7 runs in x32 mode. ]', 'x32'],
    ['[ Process PID=7 runs in 64 bit mode. ]', 'x86_64'],
  ])('%s', async (notice, arch) => {
    const calls = await all(readStrace(['7 getpid() = 7', notice, '7 getpid() = 7'], { strict: true }));
    expect(calls.map((c) => c.arch)).toEqual([undefined, arch]);
  });
});
