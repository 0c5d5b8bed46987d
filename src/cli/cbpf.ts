/**
 * `bpfsim cbpf` — classic BPF and seccomp filters on the command line.
 *
 * ```
 * bpfsim cbpf run FILE... --seccomp '{"nr":59,"arch":"x86_64","args":[...]}'   one system call (several FILEs = stacked filters, oldest first)
 * bpfsim cbpf run FILE... --batch [< calls.jsonl]                             JSON lines {"id","nr","arch","ip","args"} → {"id","ret","action","data"}
 * bpfsim cbpf run FILE --packet HEX                                          socket-filter run on a packet
 * (--trace: print every executed instruction with A and X before it)
 * bpfsim cbpf check FILE [--json]                                            would the kernel accept it (seccomp and socket filter), and why not
 * bpfsim cbpf asm FILE [-o OUT] [--output-format hex|bin|c|bytecode]         bpf_asm text → program
 * bpfsim cbpf disasm FILE [--seccomp [--arch NAME]] [--raw]                  program → bpf_asm text / seccomp listing
 * bpfsim cbpf translate FILE [--packet]                                      classic → eBPF (bpf_convert_filter), hex per instruction
 * ```
 * FILE: raw sock_filter array (libseccomp seccomp_export_bpf), hex, bpf_asm
 * text, bytecode or C initialisers (detected; `--format` forces one); `-` = stdin.
 */
import { writeFileSync } from 'node:fs';
import { BpfError, ErrorCode, InputError } from '../errors.js';
import { type CliIo, parseArgs, readInput, usage } from './io.js';
import { parseCall, seccompResultJson } from './seccomp-call.js';
import {
  type CbpfFileFormat, type SockFilter, assembleCbpf, checkClassic, checkSeccompFilter, disassembleCbpf, encodeFilter,
  filterToHex, formatBytecode, formatSockFilterC, parseCbpfFile, runCbpfDetailed, translateCbpf, traceCbpf,
  type CbpfContext,
} from '../cbpf/index.js';
import { SeccompFilterStack } from '../seccomp/filter-stack.js';
import { seccompListing } from '../seccomp/listing.js';
import { archByName } from '../seccomp/arch.js';
import { bytesToHex, encodeInsns, hexToBytes } from '../isa/insn.js';

const HELP = `usage:
  bpfsim cbpf run FILE... (--seccomp JSON | --batch | --packet HEX) [--json] [--trace] [--format F]
  bpfsim cbpf check FILE [--json] [--format F]
  bpfsim cbpf asm FILE [-o OUT] [--output-format hex|bin|c|bytecode]
  bpfsim cbpf disasm FILE [--seccomp] [--arch NAME] [--raw] [--format F]
  bpfsim cbpf translate FILE [--packet] [--format F]
FILE formats (detected, or --format): bin (libseccomp export), hex, asm (bpf_asm), bytecode, c. '-' = stdin.
--seccomp / --batch lines: {"id":..,"nr":N|"name","arch":N|"x86_64","ip":..,"args":[..]}; 64-bit values as
JSON numbers (up to 2^53) or decimal / 0x-hex strings.
`;

const FORMATS = ['bin', 'hex', 'asm', 'bytecode', 'c'];

async function load(path: string, io: CliIo, format: unknown): Promise<SockFilter[]> {
  if (format !== undefined && (typeof format !== 'string' || !FORMATS.includes(format))) throw usage(`--format must be one of ${FORMATS.join(', ')}`);
  return parseCbpfFile(await readInput(path, io), format as CbpfFileFormat | undefined);
}

