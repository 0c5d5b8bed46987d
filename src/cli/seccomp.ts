/**
 * `bpfsim seccomp`: profiles → policies → compiled forms, evaluation, trace simulation.
 *
 * bpfsim seccomp simulate --profile P --trace T [--arch A] [--form F] [--json] [--calls] [--no-cache]
 * bpfsim seccomp compile P --form F [--out FILE] [--format raw|hex|asm|listing|json]
 * bpfsim seccomp eval P --syscall NAME|NR [--args A0,A1,..] [--arch A] [--form F] | --batch
 * bpfsim seccomp explain P [--arch A] [--json]
 * bpfsim seccomp diff P1 P2 [--arch A] [--json]
 * common: --target ARCH (native arch of the host), --caps CAP,.. (default Docker's), --kernel X.Y
 */
import { writeFileSync } from 'node:fs';
import { BpfError, ErrorCode, InputError } from '../errors.js';
import { type CliIo, parseArgs, usage, type OptSpec } from './io.js';
import { parseCall, seccompResultJson } from './seccomp-call.js';
import { encodeFilter } from '../cbpf/insn.js';
import { disassembleCbpf } from '../cbpf/disasm.js';
import { seccompListing } from '../seccomp/listing.js';
import { parseSeccompData } from '../seccomp/data.js';
import { formatAction } from '../seccomp/actions.js';
import { archByName, requireArch, resolveSyscall, syscallsOf, type ArchInfo } from '../seccomp/arch.js';
import {
  constantOutcome, describeAction, evaluatePolicy, parseU64, policyToJSON, sameAction, type ArchPolicy, type Policy, type PolicyAction,
} from '../seccomp/policy.js';
import { loadPolicy } from '../seccomp/profile/default.js';
import type { TranslateOptions } from '../seccomp/profile/translate.js';
import { FORM_NAMES, makeEvaluator, type FormName } from '../seccomp/forms.js';
import { simulateTrace, type SimulationReport } from '../seccomp/simulate.js';
import { CLASSIC_ENGINES, type ClassicEngine } from '../seccomp/compile/run.js';
import { readTraceFile } from '../trace/open.js';
import { ffPid } from '../trace/strace.js';
import { newTraceStats } from '../trace/types.js';
import { disasmText } from '../asm/disasm.js';

const HELP = `usage:
  bpfsim seccomp simulate --profile P --trace T [--arch A] [--form linear|tree|array|hash|model]
                   [--engine interp|fast|js] [--json] [--calls] [--no-cache]
  bpfsim seccomp compile P --form linear|tree|array|hash [--out FILE] [--format raw|hex|asm|listing|json]
  bpfsim seccomp eval P --syscall NAME|NR [--args A0,A1,...] [--arch A] [--form F]
  bpfsim seccomp eval P --batch            (stdin: {"id","nr","arch","args"} lines → {"id","ret","action","data"})
  bpfsim seccomp explain P [--arch A] [--json]
  bpfsim seccomp diff P1 P2 [--arch A] [--json]

P is a Docker/OCI seccomp profile file, or 'default' for the embedded default profile.
Common options: --target ARCH (native arch, default x86_64), --caps CAP,... (default: Docker's
default capabilities; '' for none), --kernel X.Y (default: the running kernel), --no-enosys-stub
(libseccomp's filter alone, without runc's -ENOSYS stub for syscalls above the profile's largest).
simulate exits with status 2 when any call would be denied.
`;

const COMMON: Record<string, OptSpec> = {
  target: { value: true }, caps: { value: true }, kernel: { value: true }, 'no-enosys-stub': {}, help: { value: false },
};

type Opts = Record<string, string | boolean | string[] | undefined>;

function translateOpts(o: Opts): TranslateOptions {
  const t: { arch?: string; caps?: string[]; kernel?: string; enosysStub?: boolean } = {};
  if (o['no-enosys-stub'] === true) t.enosysStub = false;
  if (typeof o.target === 'string') t.arch = o.target;
  if (typeof o.caps === 'string') t.caps = o.caps.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (typeof o.kernel === 'string') t.kernel = o.kernel;
  return t;
}

