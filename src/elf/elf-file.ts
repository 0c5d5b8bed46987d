/**
 * ELF64 little-endian object reader for BPF (EM_BPF = 247): the file header,
 * section headers and names, the symbol table and SHT_REL relocations
 * (System V gABI, "ELF-64 Object File Format"; include/uapi/linux/elf.h).
 *
 * Every read is bounds-checked: a truncated file, an offset or size outside
 * the file, a bad string index or an inconsistent table is an
 * {@link ElfError} naming the section (or "ELF header") and the byte offset.
 */
import { ElfError } from '../errors.js';

/** e_machine of BPF objects. */
export const EM_BPF = 247;
/** Section header types used here. */
export const SHT = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, NOBITS: 8, REL: 9 } as const;
/** Section flags. */
export const SHF = { WRITE: 1, ALLOC: 2, EXECINSTR: 4 } as const;
/** Symbol types. */
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;
/** Symbol bindings. */
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;
/** Special section indexes. */
export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
/** BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def). */
export const R_BPF = { NONE: 0, R_64_64: 1, ABS64: 2, ABS32: 3, NODYLD32: 4, R_64_32: 10 } as const;

/** One section. */
export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
  /** The section's bytes (empty for SHT_NOBITS). */
  readonly data: Uint8Array;
}

/** One symbol. */
export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly bind: number;
  /** Section index (SHN_UNDEF for externs). */
  readonly shndx: number;
  readonly value: number;
  readonly size: number;
}

/** One SHT_REL entry. */
export interface ElfRel {
  readonly offset: number;
  readonly type: number;
  readonly symbol: ElfSymbol;
}

/** A parsed ELF64 object. */
export class ElfFile {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly sections: ElfSection[] = [];
  readonly symbols: ElfSymbol[] = [];
  /** Relocation sections by the index of the section they apply to. */
  readonly relocations = new Map<number, ElfRel[]>();

