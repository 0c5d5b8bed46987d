/**
 * The verifier-verdict differential: each case is loaded by the kernel
 * (koracle ebpf-load, log level 1, unmodified program) and by bpfsim's
 * `verify` with the same program type and maps. Compared: accepted /
 * rejected, and where both reject, the error line (the kernel's last log line
 * before `processed ...` vs bpfsim's `message`).
 */
import { bytesToHex, encodeInsns, verify } from '../../../src/index.js';
import { koracleBatch } from '../../support/koracle.js';
import { kernelMessage } from './exec-diff.js';
import { describeProgram, minimize } from './minimize.js';
import { Rand, Tally } from './rng.js';
import { type VerdictCase, genVerdictCase } from './verdict-gen.js';

/** Numbers → N, so that messages group into classes. */
export function norm(msg: string): string {
  return msg.replace(/-?\b(0x[0-9a-f]+|\d+)\b/gi, 'N').replace(/\s+/g, ' ').trim();
}

interface Verdict { accepted: boolean; message: string; insns?: number }

/** bpfsim's instruction budget in the fuzzers (the kernel's is 1,000,000; bpfsim needs ~0.1 ms per insn there, see V9). */
export const BPFSIM_INSN_LIMIT = 200_000;

function kernelVerdicts(cs: readonly VerdictCase[]): Verdict[] {
  const out: Verdict[] = [];
  for (let i = 0; i < cs.length; i += 2000) {
    const res = koracleBatch('ebpf-load', cs.slice(i, i + 2000).map((c) => ({ prog: bytesToHex(encodeInsns(c.insns)), type: c.progType, log_level: 1, maps: c.kmaps })));
    for (const k of res) {
      if (k.status === 'error') out.push({ accepted: false, message: `KORACLE ERROR ${k.error}` });
      else out.push({ accepted: k.status === 'accepted', message: k.status === 'accepted' ? '' : kernelMessage(k), insns: k.verified_insns });
    }
  }
  return out;
}

/** Slow bpfsim verifications (ms) seen, for the report. */
export const SLOW: Array<{ ms: number; hex: string }> = [];

function bpfsimVerdict(c: VerdictCase, insnLimit = BPFSIM_INSN_LIMIT): Verdict {
  try {
    const t0 = performance.now();
    const r = verify(encodeInsns(c.insns), { progType: c.progType, maps: c.maps, insnLimit });
    const ms = performance.now() - t0;
    if (ms > 2000) SLOW.push({ ms, hex: bytesToHex(encodeInsns(c.insns)) });
    return { accepted: r.accepted, message: r.message };
  } catch (e) {
    return { accepted: false, message: `THROWS ${(e as Error).name}: ${(e as Error).message}` };
  }
}

/** Disagreement category, or undefined when they agree (messages compared when both reject). */
export function verdictCategory(k: Verdict, b: Verdict, compareMessages = true, insnLimit = BPFSIM_INSN_LIMIT): string | undefined {
  // bpfsim ran into its reduced budget: only a disagreement if the kernel finished within that budget.
  if (b.message.startsWith('BPF program is too large') && (k.message.startsWith('BPF program is too large') || (k.accepted && (k.insns ?? 0) > insnLimit))) return undefined;
  if (b.message.startsWith('THROWS')) return `bpfsim verify throws: ${b.message.split(':')[0]}`;
  if (k.accepted && !b.accepted) return `kernel accepts, bpfsim rejects: "${norm(b.message)}"`;
  if (!k.accepted && b.accepted) return `kernel rejects "${norm(k.message)}", bpfsim accepts`;
  if (!k.accepted && compareMessages && k.message !== b.message) return `message: kernel "${norm(k.message)}" vs bpfsim "${norm(b.message)}"`;
  return undefined;
}

