/**
 * Seccomp forms benchmark: per-call cost of the classic "linear" and "tree"
 * layouts (each on the three classic engines: `interp` = the general classic
 * interpreter on seccomp_data bytes, `fast` = its word-level seccomp fast
 * path, the default; `js` = the filter compiled to JavaScript) and of the
 * eBPF "array" lookup (VM engines `interp` and `jit`), over the bundled real
 * trace and a synthetic trace (uniform over every x86_64 syscall number, with
 * argument values around the profile's constants), with and without the
 * kernel's action cache. Reports ns/call, instructions executed per call
 * (deterministic) and ns per executed instruction; then trace-simulation
 * throughput: simulateTrace over 1M synthetic calls per form, strace parsing,
 * and an end-to-end strace-file simulation.
 *
 * The machine may be loaded: compare rows of one run, and use the
 * instruction counts, which do not depend on load.
 *
 * Run: npm run build && node bench/seccomp-forms.js [--quick]
 * Writes bench/results/seccomp-forms.json and .md.
 */
import Benchmark from 'benchmark';
import { writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadPolicy, compileClassic, compileArray, ClassicRunner, ArrayRunner, SeccompActionCache, X86_64_CACHE_ARCHES,
  readTraceFile, syscallNumber, syscallsOf, AUDIT_ARCH, CbpfProgram, runCbpfDetailed, seccompDataFor, simulateTrace,
} from '../dist/index.js';
import '../dist/vm/jit/index.js'; // registers the VM's `jit` engine

const quick = process.argv.includes('--quick');
const here = new URL('.', import.meta.url).pathname;
const policy = loadPolicy(undefined, { kernel: '6.1' });
const SIM_CALLS = quick ? 200_000 : 1_000_000;

async function bundledCalls() {
  const out = [];
  for await (const c of readTraceFile(new URL('../data/traces/example.strace', import.meta.url).pathname)) {
    const nr = c.nr ?? (c.name && syscallNumber('x86_64', c.name));
    if (nr === undefined) continue;
    out.push({ nr, arch: AUDIT_ARCH.X86_64, args: c.args.slice(0, 6).map((a) => a ?? 0n) });
  }
  return out;
}

function syntheticCalls(n = 20000) {
  const table = syscallsOf('x86_64');
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const vals = [0n, 8n, 0x20000n, 0x40000n, 0xffffffffn, 16n, 9n, 3n];
  const out = [];
  for (let i = 0; i < n; i++) {
    const nr = table[Math.floor(rnd() * table.length)].nr;
    out.push({ nr, arch: AUDIT_ARCH.X86_64, args: [vals[Math.floor(rnd() * vals.length)], 0n, vals[Math.floor(rnd() * vals.length)]] });
  }
  return out;
}

const forms = { linear: compileClassic(policy, 'linear'), tree: compileClassic(policy, 'tree') };
const array = compileArray(policy);
/** name → { form, engine, runner } */
const variants = [];
for (const form of ['linear', 'tree']) {
  for (const engine of ['interp', 'fast', 'js']) variants.push({ form, engine, runner: new ClassicRunner(forms[form], { engine }) });
}
for (const engine of ['interp', 'jit']) variants.push({ form: 'array', engine, runner: new ArrayRunner(array, { engine }) });
for (const v of variants) if (v.runner.engine !== undefined && v.runner.engine !== v.engine) throw new Error(`${v.form}: engine ${v.runner.engine}, wanted ${v.engine}`);
const cache = new SeccompActionCache(X86_64_CACHE_ARCHES);
cache.addFilter(forms.linear);

const arrayRunner = variants.find((v) => v.form === 'array').runner;
const arrayLp = arrayRunner.vm.load(array.program, { progType: 'seccomp', maps: [arrayRunner.map] });
function insnsPerCall(form, calls) {
  let total = 0;
  if (form === 'array') {
    for (const c of calls) total += arrayLp.run({ ctx: seccompDataFor({ ...c, arch: c.arch }) }).insnsExecuted;
    return total / calls.length;
  }
  const p = new CbpfProgram(forms[form]);
  for (const c of calls) total += runCbpfDetailed(p, { kind: 'seccomp', data: seccompDataFor(c) }).steps;
  return total / calls.length;
}

const results = [];
for (const [traceName, calls] of [['bundled', await bundledCalls()], ['synthetic', syntheticCalls(quick ? 2000 : 20000)]]) {
  const cached = calls.map((c) => cache.isCachedAllow(c.nr, c.arch));
  const hitRate = cached.filter(Boolean).length / calls.length;
  // every variant must agree before it is timed
  for (let i = 0; i < calls.length; i++) {
    const want = variants[0].runner.run(calls[i]);
    for (const v of variants) if (v.runner.run(calls[i]) !== want) throw new Error(`${v.form}/${v.engine} disagrees on call ${i}`);
  }
  const suite = new Benchmark.Suite(`seccomp ${traceName}`);
  for (const v of variants) {
    const r = v.runner;
    for (const useCache of [false, true]) {
      suite.add(`${v.form} ${v.engine} ${useCache ? 'cache' : 'nocache'}`, () => {
        let acc = 0;
        for (let i = 0; i < calls.length; i++) {
          if (useCache && cached[i]) { acc += 0x7fff0000; continue; }
          acc += r.run(calls[i]);
        }
        return acc;
      }, { minSamples: quick ? 5 : 15, maxTime: quick ? 0.3 : 1.5 });
    }
  }
  await new Promise((resolve) => {
    suite.on('cycle', (e) => process.stderr.write(`${traceName}: ${String(e.target)}\n`)).on('complete', resolve).run({ async: false });
  });
  const insns = { linear: insnsPerCall('linear', calls), tree: insnsPerCall('tree', calls), array: insnsPerCall('array', calls) };
  for (let i = 0; i < suite.length; i++) {
    const b = suite[i];
    const [form, engine, c] = b.name.split(' ');
    const ipc = c === 'cache' ? insns[form] * (1 - hitRate) : insns[form];
    const nsPerCall = (b.stats.mean * 1e9) / calls.length;
    results.push({
      trace: traceName, calls: calls.length, form, engine, cache: c === 'cache', cacheHitRate: hitRate,
      nsPerCall, rme: b.stats.rme, samples: b.stats.sample.length, insnsPerCall: ipc,
      nsPerInsn: c === 'cache' ? undefined : nsPerCall / ipc,
    });
  }
}

