/**
 * `bpfsim run`: runs one eBPF program (raw bytes, hex or assembler source)
 * in the VM and prints r0, or runs a batch of JSON lines from stdin.
 *
 * ```
 * bpfsim run FILE.bin | --hex HEX | --asm FILE [--mem HEX] [--packet HEX] [--ctx HEX]
 *            [--type T] [--engine interp] [--budget N] [--helpers linux|conformance] [--json]
 * bpfsim run --batch [--engine E] [--budget N] [--helpers H]
 * bpfsim run OBJ.o --section S ...      (ELF objects: src/cli/run-object.ts)
 * ```
 */
import { assemble } from '../asm/assemble.js';
import { BpfError, ErrorCode, InputError } from '../errors.js';
import { bytesToHex, hexToBytes } from '../isa/insn.js';
import type { ProgTypeName } from '../isa/prog-types.js';
import { conformanceHelpers } from '../vm/conformance-helpers.js';
import { isProgTypeName } from '../vm/ctx.js';
import { HelperRegistry } from '../vm/helpers.js';
import { registerJitEngine } from '../vm/jit/index.js';
import { Vm, getEngine, vmDefaultHelpers } from '../vm/vm.js';
import { type CliIo, parseArgs, readInput, usage } from './io.js';


// Both engines are available on the command line (--engine interp|jit).
registerJitEngine();
const HELP = `usage: bpfsim run FILE.bin | --hex HEX | --asm FILE [options]
       bpfsim run --batch [options] < lines.jsonl
       bpfsim run OBJ.o --section S [options]

Runs an eBPF program in bpfsim's VM and prints r0 as 0x-prefixed unsigned
64-bit hex. On a fault, prints the error on stderr and exits 1.

options:
  --hex HEX           program as hex (whitespace ignored)
  --asm FILE          program as assembler source (- = stdin)
  --mem HEX           memory buffer: r1 = its address, r2 = its length (raw programs)
  --packet HEX        packet (xdp / skb program types, LD_ABS / LD_IND)
  --ctx HEX           ctx bytes (default: built for --type)
  --type T            program type (default raw; xdp, socket_filter, sched_cls, ...)
  --engine E          execution engine (default interp)
  --budget N          instruction budget (default 1000000)
  --helpers H         helper set: linux (default) or conformance (the uBPF test
                      helpers bpf_conformance registers, ids 0-5)
  --json              print {"r0","insns","mem","trace"} as JSON
  --batch             JSON lines on stdin: {"id","asm"|"hex","mem","engine","budget","type"};
                      one line out per line: {"id","r0"} or {"id","error":{"code","message","pc"}}
`;

/** Builds the helper registry named by --helpers. */
export function helperSet(name: string | undefined): HelperRegistry {
  const reg = new HelperRegistry(vmDefaultHelpers());
  if (name === undefined || name === 'linux') return reg;
  if (name === 'conformance') return reg.registerAll(conformanceHelpers());
  throw usage(`--helpers must be linux or conformance, not '${name}'`);
}

function parseBudget(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw usage(`--budget must be a non-negative integer, not '${v}'`);
  return Number(v);
}

