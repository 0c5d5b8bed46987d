/**
 * Seccomp forms benchmark: per-call cost of the classic "linear" and "tree"
 * layouts and the eBPF "array" lookup, over the bundled real trace and a
 * synthetic trace (uniform over every x86_64 syscall number, with argument
 * values around the profile's constants), with and without the kernel's
 * action cache. Also reports instructions executed per call (deterministic).
 *
 * Run: npm run build && node bench/seccomp-forms.js [--quick]
 * Writes bench/results/seccomp-forms.json and .md.
 */
import Benchmark from 'benchmark';
import { writeFileSync, mkdirSync } from 'node:fs';
import {
  loadPolicy, compileClassic, compileArray, ClassicRunner, ArrayRunner, SeccompActionCache, X86_64_CACHE_ARCHES,
  readTraceFile, syscallNumber, syscallsOf, AUDIT_ARCH, CbpfProgram, runCbpfDetailed, seccompDataFor,
} from '../dist/index.js';

const quick = process.argv.includes('--quick');
const here = new URL('.', import.meta.url).pathname;
const policy = loadPolicy(undefined, { kernel: '6.1' });

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

const forms = {
  linear: compileClassic(policy, 'linear'),
  tree: compileClassic(policy, 'tree'),
};
const array = compileArray(policy);
const runners = { linear: new ClassicRunner(forms.linear), tree: new ClassicRunner(forms.tree), array: new ArrayRunner(array) };
const cache = new SeccompActionCache(X86_64_CACHE_ARCHES);
cache.addFilter(forms.linear);

function insnsPerCall(form, calls) {
  let total = 0;
  if (form === 'array') {
    // insnsExecuted from the VM
    for (const c of calls) {
      const ctx = new Uint8Array(64);
      const dv = new DataView(ctx.buffer);
      dv.setUint32(0, c.nr >>> 0, true); dv.setUint32(4, c.arch >>> 0, true);
      c.args.forEach((a, i) => dv.setBigUint64(16 + 8 * i, a, true));
      total += runInsns(ctx);
    }
    return total / calls.length;
  }
  const p = new CbpfProgram(forms[form]);
  for (const c of calls) total += runCbpfDetailed(p, { kind: 'seccomp', data: seccompDataFor(c) }).steps;
  return total / calls.length;
}
let runInsns;
{
  const r = runners.array;
  const lp = r.vm.load(array.program, { progType: 'seccomp', maps: [r.map] });
  runInsns = (ctx) => lp.run({ ctx }).insnsExecuted;
}

const results = [];
for (const [traceName, calls] of [['bundled', await bundledCalls()], ['synthetic', syntheticCalls(quick ? 2000 : 20000)]]) {
  const cached = calls.map((c) => cache.isCachedAllow(c.nr, c.arch));
  const hitRate = cached.filter(Boolean).length / calls.length;
  const suite = new Benchmark.Suite(`seccomp ${traceName}`);
  for (const form of ['linear', 'tree', 'array']) {
    const r = runners[form];
    for (const useCache of [false, true]) {
      suite.add(`${form}${useCache ? ' +cache' : ''}`, () => {
        let acc = 0;
        for (let i = 0; i < calls.length; i++) {
          if (useCache && cached[i]) { acc += 0x7fff0000; continue; }
          acc += r.run(calls[i]);
        }
        return acc;
      }, { minSamples: quick ? 5 : 20, maxTime: quick ? 0.5 : 3 });
    }
  }
  await new Promise((resolve) => {
    suite.on('cycle', (e) => process.stderr.write(`${traceName}: ${String(e.target)}\n`)).on('complete', resolve).run({ async: false });
  });
  const insns = { linear: insnsPerCall('linear', calls), tree: insnsPerCall('tree', calls), array: insnsPerCall('array', calls) };
  for (let i = 0; i < suite.length; i++) {
    const b = suite[i];
    const [form, c] = b.name.split(' ');
    results.push({
      trace: traceName, calls: calls.length, form, cache: c === '+cache', cacheHitRate: hitRate,
      nsPerCall: (b.stats.mean * 1e9) / calls.length, rme: b.stats.rme, samples: b.stats.sample.length,
      insnsPerCall: c === '+cache' ? insns[form] * (1 - hitRate) : insns[form],
    });
  }
}

const meta = {
  node: process.version, date: new Date().toISOString(), profile: 'embedded default (x86_64, x86, x32)',
  linearInsns: forms.linear.length, treeInsns: forms.tree.length, arraySlots: array.program.length / 8, arrayEntries: array.map.maxEntries,
};
mkdirSync(`${here}results`, { recursive: true });
writeFileSync(`${here}results/seccomp-forms.json`, JSON.stringify({ meta, results }, null, 1) + '\n');
let md = `# seccomp forms: per-call cost\n\n${meta.date}, Node ${meta.node}; profile ${meta.profile}.\n`;
md += `Filter sizes: linear ${meta.linearInsns} classic insns, tree ${meta.treeInsns}, array ${meta.arraySlots} eBPF slots + ${meta.arrayEntries}-entry sealed map.\n\n`;
md += '| trace | calls | form | action cache | ns/call (bpfsim) | ±% | insns executed/call |\n|---|---:|---|---|---:|---:|---:|\n';
for (const r of results) {
  md += `| ${r.trace} | ${r.calls} | ${r.form} | ${r.cache ? `on (${(100 * r.cacheHitRate).toFixed(1)}% hits)` : 'off'} | ${r.nsPerCall.toFixed(0)} | ${r.rme.toFixed(1)} | ${r.insnsPerCall.toFixed(1)} |\n`;
}
writeFileSync(`${here}results/seccomp-forms.md`, md);
process.stdout.write(md);
