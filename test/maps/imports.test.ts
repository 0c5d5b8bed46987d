/** Dependency direction (STYLE.md): maps builds on isa/errors and the VM's memory/type shapes only; elf on maps and vm; neither on cli, seccomp or the verifier. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

function imports(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const f of readdirSync(join(REPO_ROOT, 'src', dir)).filter((x) => x.endsWith('.ts'))) {
    const text = readFileSync(join(REPO_ROOT, 'src', dir, f), 'utf8');
    for (const m of text.matchAll(/from '([^']+)'/g)) out.push([f, m[1]!]);
  }
  return out;
}

describe('import graph', () => {
  it('src/maps imports only errors, isa, vm/memory, vm/types and itself', () => {
    for (const [f, spec] of imports('maps')) {
      expect([f, /^\.\/|^\.\.\/errors\.js$|^\.\.\/isa\/|^\.\.\/vm\/(memory|types)\.js$/.test(spec)]).toEqual([f, true]);
    }
  });
  it('src/elf does not import cli, seccomp or the verifier', () => {
    for (const [f, spec] of imports('elf')) {
      expect([f, spec, /\.\.\/(cli|seccomp|verifier|trace)\//.test(spec)]).toEqual([f, spec, false]);
    }
  });
});
