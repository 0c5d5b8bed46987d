/**
 * Classic BPF differentials:
 * - seccomp_check_filter verdicts: `koracle seccomp-check` vs checkSeccompFilter;
 * - bpf_check_classic verdicts: SO_ATTACH_FILTER on an AF_UNIX socket (the cbpf
 *   helper's test/cbpf/sockfilter_oracle.py, run as is) vs checkClassic;
 * - evaluation: `koracle seccomp-eval` (x86_64) vs runCbpf on random valid
 *   filters and edge inputs (filters reading instruction_pointer are skipped:
 *   the oracle's ip is randomised).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type SockFilter, buildSeccompData, checkClassic, checkSeccompFilter, filterToHex, formatAction, runCbpf,
} from '../../../src/index.js';
import { koracleBatch } from '../../support/koracle.js';
import { genCbpf, seccompInputs } from './cbpf-gen.js';
import { Rand, Tally } from './rng.js';

const X86_64 = 0xc000003e;
const I386 = 0x40000003;

function listing(f: readonly SockFilter[]): string {
  return f.map((x, i) => `${i}: { 0x${x.code.toString(16).padStart(2, '0')}, ${x.jt}, ${x.jf}, 0x${(x.k >>> 0).toString(16)} }`).join('\n');
}

/** Greedy minimisation of a classic filter: drop instructions (jump offsets left as they are) while `fails`. */
export function minimizeCbpf(f: SockFilter[], fails: (f: SockFilter[]) => boolean, budget = 200): SockFilter[] {
  let cur = f;
  let calls = 0;
  for (let progress = true; progress && calls < budget;) {
    progress = false;
    for (let i = 0; i < cur.length && calls < budget; i++) {
      const cand = [...cur.slice(0, i), ...cur.slice(i + 1)];
      if (cand.length === 0) continue;
      calls++;
      if (fails(cand)) { cur = cand; progress = true; i--; }
    }
  }
  return cur;
}

function kernelSeccompCheck(fs: readonly SockFilter[][]): boolean[] {
  return koracleBatch('seccomp-check', fs.map((f) => ({ prog: filterToHex(f) }))).map((k) => k.status === 'accepted');
}

/** seccomp_check_filter verdicts on random filters (plus length edge cases). */
export function seccompCheckDifferential(seed: number, count: number, minimizeFirst = false): Tally {
  const t = new Tally('seccomp filter check (koracle seccomp-check vs checkSeccompFilter)');
  const r = Rand.seeded(seed);
  const fs: SockFilter[][] = [];
  const ret = { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 };
  fs.push([], [ret], Array(4096).fill(ret), Array(4097).fill(ret));
  for (let i = 0; i < count; i++) fs.push(genCbpf(r, { seccomp: true, breakP: r.pick([0, 0.02, 0.1]), minLen: 1, maxLen: 24 }));
  const ks = kernelSeccompCheck(fs);
  const done = new Set<string>();
  ks.forEach((k, i) => {
    const f = fs[i]!;
    const b = checkSeccompFilter(f);
    t.note(k ? 'kernel accepted' : 'kernel rejected');
    if (k === b.ok) { t.ok(); return; }
    const cat = k ? `kernel accepts, bpfsim rejects: ${b.message.replace(/\d+/g, 'N')}` : 'kernel rejects, bpfsim accepts';
    let ex = `len ${f.length}: bpfsim ${JSON.stringify(b)}\nhex ${filterToHex(f).slice(0, 400)}\n${listing(f.slice(0, 40))}`;
    if (minimizeFirst && !done.has(cat) && f.length < 200) {
      done.add(cat);
      const m = minimizeCbpf(f, (c) => { const kk = kernelSeccompCheck([c])[0]!; const bb = checkSeccompFilter(c); return kk !== bb.ok && (kk ? `kernel accepts, bpfsim rejects: ${bb.message.replace(/\d+/g, 'N')}` : 'kernel rejects, bpfsim accepts') === cat; });
      ex += `\n  MINIMISED: bpfsim ${JSON.stringify(checkSeccompFilter(m))}\nhex ${filterToHex(m)}\n${listing(m)}`;
    }
    t.bad(cat, ex);
  });
  return t;
}

const SOCK_ORACLE = fileURLToPath(new URL('../../cbpf/sockfilter_oracle.py', import.meta.url));

/** True where python3 with AF_UNIX is available (for the SO_ATTACH_FILTER oracle). */
export function sockOracleAvailable(): boolean {
  return process.platform === 'linux' && spawnSync('python3', ['-c', 'import socket; socket.AF_UNIX'], { stdio: 'ignore' }).status === 0;
}