async function cmdRun(argv: string[], io: CliIo): Promise<number> {
  const { positional, opts } = parseArgs(argv, {
    seccomp: { value: true }, packet: { value: true }, batch: { value: false }, json: { value: false }, format: { value: true }, help: { value: false },
    trace: { value: false },
  });
  if (opts.trace && opts.batch) throw usage('cbpf run: --trace works with --seccomp or --packet, not --batch');
  if (opts.help) { io.stdout(HELP); return 0; }
  if (positional.length === 0) throw usage('cbpf run: missing FILE');
  const modes = [opts.seccomp !== undefined, opts.packet !== undefined, opts.batch === true].filter(Boolean).length;
  if (modes !== 1) throw usage('cbpf run: give exactly one of --seccomp JSON, --batch, --packet HEX');
  const filters: SockFilter[][] = [];
  for (const p of positional) filters.push(await load(p, io, opts.format));
  if (opts.packet !== undefined) {
    if (filters.length !== 1) throw usage('cbpf run --packet takes one FILE');
    const c = checkClassic(filters[0]!);
    if (!c.ok) throw new BpfError(ErrorCode.CbpfCheck, `not a valid socket filter: ${c.message}`, c.pc);
    const pctx = { kind: 'packet' as const, bytes: hexToBytes(String(opts.packet)) };
    if (opts.trace) printTrace(io, filters[0]!, pctx, disassembleCbpf(filters[0]!).split('\n').filter((l) => l.startsWith('\t')).map((l) => l.slice(1)));
    const r = runCbpfDetailed(filters[0]!, pctx);
    if (opts.json) io.stdout(JSON.stringify({ ret: r.value, exit: r.exit, pc: r.pc }) + '\n');
    else io.stdout(`ret: ${r.value} (0x${r.value.toString(16)}), exit ${r.exit} at pc ${r.pc}\n`);
    return 0;
  }
  const stack = new SeccompFilterStack();
  filters.forEach((f, i) => {
    try {
      stack.attach(f);
    } catch (e) {
      if (e instanceof BpfError) throw new BpfError(e.code, `${positional[i]}: ${e.message}`);
      throw e;
    }
  });
  const extra = (r: { filter: number | undefined; cached: boolean }) => (filters.length > 1 ? { filter: r.filter ?? null, cached: r.cached } : { cached: r.cached });
  if (opts.seccomp !== undefined) {
    let o: unknown;
    try { o = JSON.parse(String(opts.seccomp)); } catch (e) { throw new InputError(`--seccomp: ${(e as Error).message}`, { path: '$' }); }
    const call = parseCall(o);
    if (opts.trace) {
      filters.forEach((f, i) => {
        if (filters.length > 1) io.stdout(`filter ${i} (${positional[i]}):\n`);
        const listing = seccompListing(f).split('\n').slice(2).map((l) => l.replace(/^ \d+: \S+ \S+ \S+ \S+\s+/, ''));
        printTrace(io, f, { kind: 'seccomp', data: call.data }, listing);
      });
    }
    const r = stack.run(call.data);
    if (opts.json) io.stdout(seccompResultJson(call.id, r.ret, { effective: true, extra: extra(r) }) + '\n');
    else io.stdout(`0x${r.ret.toString(16).padStart(8, '0')} ${r.action === 'UNKNOWN' ? `UNKNOWN (acts as ${r.effective})` : r.action}${r.action === 'ERRNO' ? ` errno ${r.errno}` : r.data ? ` data ${r.data}` : ''}${r.cached ? ' (action cache: filters skipped)' : ''}\n`);
    return 0;
  }
  let lineNo = 0, errors = 0;
  for await (const line of io.stdinLines()) {
    lineNo++;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    let id: unknown;
    try {
      let o: unknown;
      try { o = JSON.parse(line); } catch (e) { throw new InputError(`invalid JSON: ${(e as Error).message}`, { line: lineNo, path: '$' }); }
      if (typeof o === 'object' && o !== null) id = (o as Record<string, unknown>).id;
      const call = parseCall(o, lineNo);
      const r = stack.run(call.data);
      io.stdout(seccompResultJson(call.id, r.ret, { effective: true, extra: extra(r) }) + '\n');
    } catch (e) {
      if (!(e instanceof BpfError)) throw e;
      errors++;
      io.stdout(JSON.stringify({ ...(id === undefined ? {} : { id }), error: e.message, line: lineNo }) + '\n');
      io.stderr(`bpfsim: ${e.message}\n`);
    }
  }
  return errors ? 1 : 0;
}

function printTrace(io: CliIo, f: SockFilter[], ctx: CbpfContext, text: string[]): void {
  const t = traceCbpf(f, ctx);
  for (const s of t.trace) {
    io.stdout(`  ${String(s.pc).padStart(4, '0')}  A=0x${s.a.toString(16).padStart(8, '0')} X=0x${s.x.toString(16).padStart(8, '0')}  ${text[s.pc] ?? ''}\n`);
  }
  if (t.exit !== 'ret') io.stdout(`  (ended at pc ${t.pc} without ret: ${t.exit === 'div0' ? 'division by zero' : t.exit === 'load' ? 'packet load out of bounds' : 'no device'}, value ${t.value})\n`);
}

