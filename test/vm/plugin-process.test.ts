/**
 * `bpfsim plugin` driven exactly as the bpf_conformance runner drives a
 * plugin (src/bpf_conformance.cc): a child process with the memory as
 * "xx  " hex bytes in argv[1] and the (empty) plugin options in argv[2], the
 * program as "xx  " hex bytes plus a newline on stdin, r0 read from stdout
 * as base-16. Uses the built CLI (dist/, built by `npm test`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/index.js';
import { REPO_ROOT, sharedPath } from '../support/shared.js';
import { loadConformance } from './conformance-data.js';

const bin = join(REPO_ROOT, 'bin', 'bpfsim.js');
const built = existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'));
const dir = sharedPath('conformance', 'bpf_conformance', 'tests');

/** The runner's _base_16_encode: each byte as two hex digits followed by two spaces. */
const runnerHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0') + '  ').join('');

describe.skipIf(!built || dir === undefined)('bpfsim plugin as a child process of the conformance runner', () => {
  const all = dir === undefined ? [] : loadConformance(dir);
  const picked = all.filter((v) => v.mem.length > 0 || /call|lddw|ldxb|jit-bounce|stack|prime/.test(v.name)).slice(0, 6);
  it.each(picked.map((v) => [v.name, v] as const))('%s', (_n, v) => {
    const prog = v.raw ?? assemble(v.asm!).bytes;
    const r = spawnSync(process.execPath, [bin, 'plugin', runnerHex(v.mem), ''], { input: runnerHex(prog) + '\n', encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.replace(/\n/g, '');
    expect(/^[0-9a-f]+$/.test(out)).toBe(true);
    // The runner compares uint32_t values; bpfsim prints the full 64-bit r0.
    expect(BigInt('0x' + out) & 0xffffffffn).toBe(v.result! & 0xffffffffn);
    expect(BigInt('0x' + out)).toBe(v.result);
  });
});
