/**
 * `bpfsim run OBJ.o --section NAME [...]`: loads an ELF object (src/elf),
 * applies `--map NAME=JSON` user-space updates, runs one program and prints
 * r0 (0x-prefixed hex, like `bpfsim run`), optionally the maps afterwards.
 * Dispatched from src/cli/run.ts when the file is an ELF object.
 */
import { existsSync, readFileSync } from 'node:fs';
import { BpfError, InputError } from '../errors.js';
import { loadCollection, type LoadedCollection } from '../elf/load.js';
import { readCollectionSpec } from '../elf/reader.js';
import { hexToBytes } from '../isa/insn.js';
import type { ProgTypeName } from '../isa/prog-types.js';
import { ArrayMap, PerfEventArrayMap, ProgArrayMap } from '../maps/array.js';
import { toHex, type BpfMap } from '../maps/base.js';
import { RingbufMap } from '../maps/ringbuf.js';
import { ctxLayout, isProgTypeName } from '../vm/ctx.js';
import { createEnv } from '../vm/env.js';
import { Vm } from '../vm/vm.js';
import { type CliIo, parseArgs, readInput, usage } from './io.js';

const HELP = `usage: bpfsim run OBJ.o [--section NAME] [--mem HEX | --packet HEX] [--ctx HEX|FILE]
                   [--map NAME=JSON]... [--dump-maps] [--json] [--repeat N] [--type T] [--budget N] [--nr-cpus N]

Loads an ELF BPF object (maps, .data/.bss/.rodata, subprograms, prog arrays),
runs the program named by --section (a section name or a program name; optional
when the object has one program) and prints r0 as 0x-prefixed hex.

  --mem HEX        input bytes: the packet for xdp / skb program types, the
                   ctx for other types (seccomp: struct seccomp_data)
  --packet HEX     the packet (xdp / skb types)
  --ctx HEX|FILE   ctx bytes as hex, or a file holding them (raw bytes or hex text)
  --map NAME=JSON  store into map NAME before the run (user-space updates, repeatable):
                   {"KEY": VALUE, ...} or [{"key": KEY, "value": VALUE}, ...];
                   KEY: a decimal index (4-byte keys) or hex bytes; VALUE: hex bytes
                   (zero-padded), a number (little-endian), or for prog arrays a program name
  --dump-maps      print every map after the run (ring buffer / perf records too)
  --json           print {"r0","insns","maps"?,"trace"?} as JSON
  --repeat N       run N times on fresh copies of the input (maps keep their state); print the last r0
  --type T         override the program type from the section name
  --budget N       instruction budget (default 1000000)
  --nr-cpus N      possible CPUs for per-CPU maps (default 1)
`;

function parseHex(v: string, what: string): Uint8Array {
  try {
    return hexToBytes(v);
  } catch {
    throw usage(`${what}: not hex: ${JSON.stringify(v.slice(0, 40))}`);
  }
}

function ctxArg(v: string): Uint8Array {
  if (existsSync(v)) {
    const raw = new Uint8Array(readFileSync(v));
    const text = new TextDecoder().decode(raw).trim();
    return /^(0x)?[0-9a-fA-F\s_]*$/.test(text) && text.length > 0 ? parseHex(text, `--ctx ${v}`) : raw;
  }
  return parseHex(v, '--ctx');
}

function bytesOf(v: unknown, size: number, path: string, what: string): Uint8Array {
  const out = new Uint8Array(size);
  if (typeof v === 'number' || typeof v === 'bigint') {
    let n = BigInt(v);
    if (n < 0n) n = BigInt.asUintN(size * 8, n);
    for (let i = 0; i < size; i++, n >>= 8n) out[i] = Number(n & 0xffn);
    if (n !== 0n) throw new InputError(`${what} ${v} does not fit in ${size} bytes`, { path });
    return out;
  }
  if (typeof v !== 'string' || !/^(0x)?[0-9a-fA-F]*$/.test(v) || v.replace(/^0x/, '').length % 2 !== 0) {
    throw new InputError(`${what} must be a hex string or a number`, { path });
  }
  const b = hexToBytes(v.replace(/^0x/, ''));
  if (b.length > size) throw new InputError(`${what} is ${b.length} bytes, more than ${size}`, { path });
  out.set(b);
  return out;
}