function policyFrom(path: string | undefined, o: Opts): Policy {
  return loadPolicy(path, translateOpts(o));
}

function formOf(o: Opts, dflt: FormName = 'linear'): FormName {
  const f = typeof o.form === 'string' ? o.form : dflt;
  if (!(FORM_NAMES as readonly string[]).includes(f)) throw usage(`unknown form '${f}' (expected ${FORM_NAMES.join(', ')})`);
  return f as FormName;
}

function warn(io: CliIo, p: Policy): void {
  for (const w of p.warnings) io.stderr(`warning: ${w}\n`);
}

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** Text form of a simulation report. */
export function formatReport(r: SimulationReport, title: string): string {
  const pct = (a: number): string => (r.calls === 0 ? '0' : ((100 * a) / r.calls).toFixed(1));
  let s = `${title}\n`;
  s += `  ${r.calls} calls: ${r.allowed} allowed, ${r.denied} would be denied`;
  if (r.unresolved.length > 0) s += `, ${r.unresolved.reduce((n, u) => n + u.count, 0)} unresolved`;
  s += '\n';
  if (r.cacheModelled) s += `  action cache: ${r.cacheHits} calls (${pct(r.cacheHits)}%) would skip the filter (always-ALLOW syscall numbers)\n`;
  if (r.calls > 0) s += `  by action: ${Object.entries(r.byAction).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}\n`;
  if (r.argsUnresolved > 0) s += `  ${r.argsUnresolved} calls had symbolic arguments bpfsim could not resolve where the profile checks arguments (taken as 0)\n`;
  if (r.denials.length > 0) {
    s += '\nWould be denied:\n';
    s += table([['syscall', 'arch', 'action', 'count', 'first line'], ...r.denials.map((d) => [d.syscall, d.arch, d.action, String(d.count), String(d.firstLine)])]).replace(/^(?=.)/gm, '  ');
  } else s += '\nNothing would be denied.\n';
  if (r.unresolved.length > 0) {
    s += '\nUnknown to the syscall tables (not evaluated):\n';
    s += table([['syscall', 'arch', 'count', 'first line'], ...r.unresolved.map((d) => [d.syscall, d.arch, String(d.count), String(d.firstLine)])]).replace(/^(?=.)/gm, '  ');
  }
  return s;
}

/** The classic-filter engine chosen with --engine (interp, fast or js). */
function engineOf(o: Opts): ClassicEngine {
  const e = o.engine;
  if (typeof e !== 'string' || !(CLASSIC_ENGINES as readonly string[]).includes(e)) {
    throw usage(`unknown engine '${String(e)}' (expected ${CLASSIC_ENGINES.join(', ')})`);
  }
  return e as ClassicEngine;
}

/** Runs a simulation and prints it; shared with `bpfsim start`. */
export async function runSimulation(io: CliIo, profile: string | undefined, trace: string, o: Opts): Promise<number> {
  const policy = policyFrom(profile, o);
  warn(io, policy);
  const form = formOf(o);
  const json = o.json === true;
  const perCall = o.calls === true || json;
  const progress = io.isTTY && !json;
  const stats = newTraceStats();
  const ffpid = ffPid(trace); // strace -ff -o PREFIX writes PREFIX.<pid> files without pid prefixes
  const report = await simulateTrace(policy, readTraceFile(trace, { stats, ...(ffpid !== undefined ? { pid: ffpid } : {}) }), {
    form,
    ...(typeof o.arch === 'string' ? { arch: o.arch } : {}),
    ...(o.engine !== undefined ? { engine: engineOf(o) } : {}),
    cache: o['no-cache'] !== true,
    ...(perCall ? {
      onDecision: (d) => {
        if (json) io.stdout(JSON.stringify({ line: d.line, pid: d.pid, name: d.name, nr: d.nr, arch: d.arch, action: d.action, ret: d.ret === undefined ? undefined : '0x' + d.ret.toString(16).padStart(8, '0'), cached: d.cached }) + '\n');
        else io.stdout(`${String(d.line).padStart(7)}  ${(d.pid === undefined ? '' : String(d.pid)).padStart(7)}  ${d.name.padEnd(20)} ${d.action}${d.cached ? '  (cached)' : ''}\n`);
      },
    } : {}),
    ...(progress ? { onProgress: (n: number) => io.stderr(`\r  ${n} calls…`), progressEvery: 50_000 } : {}),
  });
  if (progress && report.calls >= 50_000) io.stderr('\r\x1b[K');
  if (stats.skipped > 0) io.stderr(`warning: ${stats.skipped} of ${stats.lines} trace lines were not understood as system calls\n`);
  const arches = policy.arches.map((a) => a.arch).join(', ');
  if (json) io.stdout(JSON.stringify({ summary: { profile: profile ?? 'default', trace, arches: policy.arches.map((a) => a.arch), ...report } }) + '\n');
  else io.stdout(formatReport(report, `seccomp simulation: profile ${profile ?? 'default'} (${arches}), trace ${trace}, form ${form}`));
  return report.denied > 0 ? 2 : 0;
}