async function cmdCheck(argv: string[], io: CliIo): Promise<number> {
  const { positional, opts } = parseArgs(argv, { json: { value: false }, format: { value: true }, packet: { value: false }, help: { value: false } });
  if (opts.help) { io.stdout(HELP); return 0; }
  if (positional.length !== 1) throw usage('cbpf check: give one FILE');
  const f = await load(positional[0]!, io, opts.format);
  const sec = checkSeccompFilter(f), cls = checkClassic(f);
  if (opts.json) io.stdout(JSON.stringify({ length: f.length, seccomp: sec, classic: cls }) + '\n');
  else {
    const show = (c: typeof sec) => (c.ok ? 'accepted' : `rejected (${c.errno})${c.pc === undefined ? '' : ` at pc ${c.pc}`}: ${c.message}`);
    io.stdout(`seccomp filter: ${show(sec)}\nsocket filter:  ${show(cls)}\n`);
  }
  return (opts.packet ? cls.ok : sec.ok) ? 0 : 1;
}

async function cmdAsm(argv: string[], io: CliIo): Promise<number> {
  const { positional, opts } = parseArgs(argv, { out: { value: true, short: 'o' }, 'output-format': { value: true }, help: { value: false } });
  if (opts.help) { io.stdout(HELP); return 0; }
  if (positional.length !== 1) throw usage('cbpf asm: give one FILE');
  const f = assembleCbpf(new TextDecoder().decode(await readInput(positional[0]!, io)));
  const fmt = String(opts['output-format'] ?? (opts.out !== undefined ? 'bin' : 'hex'));
  let out: string | Uint8Array;
  switch (fmt) {
    case 'bin': out = encodeFilter(f); break;
    case 'hex': out = filterToHex(f) + '\n'; break;
    case 'c': out = f.map(formatSockFilterC).join(',\n') + '\n'; break;
    case 'bytecode': out = formatBytecode(f) + '\n'; break;
    default: throw usage('--output-format must be hex, bin, c or bytecode');
  }
  if (opts.out !== undefined) writeFileSync(String(opts.out), out);
  else if (typeof out === 'string') io.stdout(out);
  else throw usage('binary output needs -o FILE');
  return 0;
}

async function cmdDisasm(argv: string[], io: CliIo): Promise<number> {
  const { positional, opts } = parseArgs(argv, { seccomp: { value: false }, arch: { value: true }, raw: { value: false }, format: { value: true }, help: { value: false } });
  if (opts.help) { io.stdout(HELP); return 0; }
  if (positional.length !== 1) throw usage('cbpf disasm: give one FILE');
  const f = await load(positional[0]!, io, opts.format);
  if (opts.seccomp) {
    let arch: number | 'none' | undefined;
    if (opts.arch !== undefined) {
      const a = String(opts.arch);
      if (a === 'none') arch = 'none';
      else {
        const info = archByName(a);
        if (info === undefined) throw usage(`unknown architecture '${a}'`);
        arch = info.audit;
      }
    }
    io.stdout(seccompListing(f, arch === undefined ? {} : { arch }));
  } else io.stdout(disassembleCbpf(f, { raw: opts.raw === true }));
  return 0;
}

async function cmdTranslate(argv: string[], io: CliIo): Promise<number> {
  const { positional, opts } = parseArgs(argv, { packet: { value: false }, format: { value: true }, help: { value: false } });
  if (opts.help) { io.stdout(HELP); return 0; }
  if (positional.length !== 1) throw usage('cbpf translate: give one FILE');
  const t = translateCbpf(await load(positional[0]!, io, opts.format), opts.packet ? 'packet' : 'seccomp');
  io.stdout(t.insns.map((x) => bytesToHex(encodeInsns([x]))).join('\n') + '\n');
  return 0;
}

/** Entry point of `bpfsim cbpf`. */
export default async function cbpf(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'run': return cmdRun(rest, io);
    case 'check': return cmdCheck(rest, io);
    case 'asm': return cmdAsm(rest, io);
    case 'disasm': return cmdDisasm(rest, io);
    case 'translate': return cmdTranslate(rest, io);
    case undefined: case 'help': case '--help': case '-h':
      io.stdout(HELP);
      return sub === undefined ? 2 : 0;
    default:
      throw usage(`cbpf: unknown sub-command '${sub}' (run, check, asm, disasm, translate)`);
  }
}
