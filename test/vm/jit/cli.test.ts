/**
 * `bpfsim run --engine jit` end to end: the built binary (bin/bpfsim.js →
 * dist/, built by `npm test`) registers the jit when the CLI runs. Spawned as
 * a process so that nothing imported by the test itself registers the engine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/shared.js';

const bin = join(REPO_ROOT, 'bin', 'bpfsim.js');
const built = existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'));
const dir = mkdtempSync(join(tmpdir(), 'bpfsim-jit-cli-'));

function run(args: string[], input?: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!built)('bpfsim run --engine jit (built binary)', () => {
  it('runs a program under the jit and prints r0', () => {
    const f = join(dir, 'p.s');
    writeFileSync(f, 'mov %r0, 0\nmov %r1, 10\nadd %r0, %r1\nsub %r1, 1\njne %r1, 0, -3\nexit\n');
    expect(run(['run', '--asm', f, '--engine', 'jit'])).toMatchObject({ code: 0, out: '0x37\n' });
  });
  it('reports a fault like the interpreter (exit 1, message on stderr)', () => {
    const f = join(dir, 'f.s');
    writeFileSync(f, 'ldxdw %r0, [%r1+0]\nexit\n');
    const jit = run(['run', '--asm', f, '--engine', 'jit']);
    const interp = run(['run', '--asm', f, '--engine', 'interp']);
    expect(jit.code).toBe(1);
    expect(jit.err).toBe(interp.err);
  });
  it('runs --batch lines with "engine": "jit"', () => {
    const lines = [
      JSON.stringify({ id: 1, asm: 'mov %r0, 7\nexit', engine: 'jit' }),
      JSON.stringify({ id: 2, asm: 'ja -1\nexit', engine: 'jit' }),
    ].join('\n') + '\n';
    const r = run(['run', '--batch'], lines);
    const out = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out[0]).toEqual({ id: 1, r0: '0x7' });
    expect(out[1]).toMatchObject({ id: 2, error: { code: 'BUDGET', pc: 0 } });
  });
});
