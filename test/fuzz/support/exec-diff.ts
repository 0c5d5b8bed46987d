/**
 * The eBPF execution differential: random programs the kernel accepts with
 * `koracle ebpf-run --flat map --r0-64` (r1 = map value of the memory bytes,
 * r2 = its length) against bpfsim's `runProgram` with progType raw on the
 * same memory, on the interpreter and on the JIT. r0 (64-bit) and the memory
 * after the run must be identical; a bpfsim fault on a kernel-accepted
 * program is a disagreement too.
 */
import { BpfError, type Insn, bytesToHex, encodeInsns, runProgram } from '../../../src/index.js';
import { koracleBatch } from '../../support/koracle.js';
import { type ExecShape, MEM_LEN, genExecProgram } from './ebpf-gen.js';
import { describeProgram, minimize } from './minimize.js';
import { Rand, Tally } from './rng.js';

export const ENGINES = ['interp', 'jit'] as const;

interface Outcome { r0?: string; mem?: string; fault?: string }

function runBpfsim(prog: Uint8Array, mem: Uint8Array, engine: string): Outcome {
  const m = mem.slice();
  try {
    const r = runProgram(prog, { mem: m, engine, budget: 5_000_000 });
    return { r0: '0x' + r.r0.toString(16).padStart(16, '0'), mem: bytesToHex(m) };
  } catch (e) {
    if (e instanceof BpfError) return { fault: `${e.code}: ${e.message}` };
    return { fault: `NON-BPFERROR ${(e as Error).name}: ${(e as Error).message}` };
  }
}

function kernelRun(progs: Uint8Array[], mems: Uint8Array[]): Record<string, any>[] {
  return koracleBatch('ebpf-run', progs.map((p, i) => ({ prog: bytesToHex(p), data: bytesToHex(mems[i]!), flat: 'map', r0_64: true })));
}

/** The kernel's error line: the last log line before `processed ...`. */
export function kernelMessage(k: Record<string, any>): string {
  const lines = String(k.log ?? '').split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  const i = lines.findIndex((l) => l.startsWith('processed '));
  const before = i >= 0 ? lines.slice(0, i) : lines;
  // An infinite loop prints "infinite loop detected at insn N" then the cur/old states.
  const inf = before.findIndex((l) => l.startsWith('infinite loop detected'));
  if (inf >= 0) return before[inf]!;
  return before.pop() ?? String(k.errno_name ?? '');
}

/** The category of a disagreement between the kernel result and bpfsim on one engine, or undefined. */
function classify(k: Record<string, any>, b: Outcome, engine: string): string | undefined {
  if (b.fault !== undefined) return `${engine}: bpfsim faults on a kernel-accepted program (${b.fault.split(':')[0]})`;
  if (b.r0 !== k.r0) return `${engine}: r0 differs`;
  if (b.mem !== k.mem_out) return `${engine}: memory differs`;
  return undefined;
}

/** Minimises a disagreeing case while the same category persists; one kernel call per candidate. */
export function minimizeExec(insns: Insn[], mem: Uint8Array, engine: string, category: string): Insn[] {
  return minimize(insns, (cand) => {
    const p = encodeInsns(cand);
    const [k] = kernelRun([p], [mem]);
    if (k!.status !== 'accepted' || k!.run_errno !== 0) return false;
    return classify(k!, runBpfsim(p, mem, engine), engine) === category;
  }, 300);
}

/**
 * Runs `count` random programs of each shape from `seed`; returns the tally.
 * With `minimizeFirst`, the first example of each category is minimised.
 */
export function execDifferential(seed: number, count: number, minimizeFirst = false): Tally {
  const t = new Tally('ebpf exec (kernel ebpf-run --flat map --r0-64 vs runProgram raw)');
  const r = Rand.seeded(seed);
  const shapes: ExecShape[] = ['straight', 'loop', 'call'];
  const progs: Insn[][] = [];
  const mems: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    progs.push(genExecProgram(r, shapes[i % shapes.length]!).insns);
    mems.push(r.bytes(MEM_LEN));
  }
  const bytes = progs.map((p) => encodeInsns(p));
  const ks: Record<string, any>[] = [];
  for (let i = 0; i < bytes.length; i += 2000) ks.push(...kernelRun(bytes.slice(i, i + 2000), mems.slice(i, i + 2000)));
  const minimized = new Set<string>();
  ks.forEach((k, i) => {
    if (k.status !== 'accepted') { t.skip(`kernel rejected: ${kernelMessage(k).replace(/\d+/g, 'N')}`); return; }
    if (k.run_errno !== 0) { t.skip(`kernel run failed ${k.run_errno_name}`); return; }
    let bad = false;
    for (const engine of ENGINES) {
      const b = runBpfsim(bytes[i]!, mems[i]!, engine);
      const cat = classify(k, b, engine);
      if (cat === undefined) continue;
      bad = true;
      let ex = `case ${i} mem ${bytesToHex(mems[i]!)}\n  kernel r0 ${k.r0} mem ${k.mem_out}\n  bpfsim ${JSON.stringify(b)}\n${describeProgram(progs[i]!)}`;
      if (minimizeFirst && !minimized.has(cat)) {
        minimized.add(cat);
        const m = minimizeExec(progs[i]!, mems[i]!, engine, cat);
        const mb = encodeInsns(m);
        const [mk] = kernelRun([mb], [mems[i]!]);
        ex += `\n  MINIMISED: kernel r0 ${mk!.r0} mem ${mk!.mem_out}\n  bpfsim ${JSON.stringify(runBpfsim(mb, mems[i]!, engine))}\n${describeProgram(m)}`;
      }
      t.bad(cat, ex);
    }
    if (!bad) t.ok();
  });
  return t;
}