/** Runs the verdict differential; the first example of each category optionally minimised. */
export function verdictDifferential(seed: number, count: number, minimizeFirst = false, insnLimit = BPFSIM_INSN_LIMIT): { verdict: Tally; message: Tally } {
  const verdict = new Tally('verifier verdict (kernel ebpf-load vs verify)');
  const message = new Tally('verifier message where both reject');
  const r = Rand.seeded(seed);
  const cs: VerdictCase[] = [];
  for (let i = 0; i < count; i++) cs.push(genVerdictCase(r));
  const ks = kernelVerdicts(cs);
  const done = new Set<string>();
  ks.forEach((k, i) => {
    const c = cs[i]!;
    if (k.message.startsWith('KORACLE ERROR')) { verdict.skip(k.message); return; }
    const b = bpfsimVerdict(c, insnLimit);
    const vcat = verdictCategory(k, b, false, insnLimit);
    const tag = `[${c.setup} / ${c.mutation}]`;
    const mk = (cat: string): string => {
      let ex = `${tag} kernel: ${k.accepted ? 'accepted' : JSON.stringify(k.message)}; bpfsim: ${b.accepted ? 'accepted' : JSON.stringify(b.message)}\n${describeProgram(c.insns)}`;
      if (minimizeFirst && !done.has(cat)) {
        done.add(cat);
        const m = minimize(c.insns, (p) => {
          const cc = { ...c, insns: p };
          return verdictCategory(kernelVerdicts([cc])[0]!, bpfsimVerdict(cc)) === cat;
        }, 250);
        const cc = { ...c, insns: m };
        const k2 = kernelVerdicts([cc])[0]!; const b2 = bpfsimVerdict(cc);
        ex += `\n  MINIMISED: kernel: ${k2.accepted ? 'accepted' : JSON.stringify(k2.message)}; bpfsim: ${b2.accepted ? 'accepted' : JSON.stringify(b2.message)}\n${describeProgram(m)}`;
      }
      return ex;
    };
    if (vcat !== undefined) verdict.bad(vcat, mk(vcat)); else verdict.ok();
    if (!k.accepted && !b.accepted) {
      const mcat = verdictCategory(k, b, true, insnLimit);
      if (mcat !== undefined) message.bad(mcat, mk(mcat)); else message.ok();
    }
  });
  return { verdict, message };
}

/** Program types swept by {@link ctxSweep}. */
export const CTX_SWEEP_TYPES = ['socket_filter', 'xdp', 'sched_cls', 'sched_act', 'cgroup_skb', 'sk_skb', 'lwt_in', 'kprobe', 'tracepoint', 'perf_event'] as const;

/**
 * Every ctx access `r0 = 0; <load/store of size S at r1 + off>; exit` for
 * off in [-8, 200), S in 1/2/4/8, load / store-reg / store-imm, for each program type.
 */
export function ctxSweep(types: readonly string[] = CTX_SWEEP_TYPES): Tally {
  const t = new Tally('ctx access sweep (kernel ebpf-load vs verify)');
  const cs: VerdictCase[] = [];
  for (const type of types) {
    for (let off = -8; off < 200; off++) {
      for (const sz of [0x10, 0x08, 0x00, 0x18]) {
        for (const kind of ['ldx', 'stx', 'st'] as const) {
          const acc = kind === 'ldx' ? { code: 0x61 | sz, dst: 2, src: 1, off, imm: 0 }
            : kind === 'stx' ? { code: 0x63 | sz, dst: 1, src: 0, off, imm: 0 } : { code: 0x62 | sz, dst: 1, src: 0, off, imm: 7 };
          cs.push({ setup: `ctx-sweep ${type} ${kind}`, mutation: 'none', insns: [{ code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, acc, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }], progType: type as 'xdp', maps: [], kmaps: [] });
        }
      }
    }
  }
  const ks = kernelVerdicts(cs);
  ks.forEach((k, i) => {
    const c = cs[i]!;
    if (k.message.startsWith('KORACLE ERROR')) { t.skip('koracle cannot build the case (e.g. a map reference without maps)'); return; }
    const b = bpfsimVerdict(c);
    const cat = verdictCategory(k, b, true);
    if (cat === undefined) { t.ok(); return; }
    const a = c.insns[1]!;
    t.bad(`${c.setup}: ${cat}`, `off ${a.off} size ${[4, 2, 1, 8][(a.code >> 3) & 3]}: kernel ${k.accepted ? 'accepted' : JSON.stringify(k.message)}; bpfsim ${b.accepted ? 'accepted' : JSON.stringify(b.message)} (hex ${bytesToHex(encodeInsns(c.insns))})`);
  });
  return t;
}