// --- trace simulation throughput -------------------------------------------------------------
function* syntheticTrace(n) {
  const table = syscallsOf('x86_64');
  const vals = [0n, 8n, 0x20000n, 3n, undefined];
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const e = table[s % table.length];
    yield { line: i + 1, pid: 100, name: e.name, args: [vals[s % 5], 1n, vals[(s >>> 8) % 5]] };
  }
}
const simulation = [];
for (const [form, engine] of [['linear', 'fast'], ['linear', 'js'], ['tree', 'fast'], ['tree', 'js'], ['array', undefined], ['linear', 'interp']]) {
  const t0 = performance.now();
  const r = await simulateTrace(policy, syntheticTrace(SIM_CALLS), { form, ...(engine ? { engine } : {}) });
  const ms = performance.now() - t0;
  simulation.push({ what: `simulateTrace, ${SIM_CALLS} synthetic calls (objects)`, form, engine: engine ?? 'vm interp', calls: r.calls, ms, callsPerSec: r.calls / (ms / 1000), cacheHits: r.cacheHits });
  process.stderr.write(`simulate ${form}/${engine}: ${ms.toFixed(0)} ms\n`);
}
// strace text: parsing alone, then parse + simulate
const straceLines = quick ? 60_000 : 300_000;
const tmp = join(tmpdir(), `bpfsim-bench-${process.pid}.strace`);
{
  const lines = [];
  for (let i = 0; i < straceLines / 3; i++) {
    const pid = 1000 + (i % 7);
    lines.push(`${pid} openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3`);
    lines.push(`${pid} mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f1e2a3b4000`);
    lines.push(`${pid} read(3, "\\177ELF\\2\\1\\1\\0\\0\\0\\0\\0\\0\\0\\0\\0\\3\\0>\\0\\1\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0"..., 832) = 832`);
  }
  writeFileSync(tmp, lines.join('\n') + '\n');
}
try {
  let t0 = performance.now();
  let n = 0;
  for await (const _ of readTraceFile(tmp)) n++;
  let ms = performance.now() - t0;
  simulation.push({ what: `strace parsing only, ${n} calls`, form: '-', engine: '-', calls: n, ms, callsPerSec: n / (ms / 1000) });
  t0 = performance.now();
  const r = await simulateTrace(policy, readTraceFile(tmp), { form: 'linear' });
  ms = performance.now() - t0;
  simulation.push({ what: `strace file → simulateTrace, ${r.calls} calls`, form: 'linear', engine: 'fast', calls: r.calls, ms, callsPerSec: r.calls / (ms / 1000), cacheHits: r.cacheHits });
} finally {
  rmSync(tmp, { force: true });
}

const meta = {
  node: process.version, date: new Date().toISOString(), profile: 'embedded default (x86_64, x86, x32)',
  linearInsns: forms.linear.length, treeInsns: forms.tree.length, arraySlots: array.program.length / 8, arrayEntries: array.map.maxEntries,
};
mkdirSync(`${here}results`, { recursive: true });
writeFileSync(`${here}results/seccomp-forms.json`, JSON.stringify({ meta, results, simulation }, null, 1) + '\n');
let md = `# seccomp forms: per-call cost\n\n${meta.date}, Node ${meta.node}; profile ${meta.profile}.\n`;
md += `Filter sizes: linear ${meta.linearInsns} classic insns, tree ${meta.treeInsns}, array ${meta.arraySlots} eBPF slots + ${meta.arrayEntries}-entry sealed map.\n`;
md += 'Engines: classic `interp` = general classic interpreter on the 64 seccomp_data bytes (the code path before the perf work), `fast` = its seccomp word fast path (default), `js` = classic filter compiled to JavaScript; array `interp`/`jit` = VM engine.\n';
md += 'The machine may be loaded by other jobs: compare rows of one run; instruction counts do not depend on load.\n\n';
md += '| trace | calls | form | engine | action cache | ns/call | ±% | insns executed/call | ns/insn |\n|---|---:|---|---|---|---:|---:|---:|---:|\n';
for (const r of results) {
  md += `| ${r.trace} | ${r.calls} | ${r.form} | ${r.engine} | ${r.cache ? `on (${(100 * r.cacheHitRate).toFixed(1)}% hits)` : 'off'} | ${r.nsPerCall.toFixed(0)} | ${r.rme.toFixed(1)} | ${r.insnsPerCall.toFixed(1)} | ${r.nsPerInsn === undefined ? '' : r.nsPerInsn.toFixed(1)} |\n`;
}
md += '\n## Trace simulation throughput (action cache on)\n\n| what | form | engine | calls | ms | calls/s |\n|---|---|---|---:|---:|---:|\n';
for (const s of simulation) md += `| ${s.what} | ${s.form} | ${s.engine} | ${s.calls} | ${s.ms.toFixed(0)} | ${Math.round(s.callsPerSec)} |\n`;
writeFileSync(`${here}results/seccomp-forms.md`, md);
process.stdout.write(md);