function kernelAttach(fs: readonly SockFilter[][]): Array<number | true> {
  const req = JSON.stringify({ progs: fs.map((f) => filterToHex(f)), packets: [] }) + '\n';
  const p = spawnSync('python3', [SOCK_ORACLE], { input: req, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (p.status !== 0) throw new Error(`sockfilter oracle failed: ${p.stderr}`);
  const res = JSON.parse(p.stdout.trim()) as { lens: Array<number[] | { error: number }> };
  return res.lens.map((x) => (Array.isArray(x) ? true : x.error));
}

/** bpf_check_classic verdicts (SO_ATTACH_FILTER) on random socket filters. */
export function classicCheckDifferential(seed: number, count: number, minimizeFirst = false): Tally {
  const t = new Tally('classic socket filter check (SO_ATTACH_FILTER vs checkClassic)');
  const r = Rand.seeded(seed);
  const fs: SockFilter[][] = [];
  for (let i = 0; i < count; i++) fs.push(genCbpf(r, { seccomp: false, breakP: r.pick([0, 0.02, 0.1]), minLen: 1, maxLen: 24 }));
  const ks = kernelAttach(fs);
  const done = new Set<string>();
  const catOf = (k: number | true, b: ReturnType<typeof checkClassic>): string | undefined =>
    (k === true) === b.ok ? undefined : k === true ? `kernel accepts, bpfsim rejects: ${b.message.replace(/\d+/g, 'N')}` : `kernel rejects (errno ${k}), bpfsim accepts`;
  ks.forEach((k, i) => {
    const f = fs[i]!;
    const b = checkClassic(f);
    t.note(k === true ? 'kernel accepted' : 'kernel rejected');
    const cat = catOf(k, b);
    if (cat === undefined) { t.ok(); return; }
    let ex = `bpfsim ${JSON.stringify(b)}\nhex ${filterToHex(f)}\n${listing(f)}`;
    if (minimizeFirst && !done.has(cat)) {
      done.add(cat);
      const m = minimizeCbpf(f, (c) => catOf(kernelAttach([c])[0]!, checkClassic(c)) === cat);
      ex += `\n  MINIMISED: bpfsim ${JSON.stringify(checkClassic(m))}\nhex ${filterToHex(m)}\n${listing(m)}`;
    }
    t.bad(cat, ex);
  });
  return t;
}

/** Random valid seccomp filters evaluated by the kernel and by bpfsim on edge inputs. */
export function seccompEvalDifferential(seed: number, count: number, inputsPerFilter = 16): { verdict: Tally; value: Tally } {
  const verdict = new Tally('seccomp-eval validation (kernel vs checkSeccompFilter)');
  const value = new Tally('seccomp-eval values (kernel vs runCbpf)');
  const r = Rand.seeded(seed);
  const fs: SockFilter[][] = [];
  const ins: bigint[][][] = [];
  for (let i = 0; i < count; i++) {
    const f = genCbpf(r, { seccomp: true, breakP: 0, minLen: 2, maxLen: 32, valid: true });
    fs.push(f);
    ins.push(seccompInputs(r, f, inputsPerFilter));
  }
  // Every third filter runs with the i386 calling convention (int $0x80: nr and args truncated to 32 bits).
  const archOf = (i: number): 'x86_64' | 'i386' => (i % 3 === 2 ? 'i386' : 'x86_64');
  const res = koracleBatch('seccomp-eval', fs.map((f, i) => ({ prog: filterToHex(f), arch: archOf(i), inputs: ins[i]!.map((a) => a.map((v) => '0x' + v.toString(16))) })));
  res.forEach((k, i) => {
    const f = fs[i]!;
    const b = checkSeccompFilter(f);
    if (k.status === 'error') { verdict.skip(`koracle error ${k.stage ?? ''}`); return; }
    const kOk = k.status === 'ok';
    verdict.note(kOk ? 'kernel accepted' : 'kernel rejected');
    if (kOk !== b.ok) { verdict.bad(kOk ? `kernel accepts, bpfsim rejects: ${b.message.replace(/\d+/g, 'N')}` : 'kernel rejects, bpfsim accepts', `hex ${filterToHex(f)}\n${listing(f)}`); return; }
    verdict.ok();
    if (!kOk) return;
    if (k.reads_ip) { value.skip('filter reads instruction_pointer'); return; }
    ins[i]!.forEach((a, j) => {
      const kv = k.results[j];
      if (kv === null || kv === undefined) { value.skip('kernel gave no value'); return; }
      let mine: number;
      try {
        const i386 = archOf(i) === 'i386';
        const args = i386 ? a.slice(1).map((v) => v & 0xffffffffn) : a.slice(1);
        mine = runCbpf(f, { kind: 'seccomp', data: buildSeccompData({ nr: Number(a[0]!) | 0, arch: i386 ? I386 : X86_64, args }) }) >>> 0;
      } catch (e) {
        value.bad(`bpfsim throws ${(e as Error).name}`, `${(e as Error).message}\nhex ${filterToHex(f)}`); return;
      }
      if (mine === kv >>> 0) { value.ok(); return; }
      value.bad(`value differs (kernel ${formatAction(kv).replace(/\(.*/, '')}, bpfsim ${formatAction(mine).replace(/\(.*/, '')})`,
        `input ${a.map((v) => '0x' + v.toString(16)).join(',')}: kernel 0x${(kv >>> 0).toString(16)} bpfsim 0x${mine.toString(16)}\nhex ${filterToHex(f)}\n${listing(f)}`);
    });
  });
  return { verdict, value };
}