/**
 * Every helper id 0..MAX called with uninitialised arguments
 * (`call N; r0 = 0; exit`) per program type: the kernel's answer tells whether
 * the helper exists and is allowed for the type (`invalid func`, `program of
 * this type cannot use helper`, `R1 !read_ok`, accepted...).
 */
export function helperSweep(types: readonly string[] = ['socket_filter', 'xdp', 'sched_cls', 'kprobe'], max = 220): Tally {
  const t = new Tally('helper availability sweep (kernel ebpf-load vs verify)');
  const cs: VerdictCase[] = [];
  for (const type of types) {
    for (let id = 0; id <= max; id++) {
      cs.push({ setup: `helper-sweep ${type}`, mutation: 'none', insns: [{ code: 0x85, dst: 0, src: 0, off: 0, imm: id }, { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }], progType: type as 'xdp', maps: [], kmaps: [] });
    }
  }
  const ks = kernelVerdicts(cs);
  ks.forEach((k, i) => {
    const c = cs[i]!;
    if (k.message.startsWith('KORACLE ERROR')) { t.skip('koracle cannot build the case (e.g. a map reference without maps)'); return; }
    const b = bpfsimVerdict(c);
    const cat = verdictCategory(k, b, true);
    if (cat === undefined) { t.ok(); return; }
    t.bad(`${c.setup}: ${cat}`, `helper ${c.insns[0]!.imm}: kernel ${k.accepted ? 'accepted' : JSON.stringify(k.message)}; bpfsim ${b.accepted ? 'accepted' : JSON.stringify(b.message)}`);
  });
  return t;
}

/**
 * Every opcode byte 0..255 with zero fields (and a few field variants), live
 * (`r0 = 0; INSN; r0 = 0; exit`) and dead (`r0 = 0; if r0 == 0 goto +1; INSN; exit`), socket_filter.
 */
export function opcodeSweep(): Tally {
  const t = new Tally('opcode sweep (kernel ebpf-load vs verify)');
  const cs: VerdictCase[] = [];
  const z = (code: number, dst = 0, src = 0, off = 0, imm = 0) => ({ code, dst, src, off, imm });
  for (let code = 0; code < 256; code++) {
    for (const [dst, src, off, imm] of [[0, 0, 0, 0], [0, 1, 0, 0], [2, 0, 0, 1], [0, 0, 1, 0], [0, 10, -8, 0], [10, 0, -8, 0]] as const) {
      const x = z(code, dst, src, off, imm);
      const tail = code === 0x18 ? [z(0)] : [];
      cs.push({ setup: 'opcode-sweep live', mutation: `${code.toString(16)} d${dst} s${src} o${off} i${imm}`, insns: [z(0xb7), z(0xb7, 2), z(0x7a, 10, 0, -8, 0), x, ...tail, z(0xb7), z(0x95)], progType: 'socket_filter', maps: [], kmaps: [] });
      cs.push({ setup: 'opcode-sweep dead', mutation: `${code.toString(16)} d${dst} s${src} o${off} i${imm}`, insns: [z(0xb7), z(0x15, 0, 0, 1 + tail.length, 0), x, ...tail, z(0x95)], progType: 'socket_filter', maps: [], kmaps: [] });
    }
  }
  const ks = kernelVerdicts(cs);
  ks.forEach((k, i) => {
    const c = cs[i]!;
    if (k.message.startsWith('KORACLE ERROR')) { t.skip('koracle cannot build the case (e.g. a map reference without maps)'); return; }
    const b = bpfsimVerdict(c);
    const cat = verdictCategory(k, b, true);
    if (cat === undefined) { t.ok(); return; }
    t.bad(`${c.setup}: ${cat}`, `${c.mutation}: kernel ${k.accepted ? 'accepted' : JSON.stringify(k.message)}; bpfsim ${b.accepted ? 'accepted' : JSON.stringify(b.message)} (hex ${bytesToHex(encodeInsns(c.insns))})`);
  });
  return t;
}
