/**
 * bench/jit-speed: the five vm-speed loops (64-bit ALU, 32-bit ALU, stack
 * store/load, mul/div, branch) under the `jit` engine and, for comparison,
 * the interpreter, measured with benchmark.js; reports ns per executed
 * instruction. Writes bench/results/jit-speed.{json,md}.
 *
 * Usage: npm run build && node bench/jit-speed.js [--quick] [--engines jit,interp]
 * The loop programs are bench/vm-speed-loops.js (shared with bench/vm-speed).
 * ns/insn = time per program run / instructions the run executed; reported as
 * the benchmark.js mean and the fastest sample (on a shared, loaded machine the
 * fastest sample is the better estimate of the engine's own speed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import Benchmark from 'benchmark';
import { Vm } from '../dist/index.js';

import { vmSpeedLoops } from './vm-speed-loops.js';

const here = dirname(fileURLToPath(import.meta.url));

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const ei = args.indexOf('--engines');
const engines = ei >= 0 ? args[ei + 1].split(',') : ['jit', 'interp'];
const iterations = quick ? 10_000 : 100_000;
const loops = vmSpeedLoops(iterations);

const rows = [];
for (const engine of engines) {
  const vm = new Vm({ engine, budget: 100_000_000 });
  for (const [name, bytes] of Object.entries(loops)) {
    const lp = vm.load(bytes);
    const first = lp.run();
    const insns = first.insnsExecuted;
    const bench = new Benchmark(`${engine} ${name}`, () => { lp.run(); }, { minSamples: quick ? 5 : 20, maxTime: quick ? 0.5 : 3 });
    bench.run();
    if (bench.error) throw bench.error;
    const ns = (t) => (t * 1e9) / insns;
    const row = {
      engine, loop: name, insnsPerRun: insns, r0: `0x${first.r0.toString(16)}`,
      meanNsPerInsn: +ns(bench.stats.mean).toFixed(3), minNsPerInsn: +ns(Math.min(...bench.stats.sample)).toFixed(3),
      rme: +bench.stats.rme.toFixed(2), samples: bench.stats.sample.length,
    };
    rows.push(row);
    console.log(`${engine.padEnd(7)} ${name.padEnd(7)} mean ${row.meanNsPerInsn.toFixed(2).padStart(6)} ns/insn ±${row.rme}%  min ${row.minNsPerInsn.toFixed(2)}  (${insns} insns/run)`);
  }
}

const meta = {
  date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length,
  iterations, quick, loadavg: os.loadavg().map((x) => +x.toFixed(2)),
};
const out = join(here, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'jit-speed.json'), JSON.stringify({ meta, rows }, null, 2) + '\n');
const names = Object.keys(loops);
let md = `# jit-speed\n\nns per executed instruction, mean ±rme (fastest sample) — benchmark.js, Node ${meta.node}, ${meta.cpu} × ${meta.cores}, ` +
  `load average ${meta.loadavg.join(' ')}, ${meta.date}; ${iterations} loop iterations per run.\n\n`;
md += `| loop | ${engines.join(' | ')} |\n|---|${engines.map(() => '---:').join('|')}|\n`;
for (const n of names) md += `| ${n} | ${engines.map((e) => { const r = rows.find((x) => x.engine === e && x.loop === n); return `${r.meanNsPerInsn.toFixed(2)} ±${r.rme}% (${r.minNsPerInsn.toFixed(2)})`; }).join(' | ')} |\n`;
writeFileSync(join(out, 'jit-speed.md'), md);
console.log(`wrote ${join('bench', 'results', 'jit-speed.json')} and .md`);
