import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

it('src/asm imports only src/isa, src/errors and itself', () => {
  const dir = join(REPO_ROOT, 'src', 'asm');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/from '([^']+)'/g)) {
      expect(m[1], `${f} imports ${m[1]}`).toMatch(/^(\.\/[\w-]+\.js|\.\.\/isa\/[\w-]+\.js|\.\.\/errors\.js)$/);
    }
  }
});