function keyOf(k: unknown, m: BpfMap, path: string): Uint8Array {
  if (typeof k === 'string' && /^\d+$/.test(k) && m.keySize === 4) return bytesOf(Number(k), 4, path, 'key');
  if (typeof k === 'number') return bytesOf(k, m.keySize, path, 'key');
  const b = bytesOf(k, m.keySize, path, 'key');
  if (typeof k === 'string' && k.replace(/^0x/, '').length / 2 !== m.keySize) throw new InputError(`key must be ${m.keySize} bytes`, { path });
  return b;
}

/** Applies one `--map NAME=JSON` option. */
function applyMapOption(col: LoadedCollection, opt: string): void {
  const eq = opt.indexOf('=');
  if (eq <= 0) throw usage(`--map needs NAME=JSON, not ${JSON.stringify(opt)}`);
  const name = opt.slice(0, eq);
  const m = col.map(name);
  let data: unknown;
  try {
    data = JSON.parse(opt.slice(eq + 1));
  } catch (e) {
    throw new InputError(`--map ${name}: invalid JSON: ${(e as Error).message}`, { path: '$' });
  }
  const pairs: Array<[unknown, unknown, string]> = Array.isArray(data)
    ? data.map((e, i) => {
      if (typeof e !== 'object' || e === null) throw new InputError(`--map ${name}: expected {"key","value"}`, { path: `$[${i}]` });
      return [(e as Record<string, unknown>).key, (e as Record<string, unknown>).value, `$[${i}]`];
    })
    : typeof data === 'object' && data !== null
      ? Object.entries(data).map(([k, v]) => [k, v, `$[${JSON.stringify(k)}]`])
      : (() => { throw new InputError(`--map ${name}: expected an object or an array`, { path: '$' }); })();
  for (const [k, v, path] of pairs) {
    const key = keyOf(k, m, path);
    if (m instanceof ProgArrayMap && typeof v === 'string' && col.programs.has(v)) {
      m.setProgram(new DataView(key.buffer).getUint32(0, true), col.programs.get(v)!, [...col.programs.keys()].indexOf(v) + 1);
      continue;
    }
    m.update(key, bytesOf(v, m.userValueSize, path, 'value'));
  }
}

/** Map contents as JSON-ready data. */
function dumpMap(m: BpfMap): Record<string, unknown> {
  const o: Record<string, unknown> = { type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags };
  if (m.frozen) o.frozen = true;
  if (m instanceof RingbufMap) o.records = m.pending().map(toHex);
  else if (m instanceof PerfEventArrayMap) o.events = m.events.map((e) => ({ index: e.index, data: toHex(e.data) }));
  else {
    let entries = m.entries();
    if (m instanceof ArrayMap) {
      const all = entries.length;
      entries = entries.filter(([, v]) => v.some((b) => b !== 0));
      if (all > entries.length) o.zeroElided = all - entries.length;
    }
    o.entries = entries.map(([k, v]) => ({ key: toHex(k), value: toHex(v) }));
  }
  return o;
}

/**
 * Runs a program of an ELF object (`bpfsim run OBJ.o ...`); argv is the whole
 * `run` argument list. Returns the exit status.
 * @throws BpfError (USAGE, ELF, MAP, faults) for the caller to report
 */