async function cmdSimulate(argv: string[], io: CliIo): Promise<number> {
  const { positional, opts } = parseArgs(argv, {
    ...COMMON, profile: { value: true }, trace: { value: true }, arch: { value: true }, form: { value: true },
    engine: { value: true }, json: {}, calls: {}, 'no-cache': {},
  });
  if (opts.help) { io.stdout(HELP); return 0; }
  const trace = typeof opts.trace === 'string' ? opts.trace : positional[0];
  if (trace === undefined) throw usage('seccomp simulate: missing --trace FILE');
  return runSimulation(io, typeof opts.profile === 'string' ? opts.profile : undefined, trace, opts);
}

async function cmdCompile(argv: string[], io: CliIo): Promise<number> {
  const { positional, opts } = parseArgs(argv, { ...COMMON, form: { value: true }, out: { value: true, short: 'o' }, format: { value: true } });
  if (opts.help) { io.stdout(HELP); return 0; }
  const policy = policyFrom(positional[0], opts);
  warn(io, policy);
  const form = formOf(opts);
  if (form === 'model') throw usage('seccomp compile: form must be linear, tree or array');
  const out = typeof opts.out === 'string' ? opts.out : undefined;
  const format = typeof opts.format === 'string' ? opts.format : out !== undefined ? 'raw' : form === 'array' ? 'asm' : 'listing';
  const ev = makeEvaluator(policy, form);
  let bytes: Uint8Array | undefined;
  let text: string | undefined;
  if (ev.classic) {
    const f = ev.classic;
    switch (format) {
      case 'raw': bytes = encodeFilter(f); break;
      case 'hex': text = Buffer.from(encodeFilter(f)).toString('hex') + '\n'; break;
      case 'asm': text = disassembleCbpf(f); break;
      case 'listing': text = seccompListing(f, { arch: requireArch(policy.arches[0]!.arch).audit }); break;
      case 'json': text = JSON.stringify({ form, insns: f.length, filter: f }) + '\n'; break;
      default: throw usage(`unknown format '${format}' (raw, hex, asm, listing, json)`);
    }
  } else {
    const a = ev.array!;
    const kind = a.map.type;
    const tableText = a.segments.map((s) => `# segment ${s.arch}: nr ${s.lo}..${s.lo + s.count - 1} -> keys ${s.base}..${s.base + s.count - 1}`).join('\n');
    const outcomes = a.outcomes.map((o, i) => `# outcome ${i}: ${o.kind === 'action' ? formatAction(o.ret) : `argument checks of ${o.name} (${o.arch} nr ${o.nr})`}`).join('\n');
    switch (format) {
      case 'raw': bytes = a.program; break;
      case 'hex': text = Buffer.from(a.program).toString('hex') + '\n'; break;
      case 'asm': case 'listing':
        text = `# eBPF seccomp program, ${a.program.length / 8} slots; map 0 = ${a.map.name} (${kind}, ${a.map.maxEntries} x u32, BPF_F_RDONLY_PROG, frozen)\n${tableText}\n${outcomes}\n${disasmText(a.program)}`;
        break;
      case 'json':
        text = JSON.stringify({ form, program: Buffer.from(a.program).toString('hex'), map: a.map, segments: a.segments, outcomes: a.outcomes }) + '\n';
        break;
      default: throw usage(`unknown format '${format}' (raw, hex, asm, json)`);
    }
    if (out !== undefined && format === 'raw') {
      writeFileSync(out + '.map.json', JSON.stringify(a.map) + '\n');
      io.stderr(`map contents written to ${out}.map.json\n`);
    }
  }
  if (out !== undefined) writeFileSync(out, bytes ?? text ?? '');
  else if (bytes !== undefined) throw usage('raw bytes need --out FILE (or use --format hex)');
  else io.stdout(text!);
  return 0;
}

