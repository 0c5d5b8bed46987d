/**
 * vm-speed: a benchmark.js suite over five eBPF loops (64-bit ALU, 32-bit
 * ALU, stack store/load, mul/div, branch), reporting nanoseconds per executed
 * instruction for each engine. Run after `npm run build`:
 *
 *   node bench/vm-speed.js [--engine interp|jit] [--iters 100000] [--quick]
 *
 * Results: bench/results/vm-speed.json and bench/results/vm-speed.md.
 * ns/insn = (time per program run) / (instructions the run executed). The
 * suite reports the benchmark.js mean and fastest sample, and the fastest
 * single run of 60 interleaved timed runs per loop ("best run"): on a shared,
 * loaded machine the best run is the better estimate of the engine's speed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Benchmark from 'benchmark';
import { Vm, engineNames } from '../dist/index.js';
import '../dist/vm/jit/index.js'; // registers the jit engine
import { vmSpeedLoops } from './vm-speed-loops.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : d; };
const quick = args.includes('--quick');
const iters = Number(opt('--iters', quick ? '20000' : '100000'));
const engines = opt('--engine') ? [opt('--engine')] : engineNames();
const TARGET_NS = 5;

const rows = [];
for (const engine of engines) {
  const vm = new Vm({ engine, budget: 1e9 });
  const suite = new Benchmark.Suite(`vm-speed ${engine}`);
  for (const [name, bytes] of Object.entries(vmSpeedLoops(iters))) {
    const lp = vm.load(bytes);
    const insns = lp.run().insnsExecuted;
    suite.add(`${engine} ${name}`, () => { lp.run(); }, {
      minSamples: quick ? 5 : 30, maxTime: quick ? 0.5 : 3,
      onComplete(ev) {
        const s = ev.target.stats;
        const ns = (t) => (t * 1e9) / insns;
        rows.push({
          engine, loop: name, insnsPerRun: insns,
          meanNsPerInsn: +ns(s.mean).toFixed(3), minNsPerInsn: +ns(Math.min(...s.sample)).toFixed(3),
          rme: +s.rme.toFixed(2), samples: s.sample.length,
        });
      },
    });
  }
  suite.on('cycle', (ev) => {
    const r = rows[rows.length - 1];
    process.stdout.write(`${String(ev.target.name).padEnd(16)} mean ${r.meanNsPerInsn.toFixed(2)} ns/insn, fastest ${r.minNsPerInsn.toFixed(2)} ns/insn (±${r.rme}%, ${r.samples} samples, ${r.insnsPerRun} insns/run)\n`);
  });
  suite.run({ async: false });
  // Best single run: interleave the loops, 60 timed runs each (after warm-up).
  const lps = Object.entries(vmSpeedLoops(iters)).map(([name, bytes]) => [name, vm.load(bytes)]);
  const best = new Map();
  for (let round = 0; round < (quick ? 15 : 66); round++) {
    for (const [name, lp] of lps) {
      const t = process.hrtime.bigint();
      const r = lp.run();
      const ns = Number(process.hrtime.bigint() - t) / r.insnsExecuted;
      if (round >= 6) best.set(name, Math.min(best.get(name) ?? Infinity, ns));
    }
  }
  for (const row of rows) if (row.engine === engine) row.bestRunNsPerInsn = +best.get(row.loop).toFixed(3);
  process.stdout.write(`${engine} best run: ${[...best].map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')} ns/insn\n`);
}

const meta = {
  date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length,
  loadavg: loadavg().map((x) => +x.toFixed(2)), iters, targetNsPerInsn: TARGET_NS,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'vm-speed.json'), JSON.stringify({ meta, rows }, null, 2) + '\n');
const md = [
  `# vm-speed (${meta.date})`, '',
  `Node ${meta.node}, ${meta.cpu} (${meta.cpus} CPUs), load average ${meta.loadavg.join(' ')}; ${iters} loop iterations per run.`, '',
  '| engine | loop | insns/run | mean ns/insn | fastest sample ns/insn | best run ns/insn | ±% |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.engine} | ${r.loop} | ${r.insnsPerRun} | ${r.meanNsPerInsn.toFixed(2)} | ${r.minNsPerInsn.toFixed(2)} | ${r.bestRunNsPerInsn.toFixed(2)} | ${r.rme} |`),
  '', `Target: at most ${TARGET_NS} ns per executed instruction on every loop.`, '',
].join('\n');
writeFileSync(join(here, 'results', 'vm-speed.md'), md);
process.stdout.write(`results: bench/results/vm-speed.json, bench/results/vm-speed.md\n`);
