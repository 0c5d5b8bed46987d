/**
 * `bpfsim verify FILE | --hex HEX [--prog-type TYPE] [--map SPEC]… [--log-level 1|2] [--flags N] [--json]`
 * and `bpfsim verify --batch` (JSON lines on stdin): runs the static verifier
 * (src/verifier) and reports accept/reject with the kernel's message. Exit
 * status 0 accepted, 1 rejected (or error), 2 usage.
 */
import { InputError } from '../errors.js';
import { readCollectionSpec } from '../elf/index.js';
import { hexToBytes } from '../isa/insn.js';
import { ProgType, type ProgTypeName } from '../isa/prog-types.js';
import { MapType, type MapSpec, type MapTypeName, parseMapFlags } from '../maps/spec.js';
import { verify, type VerifyResult } from '../verifier/index.js';
import { type CliIo, parseArgs, readInput, usage } from './io.js';

const HELP = `usage: bpfsim verify FILE | --hex HEX | OBJ.o [--section S] [--prog-type TYPE] [--map SPEC]... [--log-level 0|1|2]
                     [--flags N] [--mem-size N] [--json]
       bpfsim verify --batch  < lines.jsonl

Verifies an eBPF program as a privileged Linux 6.18 loader would.
FILE holds raw instruction bytes, hex text, or an ELF object (--section picks the
program by section or function name; default the first; its maps come first,
then --map maps; its section gives the program type unless --prog-type).
TYPE: a kernel program type in lower case (socket_filter, xdp, sched_cls, ...),
or seccomp or raw (default socket_filter).
--map SPEC: TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES[:FLAG,FLAG...][:frozen], or a JSON
object {"type","keySize","valueSize","maxEntries","flags":[...],"frozen"}; the n-th
--map is map index n for ld_imm64 (src 1/2/5/6: imm = index).
--flags: prog_flags (1 BPF_F_STRICT_ALIGNMENT, 2 BPF_F_ANY_ALIGNMENT).
--batch: stdin lines {"id","hex","progType","maps":[...],"progFlags","logLevel"} ->
stdout lines {"id","accepted","pc","message","insnsProcessed"}.
Exit status: 0 accepted, 1 rejected, 2 usage error.
`;

/** Parses a map given on the command line or in a batch line. */
export function parseMapSpec(spec: unknown, where: string): MapSpec {
  if (typeof spec === 'string') {
    if (spec.trim().startsWith('{')) {
      try { return parseMapSpec(JSON.parse(spec), where); } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError(`invalid JSON map spec: ${(e as Error).message}`, { path: where });
      }
    }
    const parts = spec.split(':');
    if (parts.length < 4) throw new InputError('map spec needs TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES', { path: where });
    const [type, ks, vs, me, ...rest] = parts;
    const frozen = rest.includes('frozen');
    const flags = rest.filter((x) => x !== 'frozen' && x !== '').flatMap((x) => x.split(','));
    return checkMap({ type, keySize: Number(ks), valueSize: Number(vs), maxEntries: Number(me), flags, frozen }, where);
  }
  if (spec === null || typeof spec !== 'object') throw new InputError('map spec must be an object or a string', { path: where });
  return checkMap(spec as Record<string, unknown>, where);
}

function checkMap(o: Record<string, unknown>, where: string): MapSpec {
  const type = o.type;
  if (typeof type !== 'string' || !(type in MapType)) throw new InputError(`unknown map type ${JSON.stringify(type)}`, { path: `${where}.type` });
  const num = (k: string): number => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new InputError(`${k} must be a non-negative integer`, { path: `${where}.${k}` });
    return v;
  };
  let flags = 0;
  try {
    const f = o.flags ?? [];
    flags = typeof f === 'number' ? f : parseMapFlags(Array.isArray(f) ? (f as Array<string | number>) : [String(f)]);
  } catch (e) {
    throw new InputError((e as Error).message, { path: `${where}.flags` });
  }
  const m: MapSpec = { type: type as MapTypeName, keySize: num('keySize'), valueSize: num('valueSize'), maxEntries: num('maxEntries'), flags, frozen: o.frozen === true };
  if (Array.isArray(o.contents)) m.contents = o.contents as MapSpec['contents'];
  return m;
}

function checkProgType(t: unknown, where: string): ProgTypeName {
  if (typeof t !== 'string' || !(t in ProgType || t === 'seccomp' || t === 'raw')) {
    throw new InputError(`unknown program type ${JSON.stringify(t)}`, { path: where });
  }
  return t as ProgTypeName;
}

function resultJson(id: unknown, r: VerifyResult): string {
  return JSON.stringify({ id, accepted: r.accepted, pc: r.pc ?? null, message: r.message, insnsProcessed: r.insnsProcessed });
}