function archArg(o: Opts, policy: Policy): ArchInfo {
  return requireArch(typeof o.arch === 'string' ? o.arch : policy.arches[0]!.arch);
}

async function cmdEval(argv: string[], io: CliIo): Promise<number> {
  const { positional, opts } = parseArgs(argv, {
    ...COMMON, syscall: { value: true }, args: { value: true }, arch: { value: true }, form: { value: true }, batch: {}, json: {},
  });
  if (opts.help) { io.stdout(HELP); return 0; }
  const policy = policyFrom(positional[0], opts);
  warn(io, policy);
  const ev = makeEvaluator(policy, formOf(opts));
  if (opts.batch) {
    let line = 0;
    for await (const l of io.stdinLines()) {
      line++;
      if (l.trim() === '') continue;
      let o: unknown;
      try { o = JSON.parse(l); } catch (e) { throw new InputError(`invalid JSON: ${(e as Error).message}`, { line }); }
      if (typeof o === 'object' && o !== null && !Array.isArray(o) && (o as Record<string, unknown>).arch === undefined) {
        (o as Record<string, unknown>).arch = policy.arches[0]!.arch;
      }
      const { id, data } = parseCall(o, line);
      const d = parseSeccompData(data);
      io.stdout(seccompResultJson(id, ev.run({ nr: d.nr >>> 0, arch: d.arch, args: d.args, ip: d.ip })) + '\n');
    }
    return 0;
  }
  if (typeof opts.syscall !== 'string') throw usage('seccomp eval: give --syscall NAME|NR or --batch');
  const abi = archArg(opts, policy);
  const nr = resolveSyscall(abi, opts.syscall);
  const args = typeof opts.args === 'string' && opts.args.trim() !== ''
    ? opts.args.split(',').map((s, i) => parseU64(s.trim(), `--args[${i}]`, true)) : [];
  if (args.length > 6) throw usage('at most 6 --args');
  const ret = ev.run({ nr, arch: abi.audit, args });
  if (opts.json) io.stdout(seccompResultJson(undefined, ret) + '\n');
  else {
    const d = evaluatePolicy(policy, { nr, arch: abi.audit, args });
    const why = d.enosysStub ? "runc's -ENOSYS stub (above the largest syscall the profile names)"
      : d.badArch ? 'architecture not in the policy' : d.rule ? `rule from ${d.rule.origin ?? 'policy'}` : 'default action';
    io.stdout(`${opts.syscall} (${abi.name} nr ${nr}): ${formatAction(ret)} — ${why}\n`);
  }
  return 0;
}

/** Per-syscall outcome text of one ABI: an action, or a description of the argument rules. */
function outcomeText(ap: ArchPolicy, nr: number, dflt: PolicyAction): string {
  const c = constantOutcome(ap, nr, dflt);
  if (c !== undefined) return describeAction(c);
  const rules = ap.rules.filter((r) => r.nr === nr);
  const conds = rules.map((r) => `${r.conditions.map((x) => `a${x.index} ${x.op}${x.op === 'MASKED_EQ' ? `(0x${x.value.toString(16)})` : ''} 0x${(x.op === 'MASKED_EQ' ? x.valueTwo : x.value).toString(16)}`).join(' && ')} → ${describeAction(r.action)}`);
  return `${conds.join('; ')}; else ${describeAction(dflt)}`;
}