export async function runObjectCommand(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, {
    section: { value: true }, mem: { value: true }, packet: { value: true }, ctx: { value: true },
    map: { value: true, multiple: true }, 'dump-maps': {}, json: {}, type: { value: true }, budget: { value: true },
    engine: { value: true }, 'nr-cpus': { value: true }, helpers: { value: true }, repeat: { value: true }, help: { short: 'h' },
  });
  if (a.opts.help) {
    io.stdout(HELP);
    return 0;
  }
  if (a.positional.length !== 1) throw usage('give exactly one object file');
  const budget = a.opts.budget === undefined ? undefined : Number(a.opts.budget);
  if (budget !== undefined && !(Number.isSafeInteger(budget) && budget >= 0)) throw usage('--budget must be a non-negative integer');
  const repeat = a.opts.repeat === undefined ? 1 : Number(a.opts.repeat);
  if (!(Number.isSafeInteger(repeat) && repeat >= 1)) throw usage('--repeat must be a positive integer');
  const nrCpus = a.opts['nr-cpus'] === undefined ? 1 : Number(a.opts['nr-cpus']);
  if (!(Number.isInteger(nrCpus) && nrCpus >= 1 && nrCpus <= 4096)) throw usage('--nr-cpus must be 1..4096');
  const spec = readCollectionSpec(await readInput(a.positional[0]!, io));
  const vm = new Vm({
    env: createEnv({ nrCpus }),
    ...(budget !== undefined ? { budget } : {}),
    ...(a.opts.engine !== undefined ? { engine: a.opts.engine as string } : {}),
  });
  const override = a.opts.type as string | undefined;
  if (override !== undefined) {
    if (!isProgTypeName(override)) throw usage(`unknown program type '${override}'`);
    for (const p of spec.programs) p.type = override as ProgTypeName;
  }
  const col = loadCollection(spec, { vm, nrCpus });
  let section = a.opts.section as string | undefined;
  if (section === undefined) {
    if (spec.programs.length !== 1) throw usage(`--section is needed: the object has ${spec.programs.length} programs (${spec.programs.map((p) => `${p.name} in ${p.section}`).join(', ')})`);
    section = spec.programs[0]!.name;
  }
  const prog = col.program(section);
  for (const opt of (a.opts.map as string[] | undefined) ?? []) applyMapOption(col, opt);
  const type = prog.progType;
  let packet = a.opts.packet !== undefined ? parseHex(a.opts.packet as string, '--packet') : undefined;
  let ctx = a.opts.ctx !== undefined ? ctxArg(a.opts.ctx as string) : undefined;
  let mem: Uint8Array | undefined;
  if (a.opts.mem !== undefined) {
    const b = parseHex(a.opts.mem as string, '--mem');
    if (type === 'raw') mem = b;
    else if (ctxLayout(type) !== undefined) packet = b;
    else ctx = b;
  }
  if (ctxLayout(type) !== undefined && packet === undefined) packet = new Uint8Array(0);
  try {
    const input = (): Parameters<typeof prog.run>[0] => ({
      ...(mem ? { mem: mem.slice() } : {}), ...(packet ? { packet: packet.slice() } : {}), ...(ctx ? { ctx: ctx.slice() } : {}),
    });
    let r = prog.run(input());
    for (let i = 1; i < repeat; i++) r = prog.run(input());
    const maps = a.opts['dump-maps'] ? Object.fromEntries([...col.maps].map(([n, m]) => [n, dumpMap(m)])) : undefined;
    if (a.opts.json) {
      const o: Record<string, unknown> = { r0: '0x' + r.r0.toString(16), insns: r.insnsExecuted };
      if (maps) o.maps = maps;
      if (vm.env.traceOutput.length) o.trace = vm.env.traceOutput;
      io.stdout(JSON.stringify(o) + '\n');
    } else {
      for (const t of vm.env.traceOutput) io.stderr(`trace: ${t}${t.endsWith('\n') ? '' : '\n'}`);
      io.stdout('0x' + r.r0.toString(16) + '\n');
      if (maps) {
        for (const [n, d] of Object.entries(maps)) {
          io.stdout(`map ${n} (${d.type}, key ${d.keySize}, value ${d.valueSize}, max_entries ${d.maxEntries}${d.frozen ? ', frozen' : ''}):\n`);
          for (const e of (d.entries as Array<{ key: string; value: string }> | undefined) ?? []) io.stdout(`  ${e.key}: ${e.value}\n`);
          for (const rec of (d.records as string[] | undefined) ?? []) io.stdout(`  record ${rec}\n`);
          for (const ev of (d.events as Array<{ index: number; data: string }> | undefined) ?? []) io.stdout(`  event cpu ${ev.index}: ${ev.data}\n`);
          if (d.zeroElided) io.stdout(`  (${d.zeroElided} all-zero elements not shown)\n`);
        }
      }
    }
    return 0;
  } catch (e) {
    if (a.opts.json && e instanceof BpfError) io.stdout(JSON.stringify({ error: e.toJSON() }) + '\n');
    throw e;
  }
}

/** `bpfsim run` forwards here; also usable as a command function. */
export default runObjectCommand;

