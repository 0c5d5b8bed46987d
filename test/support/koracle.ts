/**
 * The kernel oracle (../shared/tools/koracle) for differential tests.
 *
 * `koracleAvailable()` is true only where the binary exists or can be built
 * and the running kernel answers (root, bpf()). Tests use
 * `describe.skipIf(!koracleAvailable())` so that they skip cleanly elsewhere.
 *
 * Binary lookup order: $KORACLE, then `.koracle/koracle` in the repository
 * (built there by .ci/run or on first use from ../shared/tools/koracle with
 * `make OUT=...`, since ../shared may be read-only).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, sharedPath } from './shared.js';

let cached: string | null | undefined;

/** Path of a working koracle binary, or null. */
export function koraclePath(): string | null {
  if (cached !== undefined) return cached;
  cached = null;
  if (process.env.BPFSIM_NO_KERNEL === '1') return cached;
  const candidates = [process.env.KORACLE, join(REPO_ROOT, '.koracle', 'koracle')].filter((x): x is string => !!x);
  let bin = candidates.find((p) => existsSync(p));
  if (bin === undefined) {
    const src = sharedPath('tools', 'koracle');
    if (src === undefined) return cached;
    const out = join(REPO_ROOT, '.koracle');
    try {
      mkdirSync(out, { recursive: true });
      execFileSync('make', ['-s', '-C', src, `OUT=${out}`], { stdio: 'ignore', timeout: 120_000 });
    } catch {
      return cached;
    }
    bin = join(out, 'koracle');
    if (!existsSync(bin)) return cached;
  }
  // Probe the kernel: an accepted trivial program (r0 = 0; exit).
  const r = spawnSync(bin, ['ebpf-load', '--json', 'b700000000000000', '9500000000000000'], { encoding: 'utf8', timeout: 20_000 });
  if (r.status === 0 && r.stdout.includes('"accepted"')) cached = bin;
  return cached;
}

/** True where the kernel oracle can be used. */
export function koracleAvailable(): boolean {
  return koraclePath() !== null;
}

/**
 * Runs a batch of JSON cases through `koracle COMMAND --batch --json` and
 * returns one parsed result object per case, in order.
 */
export function koracleBatch(command: string, cases: readonly Record<string, unknown>[], extraArgs: string[] = []): Record<string, any>[] {
  const bin = koraclePath();
  if (bin === null) throw new Error('koracle is not available');
  if (cases.length === 0) return [];
  const input = cases.map((c) => JSON.stringify(c)).join('\n') + '\n';
  const r = spawnSync(bin, [command, '--batch', '--json', ...extraArgs], {
    input, encoding: 'utf8', maxBuffer: 1 << 30, timeout: 600_000,
  });
  if (r.status !== 0 && r.status !== 2) throw new Error(`koracle ${command} exited ${r.status}: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== cases.length) throw new Error(`koracle ${command}: ${cases.length} cases, ${lines.length} results; stderr: ${r.stderr}`);
  return lines.map((l) => JSON.parse(l));
}
