/** Dependency direction: seccomp and trace never import the CLI; trace imports nothing of seccomp. */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SRC = new URL('../../src/', import.meta.url).pathname;
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
function imports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

describe('import graph', () => {
  it.each(files(join(SRC, 'seccomp')).map((f) => [f.slice(SRC.length)]))('%s does not import the CLI', (f) => {
    for (const i of imports(join(SRC, f))) expect(i).not.toMatch(/\/cli\//);
  });
  it.each(files(join(SRC, 'trace')).map((f) => [f.slice(SRC.length)]))('%s imports only trace, errors and node', (f) => {
    for (const i of imports(join(SRC, f))) expect(i).toMatch(/^(\.\/|\.\.\/errors\.js$|node:)/);
  });
});
