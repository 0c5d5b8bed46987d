/**
 * `bpfsim inspect OBJ.o [--json]`: what an ELF object declares — programs
 * (name, section, type, instruction slots after linking, subprograms), maps
 * (type, sizes, flags, frozen, initial values) and relocations — read with
 * src/elf without loading anything.
 */
import { readCollectionSpec } from '../elf/reader.js';
import type { CollectionSpec } from '../elf/spec.js';
import { mapFlagNames } from '../maps/spec.js';
import { type CliIo, parseArgs, readInput, usage } from './io.js';

const HELP = `usage: bpfsim inspect OBJ.o [--json]

Lists the programs (section, program type, instruction slots after linking
subprograms, map references), maps (type, key/value size, max_entries, flags,
frozen, initial contents) and relocations of an ELF BPF object as clang
-target bpf emits it. --json prints the collection spec as JSON
(instructions as hex).
`;

/** The collection spec as JSON-ready data (instructions as hex). */
export function specToJson(spec: CollectionSpec): Record<string, unknown> {
  return {
    license: spec.license,
    version: spec.version,
    programs: spec.programs.map((p) => ({
      name: p.name, section: p.section, type: p.type, ...(p.attachTo !== undefined ? { attachTo: p.attachTo } : {}),
      insnSlots: p.insns.length / 8, subprograms: p.subprograms, references: p.references,
      insns: Buffer.from(p.insns).toString('hex'),
    })),
    maps: spec.maps.map((m) => ({ ...m, flagNames: mapFlagNames(m.flags) })),
    relocations: spec.relocations,
  };
}

function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => '  ' + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd() + '\n').join('');
}

/** Human-readable listing of a collection spec. */
export function formatSpec(spec: CollectionSpec, file: string): string {
  let out = `${file}: license ${JSON.stringify(spec.license)}, version 0x${spec.version.toString(16)}\n`;
  out += `programs (${spec.programs.length}):\n`;
  out += table([['NAME', 'SECTION', 'TYPE', 'SLOTS', 'SUBPROGRAMS', 'MAPS'], ...spec.programs.map((p) => [
    p.name, p.section, p.type, String(p.insns.length / 8), p.subprograms.join(',') || '-',
    [...new Set(p.references.map((r) => r.map))].join(',') || '-',
  ])]);
  out += `maps (${spec.maps.length}):\n`;
  out += table([['NAME', 'TYPE', 'KEY', 'VALUE', 'MAX_ENTRIES', 'FLAGS', 'NOTES'], ...spec.maps.map((m) => {
    const notes: string[] = [];
    if (m.frozen) notes.push('frozen');
    if (m.contents?.length) notes.push(`${m.contents.length} initial value(s)`);
    if (m.values?.length) notes.push('values ' + m.values.map((v) => `[${v.index}]=${v.program ?? v.map}`).join(' '));
    if (m.pinning) notes.push(`pinning ${m.pinning}`);
    return [m.name ?? '', m.type, String(m.keySize), String(m.valueSize), String(m.maxEntries), mapFlagNames(m.flags).join('|') || '0', notes.join(', ')];
  })]);
  out += `relocations (${spec.relocations.length}):\n`;
  out += table([['SECTION', 'OFFSET', 'TYPE', 'SYMBOL', 'TARGET'], ...spec.relocations.map((r) => [
    r.section, '0x' + r.offset.toString(16), r.type, r.symbol, r.target,
  ])]);
  return out;
}

/** The `inspect` command. */
export default async function inspectCommand(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, { json: {}, help: { short: 'h' } });
  if (a.opts.help) {
    io.stdout(HELP);
    return 0;
  }
  if (a.positional.length !== 1) throw usage('inspect takes one object file');
  const file = a.positional[0]!;
  const spec = readCollectionSpec(await readInput(file, io));
  io.stdout(a.opts.json ? JSON.stringify(specToJson(spec), null, 2) + '\n' : formatSpec(spec, file));
  return 0;
}
