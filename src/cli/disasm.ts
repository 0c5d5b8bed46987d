/**
 * `bpfsim disasm FILE.bin | - | --hex HEX [--style kernel|llvm|ubpf] [--json] [--strict]`:
 * disassembles raw eBPF bytes (src/asm/disasm.ts). Lines are numbered by
 * instruction slot like the verifier log (`0: (b7) r0 = 0` in kernel style).
 */
import { disasmInsn, type DisasmStyle } from '../asm/disasm.js';
import { decodeProgram, hexToBytes } from '../isa/insn.js';
import { type CliIo, parseArgs, readInput, usage } from './io.js';

const HELP = `usage: bpfsim disasm FILE.bin | - | --hex HEX [--style kernel|llvm|ubpf] [--json] [--strict]

Disassembles eBPF bytecode (FILE.bin: raw bytes; -: hex text on stdin). kernel style prints what the verifier log prints
(\`0: (b7) r0 = 0\`); llvm is llvm-objdump's syntax; ubpf the bpf_conformance
assembler's. --strict: kernel text even where it is lossy (callx, map loads).
--json: one JSON array of {pc, code, dst, src, off, imm, text}.
`;

const STYLES: readonly DisasmStyle[] = ['kernel', 'llvm', 'ubpf'];

/** The `disasm` command. */
export default async function disasmCommand(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, { hex: { value: true }, style: { value: true }, json: {}, strict: {}, help: { short: 'h' } });
  if (a.opts.help) {
    io.stdout(HELP);
    return 0;
  }
  const style = (a.opts.style as string | undefined) ?? 'kernel';
  if (!STYLES.includes(style as DisasmStyle)) throw usage(`--style must be one of ${STYLES.join(', ')}`);
  let bytes: Uint8Array;
  if (a.opts.hex !== undefined) {
    if (a.positional.length) throw usage('give either FILE or --hex, not both');
    bytes = hexToBytes(a.opts.hex as string);
  } else {
    if (a.positional.length !== 1) throw usage('disasm needs FILE.bin, - (hex on stdin) or --hex HEX');
    // `-`: hex text on standard input (so that `bpfsim asm x.s | bpfsim disasm -` works).
    bytes = a.positional[0] === '-' ? hexToBytes(await io.readStdin()) : await readInput(a.positional[0]!, io);
  }
  const p = decodeProgram(bytes);
  const opts = { style: style as DisasmStyle, code: style === 'kernel', strict: !!a.opts.strict };
  const rows: { pc: number; code: string; dst: number; src: number; off: number; imm: number; text: string }[] = [];
  for (let pc = 0; pc < p.length; pc++) {
    const row = p.rowAt(pc);
    if (row === undefined) continue; // second ld_imm64 slot
    const x = p.insn(pc);
    const text = disasmInsn(x, row.slots === 2 ? p.insn(pc + 1) : undefined, opts);
    rows.push({ pc, code: x.code.toString(16).padStart(2, '0'), dst: x.dst, src: x.src, off: x.off, imm: x.imm, text });
  }
  if (a.opts.json) io.stdout(JSON.stringify(rows) + '\n');
  else io.stdout(rows.map((r) => `${r.pc}: ${r.text}\n`).join(''));
  return 0;
}