  /** @throws ElfError on malformed input */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.parseHeader();
  }

  private need(off: number, len: number, where: string): void {
    if (!(off >= 0 && len >= 0 && off + len <= this.bytes.length && Number.isSafeInteger(off + len))) {
      throw new ElfError(`${len} bytes at 0x${off.toString(16)} lie outside the ${this.bytes.length}-byte file`, where, off);
    }
  }

  private u64(off: number, where: string): number {
    const v = this.view.getBigUint64(off, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`value 0x${v.toString(16)} is too large`, where, off);
    return Number(v);
  }

  private parseHeader(): void {
    const H = 'ELF header';
    if (this.bytes.length < 64) throw new ElfError(`file is ${this.bytes.length} bytes, shorter than the 64-byte ELF64 header`, H, 0);
    const b = this.bytes;
    if (b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) throw new ElfError('not an ELF file (bad magic)', H, 0);
    if (b[4] !== 2) throw new ElfError(`ELF class ${b[4]} is not ELFCLASS64`, H, 4);
    if (b[5] !== 1) throw new ElfError(`data encoding ${b[5]} is not little-endian (ELFDATA2LSB)`, H, 5);
    if (b[6] !== 1) throw new ElfError(`ELF version ${b[6]} is not 1`, H, 6);
    const v = this.view;
    const type = v.getUint16(16, true);
    if (type !== 1) throw new ElfError(`e_type ${type} is not ET_REL (a relocatable object)`, H, 16);
    const machine = v.getUint16(18, true);
    if (machine !== EM_BPF) throw new ElfError(`e_machine ${machine} is not EM_BPF (247)`, H, 18);
    const shoff = this.u64(40, H);
    const shentsize = v.getUint16(58, true);
    const shnum = v.getUint16(60, true);
    const shstrndx = v.getUint16(62, true);
    if (shnum === 0) throw new ElfError('no section headers', H, 60);
    if (shentsize !== 64) throw new ElfError(`e_shentsize ${shentsize} is not 64`, H, 58);
    this.need(shoff, shnum * 64, 'section header table');
    if (shstrndx >= shnum) throw new ElfError(`e_shstrndx ${shstrndx} >= e_shnum ${shnum}`, H, 62);
    const raw: Array<Omit<ElfSection, 'name' | 'data'> & { nameOff: number }> = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * 64;
      const where = `section header ${i}`;
      raw.push({
        index: i, nameOff: v.getUint32(o, true), type: v.getUint32(o + 4, true), flags: this.u64(o + 8, where),
        offset: this.u64(o + 24, where), size: this.u64(o + 32, where), link: v.getUint32(o + 40, true),
        info: v.getUint32(o + 44, true), entsize: this.u64(o + 56, where),
      });
    }
    const shstr = raw[shstrndx]!;
    if (shstr.type !== SHT.STRTAB) throw new ElfError(`section name table (section ${shstrndx}) is not SHT_STRTAB`, H, 62);
    this.need(shstr.offset, shstr.size, `section ${shstrndx} (section names)`);
    const shstrData = this.bytes.subarray(shstr.offset, shstr.offset + shstr.size);
    for (const r of raw) {
      const name = r.index === 0 ? '' : cstr(shstrData, r.nameOff, `section header ${r.index}`, shstr.offset);
      let data: Uint8Array = new Uint8Array(0);
      if (r.type !== SHT.NOBITS && r.type !== SHT.NULL) {
        this.need(r.offset, r.size, name || `section ${r.index}`);
        data = this.bytes.subarray(r.offset, r.offset + r.size);
      }
      const { nameOff: _n, ...rest } = r;
      void _n;
      this.sections.push({ ...rest, name, data });
    }
    this.parseSymbols();
    this.parseRelocations();
  }

  private parseSymbols(): void {
    const symtabs = this.sections.filter((s) => s.type === SHT.SYMTAB);
    if (symtabs.length === 0) return;
    if (symtabs.length > 1) throw new ElfError('more than one symbol table', symtabs[1]!.name, symtabs[1]!.offset);
    const st = symtabs[0]!;
    if (st.size % 24 !== 0) throw new ElfError(`size ${st.size} is not a multiple of 24 (Elf64_Sym)`, st.name, st.offset);
    const strs = this.sections[st.link];
    if (strs === undefined || strs.type !== SHT.STRTAB) throw new ElfError(`sh_link ${st.link} is not a string table`, st.name, st.offset);
    const v = new DataView(st.data.buffer, st.data.byteOffset, st.data.byteLength);
    for (let i = 0; i < st.size / 24; i++) {
      const o = i * 24;
      const info = st.data[o + 4]!;
      const value = v.getBigUint64(o + 8, true);
      const size = v.getBigUint64(o + 16, true);
      if (value > 0xffffffffn || size > 0xffffffffn) throw new ElfError(`symbol ${i}: value or size out of range`, st.name, st.offset + o);
      this.symbols.push({
        index: i,
        name: cstr(strs.data, v.getUint32(o, true), `${st.name} symbol ${i}`, strs.offset),
        type: info & 0xf, bind: info >> 4, shndx: v.getUint16(o + 6, true), value: Number(value), size: Number(size),
      });
    }
  }

  private parseRelocations(): void {
    for (const s of this.sections) {
      if (s.type === SHT.RELA) throw new ElfError('SHT_RELA relocations are not used by BPF objects', s.name, s.offset);
      if (s.type !== SHT.REL) continue;
      if (s.size % 16 !== 0) throw new ElfError(`size ${s.size} is not a multiple of 16 (Elf64_Rel)`, s.name, s.offset);
      const target = this.sections[s.info];
      if (target === undefined || s.info === 0) throw new ElfError(`sh_info ${s.info} names no section`, s.name, s.offset);
      const v = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
      const out: ElfRel[] = [];
      for (let i = 0; i < s.size / 16; i++) {
        const off = v.getBigUint64(i * 16, true);
        const info = v.getBigUint64(i * 16 + 8, true);
        const symIdx = Number(info >> 32n);
        const sym = this.symbols[symIdx];
        if (sym === undefined) throw new ElfError(`relocation ${i}: symbol index ${symIdx} out of range`, s.name, s.offset + i * 16);
        if (off > BigInt(target.size)) throw new ElfError(`relocation ${i}: offset 0x${off.toString(16)} beyond section ${target.name}`, s.name, s.offset + i * 16);
        out.push({ offset: Number(off), type: Number(info & 0xffffffffn), symbol: sym });
      }
      this.relocations.set(s.info, out);
    }
  }

  /** The section with this name, or undefined. */
  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }
}

/** A NUL-terminated string at `off` of a string table. @throws ElfError */
export function cstr(tab: Uint8Array, off: number, where: string, fileOff: number): string {
  if (off >= tab.length) {
    if (off === 0 && tab.length === 0) return '';
    throw new ElfError(`string index ${off} outside the ${tab.length}-byte string table`, where, fileOff + off);
  }
  let end = off;
  while (end < tab.length && tab[end] !== 0) end++;
  if (end >= tab.length) throw new ElfError(`string at index ${off} is not NUL-terminated`, where, fileOff + off);
  return new TextDecoder('utf-8', { fatal: false }).decode(tab.subarray(off, end));
}
