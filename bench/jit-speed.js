/**
 * bench/jit-speed: the five vm-speed loops (64-bit ALU, 32-bit ALU, stack
 * store/load, mul/div, branch) under the `jit` engine and, for comparison,
 * the interpreter, measured with benchmark.js; reports ns per executed
 * instruction. Writes bench/results/jit-speed.{json,md}.
 *
 * Usage: npm run build && node bench/jit-speed.js [--quick] [--engines jit,interp]
 * The loop programs come from the vm helper's bench/vm-speed-loops.js when
 * present, else from bench/jit-loops.js (a copy).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import Benchmark from 'benchmark';
import { Vm } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const loopsFile = existsSync(join(here, 'vm-speed-loops.js')) ? './vm-speed-loops.js' : './jit-loops.js';
const { vmSpeedLoops } = await import(loopsFile);

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
    const nsPerRun = 1e9 / bench.hz;
    const row = {
      engine, loop: name, insnsPerRun: insns, r0: `0x${first.r0.toString(16)}`,
      nsPerInsn: +(nsPerRun / insns).toFixed(3), rme: +bench.stats.rme.toFixed(2), samples: bench.stats.sample.length,
    };
    rows.push(row);
    console.log(`${engine.padEnd(7)} ${name.padEnd(7)} ${row.nsPerInsn.toFixed(2).padStart(6)} ns/insn  ±${row.rme}%  (${insns} insns/run)`);
  }
}

const meta = {
  date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length,
  iterations, loops: loopsFile, quick,
};
const out = join(here, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'jit-speed.json'), JSON.stringify({ meta, rows }, null, 2) + '\n');
const names = Object.keys(loops);
let md = `# jit-speed\n\nns per executed instruction (benchmark.js, ${meta.node}, ${meta.cpu}, ${meta.date}; ${iterations} loop iterations per run).\n\n`;
md += `| loop | ${engines.join(' | ')} |\n|---|${engines.map(() => '---:').join('|')}|\n`;
for (const n of names) md += `| ${n} | ${engines.map((e) => { const r = rows.find((x) => x.engine === e && x.loop === n); return `${r.nsPerInsn.toFixed(2)} ±${r.rme}%`; }).join(' | ')} |\n`;
writeFileSync(join(out, 'jit-speed.md'), md);
console.log(`wrote ${join('bench', 'results', 'jit-speed.json')} and .md`);