function progType(v: string | undefined): ProgTypeName {
  const t = v ?? 'raw';
  if (!isProgTypeName(t)) throw usage(`unknown program type '${t}'`);
  return t;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

function isElf(b: Uint8Array): boolean {
  return b.length >= 4 && ELF_MAGIC.every((m, i) => b[i] === m);
}

/** Hands ELF objects to src/cli/run-object.ts (written by the maps/ELF side). */
async function runObject(argv: string[], io: CliIo): Promise<number> {
  const path = './run-object.js';
  let mod: { runObjectCommand?: (argv: string[], io: CliIo) => Promise<number> };
  try {
    mod = (await import(path)) as typeof mod;
  } catch {
    throw new BpfError(ErrorCode.Unsupported, 'ELF objects not supported yet by bpfsim run (src/cli/run-object.ts is missing)');
  }
  if (typeof mod.runObjectCommand !== 'function') throw new BpfError(ErrorCode.Unsupported, 'ELF objects not supported yet by bpfsim run');
  return mod.runObjectCommand(argv, io);
}

/** The `run` command. */
export default async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, {
    hex: { value: true }, asm: { value: true }, mem: { value: true }, packet: { value: true }, ctx: { value: true },
    type: { value: true }, engine: { value: true }, budget: { value: true }, helpers: { value: true },
    json: {}, batch: {}, section: { value: true }, help: { short: 'h' },
    // ELF-object options (src/cli/run-object.ts parses them).
    map: { value: true, multiple: true }, 'dump-maps': {}, 'nr-cpus': { value: true }, repeat: { value: true },
  });
  if (a.opts.help) {
    io.stdout(HELP);
    return 0;
  }
  const engine = (a.opts.engine as string | undefined) ?? 'interp';
  getEngine(engine);
  const budget = parseBudget(a.opts.budget as string | undefined);
  const helpers = helperSet(a.opts.helpers as string | undefined);
  if (a.opts.batch) {
    if (a.positional.length > 0 || a.opts.hex !== undefined || a.opts.asm !== undefined) throw usage('--batch reads programs from stdin only');
    return runBatch(io, { engine, budget, helpers });
  }
  const sources = [a.positional.length > 0, a.opts.hex !== undefined, a.opts.asm !== undefined].filter(Boolean).length;
  if (sources !== 1 || a.positional.length > 1) throw usage('give exactly one program: FILE, --hex HEX or --asm FILE');
  let bytes: Uint8Array;
  if (a.positional.length === 1) {
    bytes = await readInput(a.positional[0]!, io);
    if (isElf(bytes)) return runObject(argv, io);
  } else if (a.opts.hex !== undefined) {
    bytes = hexToBytes(a.opts.hex as string);
  } else {
    bytes = assemble(new TextDecoder().decode(await readInput(a.opts.asm as string, io))).bytes;
  }
  for (const k of ['section', 'map', 'dump-maps', 'nr-cpus', 'repeat']) {
    if (a.opts[k] !== undefined) throw usage(`--${k} applies to ELF objects only`);
  }
  const mem = a.opts.mem !== undefined ? hexToBytes(a.opts.mem as string) : undefined;
  const packet = a.opts.packet !== undefined ? hexToBytes(a.opts.packet as string) : undefined;
  const ctx = a.opts.ctx !== undefined ? hexToBytes(a.opts.ctx as string) : undefined;
  const vm = new Vm({ helpers, engine, ...(budget !== undefined ? { budget } : {}) });
  try {
    const r = vm.load(bytes, { progType: progType(a.opts.type as string | undefined) }).run({ mem, packet, ctx });
    if (a.opts.json) {
      const o: Record<string, unknown> = { r0: '0x' + r.r0.toString(16), insns: r.insnsExecuted };
      if (mem !== undefined) o.mem = bytesToHex(mem);
      if (packet !== undefined) o.packet = bytesToHex(packet);
      if (vm.env.traceOutput.length > 0) o.trace = vm.env.traceOutput;
      io.stdout(JSON.stringify(o) + '\n');
    } else {
      for (const t of vm.env.traceOutput) io.stderr(`trace: ${t}${t.endsWith('\n') ? '' : '\n'}`);
      io.stdout('0x' + r.r0.toString(16) + '\n');
    }
    return 0;
  } catch (e) {
    if (a.opts.json && e instanceof BpfError) io.stdout(JSON.stringify({ error: e.toJSON() }) + '\n');
    throw e;
  }
}

interface BatchDefaults {
  engine: string;
  budget: number | undefined;
  helpers: HelperRegistry;
}

function errorJson(e: BpfError): Record<string, unknown> {
  const o: Record<string, unknown> = { code: e.code, message: e.message };
  if (e.pc !== undefined) o.pc = e.pc;
  return o;
}

/** `run --batch`: one JSON object per stdin line, one result line each; a bad line never stops the batch. */
async function runBatch(io: CliIo, d: BatchDefaults): Promise<number> {
  const vms = new Map<string, Vm>();
  const vmFor = (engine: string): Vm => {
    let vm = vms.get(engine);
    if (vm === undefined) {
      vm = new Vm({ helpers: d.helpers, engine, ...(d.budget !== undefined ? { budget: d.budget } : {}) });
      vms.set(engine, vm);
    }
    return vm;
  };
  let lineNo = 0;
  for await (const line of io.stdinLines()) {
    lineNo++;
    if (line.trim() === '') continue;
    let id: unknown = null;
    try {
      let o: Record<string, unknown>;
      try {
        const v: unknown = JSON.parse(line);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
        o = v as Record<string, unknown>;
      } catch (e) {
        throw new InputError(`invalid JSON: ${(e as Error).message}`, { line: lineNo });
      }
      id = o.id ?? null;
      const str = (k: string): string | undefined => {
        const v = o[k];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== 'string') throw new InputError(`"${k}" must be a string`, { line: lineNo, path: `$.${k}` });
        return v;
      };
      const asm = str('asm'), hex = str('hex');
      if ((asm === undefined) === (hex === undefined)) throw new InputError('give exactly one of "asm" and "hex"', { line: lineNo });
      const engine = str('engine') ?? d.engine;
      const vm = vmFor(engine);
      const memHex = str('mem');
      const mem = memHex !== undefined ? hexToBytes(memHex) : undefined;
      let budget: number | undefined;
      if (o.budget !== undefined) {
        if (typeof o.budget !== 'number' || !Number.isSafeInteger(o.budget) || o.budget < 0) throw new InputError('"budget" must be a non-negative integer', { line: lineNo, path: '$.budget' });
        budget = o.budget;
      }
      const bytes = asm !== undefined ? assemble(asm).bytes : hexToBytes(hex!);
      vm.env.traceOutput.length = 0;
      const r = vm.load(bytes, { progType: progType(str('type')) }).run({ mem, ...(budget !== undefined ? { budget } : {}) });
      io.stdout(JSON.stringify({ id, r0: '0x' + r.r0.toString(16) }) + '\n');
    } catch (e) {
      if (!(e instanceof BpfError)) throw e;
      const err = errorJson(e);
      if (!(e instanceof InputError)) err.message = `line ${lineNo}: ${e.message}`;
      io.stdout(JSON.stringify({ id, error: err }) + '\n');
    }
  }
  return 0;
}
