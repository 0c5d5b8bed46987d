/**
 * The strace reader's fast paths (memoised argument resolution, early exit
 * for strings/arrays/structs, no extra generator hop after format detection)
 * return what the uncached paths return.
 */
import { describe, it, expect } from 'vitest';
import { resolveArg } from '../../src/trace/strace.js';
import { readTraceLines } from '../../src/trace/open.js';
import { textLines } from '../../src/trace/lines.js';

const TEXTS = [
  'AT_FDCWD', 'O_RDONLY|O_CLOEXEC', 'NULL', '3', '0x7f1e2a3b4000', '-1', '0755', '3</etc/passwd>', '0x7ffc /* 35 vars */',
  '"/etc/ld.so.cache"', '["ls", "-l"]', '{st_mode=S_IFREG|0644, st_size=123}', '~[RTMIN RT_1]', 'SIGRTMIN+1', '8<<2',
  'NO_SUCH_CONSTANT', 'PROT_READ|NO_SUCH', '', '  4  ', '"a" /* x */', '[{fd=3, events=POLLIN}]',
];

describe('strace fast paths', () => {
  it('resolveArg gives the same answer on first and repeated calls', () => {
    const first = TEXTS.map((t) => resolveArg(t));
    for (let round = 0; round < 3; round++) expect(TEXTS.map((t) => resolveArg(t))).toEqual(first);
    expect(first[0]).toBe(BigInt.asUintN(64, -100n));
    expect(first[2]).toBe(0n);
    expect(first[7]).toBe(3n);
    expect(first[9]).toBeUndefined();
    expect(first[10]).toBeUndefined();
    expect(first[12]).toBeUndefined();
    expect(first[15]).toBeUndefined();
  });

  it('the memo stays bounded and correct past its size', () => {
    for (let i = 0; i < 20_000; i++) expect(resolveArg(String(i))).toBe(BigInt(i));
    expect(resolveArg('AT_FDCWD')).toBe(BigInt.asUintN(64, -100n));
  });

  it('format detection keeps the head lines and streams the rest', async () => {
    const text = '\n\n1 openat(AT_FDCWD, "/x", O_RDONLY) = 3\n1 close(3) = 0\n1 read(3, "", 1) = 0\n';
    const calls = [];
    for await (const c of readTraceLines(textLines(text))) calls.push(c);
    expect(calls.map((c) => [c.line, c.name, c.args.length])).toEqual([[3, 'openat', 3], [4, 'close', 1], [5, 'read', 3]]);
    // an early break closes the source
    let n = 0;
    for await (const _ of readTraceLines(textLines(text))) { n++; break; }
    expect(n).toBe(1);
  });
});
