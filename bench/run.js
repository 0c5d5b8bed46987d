#!/usr/bin/env node
/**
 * `npm run bench`: runs every benchmark suite in its own process (so one
 * suite's JIT state does not colour another's), in order, passing the
 * arguments through (e.g. `npm run bench -- --quick`). Each suite writes
 * bench/results/<suite>.json and .md.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const suites = ['vm-speed.js', 'jit-speed.js', 'seccomp-forms.js'];
let failed = 0;
for (const s of suites) {
  process.stderr.write(`\n== bench/${s}\n`);
  const r = spawnSync(process.execPath, [join(here, s), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; process.stderr.write(`bench/${s} exited with ${r.status ?? r.signal}\n`); }
}
process.exitCode = failed ? 1 : 0;
