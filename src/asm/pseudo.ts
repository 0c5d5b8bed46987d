/**
 * Shared text conventions of the assembler and disassembler: ld_imm64 pseudo
 * sources (`map[id:N]`, ... in the style of bpftool's `print_imm`, since the
 * kernel's own `kernel/bpf/disasm.c` prints them as a bare `0x...` that loses
 * the source), register names, number formatting.
 */
import { PseudoSrc } from '../isa/opcodes.js';

/**
 * The text of an ld_imm64 with a pseudo source (`src` 1..6), or undefined for
 * src 0 (a plain constant). `lo`/`hi` are the `imm` fields of the two slots.
 *
 * | src | text |
 * | --- | --- |
 * | 1 MAP_FD | `map[id:LO]` |
 * | 2 MAP_VALUE | `map[id:LO][0]+HI` |
 * | 3 BTF_ID | `btf_id[LO]` |
 * | 4 FUNC | `subprog[+LO]` (relative slot, like a pseudo call) |
 * | 5 MAP_IDX | `map[idx:LO]` |
 * | 6 MAP_IDX_VALUE | `map[idx:LO][0]+HI` |
 *
 * Where a form without `+HI` meets a non-zero `hi`, `+HI` is appended
 * (`btf_id[7]+1`), so that the text always determines the bytes.
 */
export function pseudoImmText(src: number, lo: number, hi: number): string | undefined {
  const ulo = lo >>> 0;
  const uhi = hi >>> 0;
  const plusHi = uhi !== 0 ? `+${uhi}` : '';
  switch (src) {
    case PseudoSrc.MAP_FD: return `map[id:${ulo}]${plusHi}`;
    case PseudoSrc.MAP_VALUE: return `map[id:${ulo}][0]+${uhi}`;
    case PseudoSrc.BTF_ID: return `btf_id[${ulo}]${plusHi}`;
    case PseudoSrc.FUNC: return `subprog[${signed(lo)}]${plusHi}`;
    case PseudoSrc.MAP_IDX: return `map[idx:${ulo}]${plusHi}`;
    case PseudoSrc.MAP_IDX_VALUE: return `map[idx:${ulo}][0]+${uhi}`;
    default: return undefined;
  }
}

/** `%+d`: a signed decimal with an explicit `+` for non-negative values. */
export function signed(v: number): string {
  return v < 0 ? String(v) : `+${v}`;
}

/** The 64-bit immediate of an ld_imm64 from its two `imm` fields, unsigned. */
export function imm64Of(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
