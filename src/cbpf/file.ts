/**
 * Reading classic programs from files in the formats people have them in:
 *
 * - `bin`: raw `struct sock_filter` array, native (little-endian) byte order,
 *   as libseccomp's seccomp_export_bpf writes it;
 * - `hex`: hex text of those bytes (koracle's format);
 * - `bytecode`: bpf_asm / `tcpdump -ddd` decimal form (`4,40 0 0 12,21 0 1 2048,...`
 *   or one `code jt jf k` per line after a count line);
 * - `c`: C initialisers `{ 0x28, 0, 0, 0x0000000c },` (bpf_asm -c, tcpdump -dd);
 * - `asm`: bpf_asm source (see asm.ts).
 */
import { BpfError, ErrorCode } from '../errors.js';
import { type SockFilter, decodeFilter, filterFromHex, sockFilter } from './insn.js';
import { assembleCbpf, parseCbpfNumber } from './asm.js';

/** Input format of a classic program file. */
export type CbpfFileFormat = 'bin' | 'hex' | 'bytecode' | 'c' | 'asm';

/** Guesses the format of file contents. */
export function detectCbpfFormat(bytes: Uint8Array): CbpfFileFormat {
  for (const b of bytes) if (b === 0 || (b < 0x20 && b !== 9 && b !== 10 && b !== 13) || b > 0x7e) return 'bin';
  const text = new TextDecoder().decode(bytes).trim();
  if (text === '') return 'bin';
  if (/^\d+\s*,(\s*\d+\s+\d+\s+\d+\s+\d+\s*,?)*$/.test(text)) return 'bytecode';
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length > 1 && /^\d+$/.test(lines[0]!) && lines.slice(1).every((l) => /^\d+\s+\d+\s+\d+\s+\d+$/.test(l))) return 'bytecode';
  if (/\{\s*(0x[0-9a-f]+|\d+)\s*,/i.test(text)) return 'c';
  if (/^[\s0-9a-fA-F_x,]*$/.test(text) && /[0-9a-f]{8}/i.test(text)) return 'hex';
  return 'asm';
}

/**
 * Parses a classic program in the given (or detected) format.
 * @throws BpfError PARSE / TRUNCATED, AsmError for assembler errors.
 */
export function parseCbpfFile(bytes: Uint8Array, format: CbpfFileFormat = detectCbpfFormat(bytes)): SockFilter[] {
  const text = () => new TextDecoder().decode(bytes);
  switch (format) {
    case 'bin': return decodeFilter(bytes);
    case 'hex': return filterFromHex(text());
    case 'asm': return assembleCbpf(text());
    case 'c': {
      const out: SockFilter[] = [];
      for (const m of text().matchAll(/\{\s*([^,}]+),\s*([^,}]+),\s*([^,}]+),\s*([^,}]+?)\s*\}/g)) {
        const v = m.slice(1, 5).map((x) => parseCbpfNumber(x.trim()));
        if (v.some((x) => x === undefined)) throw new BpfError(ErrorCode.Parse, `cannot parse initialiser ${m[0]}`, out.length);
        out.push(checkedInsn(v[0]!, v[1]!, v[2]!, v[3]!, out.length));
      }
      if (out.length === 0) throw new BpfError(ErrorCode.Parse, 'no { code, jt, jf, k } initialisers found');
      return out;
    }
    case 'bytecode': {
      const t = text().trim();
      const groups = t.includes(',') ? t.split(',').map((x) => x.trim()).filter((x) => x !== '') : t.split(/\r?\n/).map((x) => x.trim()).filter((x) => x !== '');
      const count = Number(groups[0]);
      const insns = groups.slice(1).map((g, i) => {
        const p = g.split(/\s+/).map(Number);
        if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0)) throw new BpfError(ErrorCode.Parse, `bad bytecode group '${g}'`, i);
        return checkedInsn(p[0]!, p[1]!, p[2]!, p[3]!, i);
      });
      if (count !== insns.length) throw new BpfError(ErrorCode.Parse, `bytecode says ${count} instructions but has ${insns.length}`);
      return insns;
    }
  }
}

function checkedInsn(code: number, jt: number, jf: number, k: number, pc: number): SockFilter {
  if (code > 0xffff || jt > 0xff || jf > 0xff || k > 0xffffffff) {
    throw new BpfError(ErrorCode.Parse, `field out of range in { ${code}, ${jt}, ${jf}, ${k} } (code u16, jt/jf u8, k u32)`, pc);
  }
  return sockFilter(code, jt, jf, k);
}

/** The bpf_asm default output form: `N,code jt jf k,...` (decimal). */
export function formatBytecode(filter: readonly SockFilter[]): string {
  return [String(filter.length), ...filter.map((f) => `${f.code} ${f.jt} ${f.jf} ${f.k >>> 0}`)].join(',');
}