async function batch(io: CliIo): Promise<number> {
  let lineNo = 0;
  let allOk = true;
  for await (const line of io.stdinLines()) {
    lineNo++;
    if (line.trim() === '') continue;
    let id: unknown = null;
    try {
      let o: Record<string, unknown>;
      try { o = JSON.parse(line) as Record<string, unknown>; } catch (e) {
        throw new InputError(`invalid JSON: ${(e as Error).message}`, { line: lineNo });
      }
      if (o === null || typeof o !== 'object') throw new InputError('line must be a JSON object', { line: lineNo });
      id = o.id ?? null;
      if (typeof o.hex !== 'string') throw new InputError('hex must be a string', { line: lineNo, path: '$.hex' });
      const maps = Array.isArray(o.maps) ? o.maps.map((m, i) => parseMapSpec(m, `$.maps[${i}]`)) : [];
      const r = verify(hexToBytes(o.hex), {
        progType: checkProgType(o.progType ?? 'socket_filter', '$.progType'),
        maps,
        progFlags: typeof o.progFlags === 'number' ? o.progFlags : 0,
      });
      if (!r.accepted) allOk = false;
      io.stdout(resultJson(id, r) + '\n');
    } catch (e) {
      if (!(e instanceof Error) || !('code' in e)) throw e;
      allOk = false;
      io.stdout(JSON.stringify({ id, error: (e as Error).message, line: lineNo }) + '\n');
    }
  }
  return allOk ? 0 : 1;
}

/**
 * One program of an ELF object (by section or function name; default the
 * first), its maps, and ld_imm64 map references set to map indexes.
 */
function fromElf(file: Uint8Array, section: string | undefined): { bytes: Uint8Array; maps: MapSpec[]; type: string } {
  const spec = readCollectionSpec(file);
  if (spec.programs.length === 0) throw usage('the object has no programs');
  const prog = section === undefined ? spec.programs[0]! : spec.programs.find((p) => p.section === section || p.name === section);
  if (prog === undefined) throw usage(`no program in section or named ${JSON.stringify(section)} (have: ${spec.programs.map((p) => p.section).join(', ')})`);
  const bytes = prog.insns.slice();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const ref of prog.references) {
    const idx = spec.maps.findIndex((m) => m.name === ref.map);
    if (idx < 0) throw new InputError(`program references unknown map ${JSON.stringify(ref.map)}`, { path: prog.section });
    dv.setInt32(ref.slot * 8 + 4, idx, true);
    if (ref.kind === 'value') dv.setInt32(ref.slot * 8 + 12, ref.offset, true);
  }
  return { bytes, maps: [...spec.maps], type: prog.type === 'unspec' ? 'socket_filter' : prog.type };
}

/** The `verify` command. */
export default async function verifyCommand(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, {
    hex: { value: true }, 'prog-type': { value: true }, map: { value: true, multiple: true }, 'log-level': { value: true },
    flags: { value: true }, 'mem-size': { value: true }, json: {}, batch: {}, section: { value: true }, help: { short: 'h' },
  });
  if (a.opts.help) { io.stdout(HELP); return 0; }
  if (a.opts.batch) return batch(io);
  let bytes: Uint8Array;
  let elf: { bytes: Uint8Array; maps: MapSpec[]; type: string } | undefined;
  if (a.opts.hex !== undefined) {
    if (a.positional.length) throw usage('give either FILE or --hex, not both');
    bytes = hexToBytes(a.opts.hex as string);
  } else {
    if (a.positional.length !== 1) throw usage('verify needs FILE, --hex HEX or --batch');
    bytes = await readInput(a.positional[0]!, io);
    if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) {
      elf = fromElf(bytes, a.opts.section as string | undefined);
      bytes = elf.bytes;
    } else {
      const text = new TextDecoder().decode(bytes);
      if (/^[\s0-9a-fA-Fx,_]*$/.test(text) && text.trim() !== '') bytes = hexToBytes(text);
    }
  }
  if (a.opts.section !== undefined && elf === undefined) throw usage('--section applies to ELF objects');
  const progType = checkProgType((a.opts['prog-type'] as string | undefined) ?? elf?.type ?? 'socket_filter', '--prog-type');
  const maps = elf?.maps ?? [];
  maps.push(...((a.opts.map as string[] | undefined) ?? []).map((m, i) => parseMapSpec(m, `--map #${i}`)));
  const ll = (a.opts['log-level'] as string | undefined) ?? '1';
  if (!['0', '1', '2'].includes(ll)) throw usage('--log-level must be 0, 1 or 2');
  const flags = Number((a.opts.flags as string | undefined) ?? '0');
  if (!Number.isInteger(flags) || flags < 0) throw usage('--flags must be a non-negative integer');
  const memSize = Number((a.opts['mem-size'] as string | undefined) ?? '64');
  if (!Number.isInteger(memSize) || memSize < 0) throw usage('--mem-size must be a non-negative integer');
  const r = verify(bytes, { progType, maps, logLevel: Number(ll) as 0 | 1 | 2, progFlags: flags, rawMemSize: memSize });
  if (a.opts.json) {
    io.stdout(JSON.stringify({ accepted: r.accepted, pc: r.pc ?? null, message: r.message, insnsProcessed: r.insnsProcessed, errno: r.errno ?? null, log: r.log }) + '\n');
  } else {
    io.stdout(r.log);
    if (!r.log) io.stdout(r.accepted ? `accepted, processed ${r.insnsProcessed} insns\n` : `rejected: ${r.message}\n`);
  }
  return r.accepted ? 0 : 1;
}