async function cmdExplain(argv: string[], io: CliIo): Promise<number> {
  const { positional, opts } = parseArgs(argv, { ...COMMON, arch: { value: true }, json: {}, all: {} });
  if (opts.help) { io.stdout(HELP); return 0; }
  const policy = policyFrom(positional[0], opts);
  warn(io, policy);
  const arches = typeof opts.arch === 'string' ? [requireArch(opts.arch).name] : policy.arches.map((a) => a.arch);
  const rows: { arch: string; nr: number; name: string; outcome: string }[] = [];
  for (const a of arches) {
    const ap = policy.arches.find((p) => p.arch === a);
    if (!ap) throw new BpfError(ErrorCode.Seccomp, `architecture ${a} is not in the policy (${policy.arches.map((p) => p.arch).join(', ')})`);
    for (const s of syscallsOf(a)) rows.push({ arch: a, nr: s.nr, name: s.name, outcome: outcomeText(ap, s.nr, policy.defaultAction) });
  }
  if (opts.json) {
    io.stdout(JSON.stringify({ defaultAction: describeAction(policy.defaultAction), badArchAction: describeAction(policy.badArchAction), syscalls: rows }) + '\n');
    return 0;
  }
  io.stdout(`default action: ${describeAction(policy.defaultAction)}; other architectures: ${describeAction(policy.badArchAction)}\n`);
  io.stdout(table([['arch', 'nr', 'syscall', 'outcome'], ...rows.map((r) => [r.arch, String(r.nr), r.name, r.outcome])]));
  return 0;
}

async function cmdDiff(argv: string[], io: CliIo): Promise<number> {
  const { positional, opts } = parseArgs(argv, { ...COMMON, arch: { value: true }, json: {} });
  if (opts.help) { io.stdout(HELP); return 0; }
  if (positional.length !== 2) throw usage('seccomp diff: give two profiles');
  const p1 = policyFrom(positional[0], opts);
  const p2 = policyFrom(positional[1], opts);
  const arches = typeof opts.arch === 'string' ? [requireArch(opts.arch).name]
    : [...new Set([...p1.arches, ...p2.arches].map((a) => a.arch))];
  const rows: { arch: string; nr: number; name: string; before: string; after: string }[] = [];
  for (const a of arches) {
    const info = archByName(a)!;
    const ap1 = p1.arches.find((p) => p.arch === a);
    const ap2 = p2.arches.find((p) => p.arch === a);
    for (const s of syscallsOf(a)) {
      const o1 = ap1 ? outcomeText(ap1, s.nr, p1.defaultAction) : `${describeAction(p1.badArchAction)} (arch not in policy)`;
      const o2 = ap2 ? outcomeText(ap2, s.nr, p2.defaultAction) : `${describeAction(p2.badArchAction)} (arch not in policy)`;
      if (o1 !== o2) rows.push({ arch: info.name, nr: s.nr, name: s.name, before: o1, after: o2 });
    }
  }
  if (!sameAction(p1.defaultAction, p2.defaultAction)) {
    io.stderr(`note: default action changes: ${describeAction(p1.defaultAction)} → ${describeAction(p2.defaultAction)}\n`);
  }
  if (opts.json) io.stdout(JSON.stringify({ changes: rows }) + '\n');
  else if (rows.length === 0) io.stdout('no syscall changes its outcome\n');
  else io.stdout(table([['arch', 'nr', 'syscall', positional[0]!, positional[1]!], ...rows.map((r) => [r.arch, String(r.nr), r.name, r.before, r.after])]));
  return rows.length > 0 ? 1 : 0;
}

/** `bpfsim seccomp …` */
export default async function seccomp(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'simulate': return cmdSimulate(rest, io);
    case 'compile': return cmdCompile(rest, io);
    case 'eval': return cmdEval(rest, io);
    case 'explain': return cmdExplain(rest, io);
    case 'diff': return cmdDiff(rest, io);
    case 'policy': {
      const { positional, opts } = parseArgs(rest, COMMON);
      io.stdout(JSON.stringify(policyToJSON(policyFrom(positional[0], opts)), null, 1) + '\n');
      return 0;
    }
    case undefined: case 'help': case '--help': case '-h':
      io.stdout(HELP);
      return sub === undefined ? 2 : 0;
    default:
      throw usage(`seccomp: unknown sub-command '${sub}' (simulate, compile, eval, explain, diff, policy)`);
  }
}
