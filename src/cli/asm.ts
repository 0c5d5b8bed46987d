/**
 * `bpfsim asm [FILE|-] [--syntax auto|kernel|llvm|ubpf] [--out FILE.bin] [--hex]`:
 * assembles eBPF source (src/asm) and prints the program as hex, one
 * instruction slot (16 hex digits, bytes in memory order) per line, or writes
 * the raw bytes to `--out` (hex text there with `--hex`).
 */
import { writeFileSync } from 'node:fs';
import { assemble } from '../asm/assemble.js';
import type { AsmSyntax } from '../asm/parse.js';
import { BpfError, ErrorCode } from '../errors.js';
import { bytesToHex } from '../isa/insn.js';
import { type CliIo, parseArgs, readInput, usage } from './io.js';

const HELP = `usage: bpfsim asm [FILE|-] [--syntax auto|kernel|llvm|ubpf] [--out FILE.bin] [--hex]

Assembles eBPF source (kernel verifier-log, llvm-objdump or bpf_conformance/uBPF
syntax, mixed per line; labels; # // ; comments). Without --out, prints one
instruction slot per line as 16 hex digits (bytes in memory order). With --out,
writes the raw bytes (or, with --hex, the hex text) to the file.
`;

const SYNTAXES: readonly AsmSyntax[] = ['auto', 'kernel', 'llvm', 'ubpf'];

/** Hex text of program bytes: one 8-byte slot per line. */
export function slotsHex(bytes: Uint8Array): string {
  let s = '';
  for (let o = 0; o < bytes.length; o += 8) s += bytesToHex(bytes.subarray(o, o + 8)) + '\n';
  return s;
}

/** The `asm` command. */
export default async function asmCommand(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, { syntax: { value: true }, out: { value: true, short: 'o' }, hex: {}, help: { short: 'h' } });
  if (a.opts.help) {
    io.stdout(HELP);
    return 0;
  }
  if (a.positional.length > 1) throw usage('asm takes one input file');
  const syntax = (a.opts.syntax as string | undefined) ?? 'auto';
  if (!SYNTAXES.includes(syntax as AsmSyntax)) throw usage(`--syntax must be one of ${SYNTAXES.join(', ')}`);
  const file = a.positional[0] ?? '-';
  const text = new TextDecoder().decode(await readInput(file, io));
  const r = assemble(text, { syntax: syntax as AsmSyntax });
  const out = a.opts.out as string | undefined;
  if (out === undefined) {
    io.stdout(slotsHex(r.bytes));
    return 0;
  }
  try {
    writeFileSync(out, a.opts.hex ? slotsHex(r.bytes) : r.bytes);
  } catch (e) {
    throw new BpfError(ErrorCode.Usage, `cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return 0;
}
