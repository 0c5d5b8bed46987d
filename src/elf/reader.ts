/**
 * ELF object → {@link CollectionSpec}, following what libbpf does with what
 * `clang -target bpf` emits (tools/lib/bpf/libbpf.c: bpf_object__elf_collect,
 * bpf_object__init_user_btf_maps, bpf_object__init_global_data_maps,
 * bpf_program__record_reloc, bpf_object__relocate_calls):
 *
 * - programs: global functions in executable sections other than `.text`,
 *   typed by their SEC() name; subprograms (functions in `.text`, static
 *   functions anywhere) reached by bpf-to-bpf calls are appended to each
 *   calling program in order of first use, and call offsets are fixed;
 * - maps: BTF-defined maps in `.maps`, legacy `struct bpf_map_def` in
 *   `maps`, and `.rodata*` (BPF_F_RDONLY_PROG, frozen), `.data*`, `.bss*`
 *   as one-element array maps;
 * - relocations: R_BPF_64_64 on ld_imm64 (map → src 1; global data → src 2
 *   with the offset in the second slot; function → src 4), R_BPF_64_32 on
 *   calls, R_BPF_64_ABS64 in `.maps` (initial prog-array / map-in-map values);
 * - `license` and `version` sections.
 *
 * CO-RE relocations (.BTF.ext), kfunc calls and extern ksyms/kconfig are
 * refused with an ElfError (code UNSUPPORTED) naming the section and symbol.
 */
import { ElfError, ErrorCode } from '../errors.js';
import { MapFlag, MapType, type MapSpec, type MapTypeName } from '../maps/spec.js';
import { BtfKind, Btf, readMapDef, type BtfMapDef } from './btf.js';
import { ElfFile, R_BPF, SHF, SHN_UNDEF, SHT, STB, STT, cstr, type ElfRel, type ElfSection, type ElfSymbol } from './elf-file.js';
import { programTypeOfSection } from './sections.js';
import type { CollectionSpec, MapReference, ProgramSpec, RelocationInfo, VariableSpec } from './spec.js';

const RELOC_NAMES: Record<number, string> = {
  0: 'R_BPF_NONE', 1: 'R_BPF_64_64', 2: 'R_BPF_64_ABS64', 3: 'R_BPF_64_ABS32', 4: 'R_BPF_64_NODYLD32', 10: 'R_BPF_64_32',
};
const MAP_TYPE_BY_NUMBER = new Map<number, MapTypeName>(Object.entries(MapType).map(([k, v]) => [v, k as MapTypeName]));
const MAX_INSNS = 1_000_000;

/** A function: a FUNC symbol's instruction range in its section. */
interface Func {
  name: string;
  section: ElfSection;
  /** First instruction index in the section. */
  start: number;
  /** Number of instruction slots. */
  len: number;
  global: boolean;
}

/** Where a map came from, for resolving relocations. */
interface MapOrigin {
  spec: MapSpec;
  section: number;
  offset: number;
  size: number;
  kind: 'btf' | 'legacy' | 'data';
}

const isDataSection = (s: ElfSection): boolean =>
  (s.flags & SHF.ALLOC) !== 0 && (s.flags & SHF.EXECINSTR) === 0 &&
  /^\.(data|bss|rodata)(\..*)?$/.test(s.name) && (s.type === SHT.PROGBITS || s.type === SHT.NOBITS);

/**
 * Reads an ELF BPF object into plain spec data.
 * @throws ElfError (code ELF) for malformed input, (code UNSUPPORTED) for CO-RE, kfuncs and externs
 */
export function readCollectionSpec(bytes: Uint8Array): CollectionSpec {
  const elf = new ElfFile(bytes);
  const unsupported = (msg: string, section: string, offset?: number): ElfError => new ElfError(msg, section, offset, ErrorCode.Unsupported);

  const licSec = elf.section('license');
  const license = licSec && licSec.size > 0 ? cstrLoose(licSec.data) : '';
  const verSec = elf.section('version');
  let version = 0;
  if (verSec !== undefined) {
    if (verSec.data.length !== 4) throw new ElfError(`version section holds ${verSec.data.length} bytes, expected 4`, 'version', verSec.offset);
    version = new DataView(verSec.data.buffer, verSec.data.byteOffset, 4).getUint32(0, true);
  }

  const btfSec = elf.section('.BTF');
  const btf = btfSec ? new Btf(btfSec.data, btfSec.offset) : undefined;
  const extSec = elf.section('.BTF.ext');
  if (extSec && btf) checkBtfExt(extSec, btf, unsupported);

  // ---- maps ----
  const origins: MapOrigin[] = [];
  const relocations: RelocationInfo[] = [];
  const mapsSec = elf.section('.maps');
  if (mapsSec !== undefined && mapsSec.size > 0) {
    if (mapsSec.data.length !== mapsSec.size) throw new ElfError('section has no file data (SHT_NOBITS)', '.maps', mapsSec.offset);
    if (btf === undefined) {
      const names = elf.symbols.filter((y) => y.shndx === mapsSec.index && y.type !== STT.SECTION && y.name !== '').map((y) => `'${y.name}'`);
      throw new ElfError(`BTF-defined map${names.length === 1 ? '' : 's'} ${names.join(', ') || '(unnamed)'} need a .BTF section, which this object lacks (compiled without -g, or BTF stripped); legacy SEC("maps") struct bpf_map_def maps work without BTF`, '.maps', mapsSec.offset);
    }
    const ds = btf.datasec('.maps');
    if (ds === undefined) throw new ElfError('no DATASEC .maps in BTF', '.maps', mapsSec.offset);
    const defs: BtfMapDef[] = [];
    for (const m of ds.members) {
      const v = btf.type(m.type);
      if (v.kind !== BtfKind.VAR) throw new ElfError(`DATASEC entry type ${m.type} is not a VAR`, '.maps', mapsSec.offset + m.offset);
      // clang leaves DATASEC offsets 0 in objects (libbpf fixes them up from the symbol table): use the symbol.
      const sym = elf.symbols.find((y) => y.shndx === mapsSec.index && y.name === v.name && y.type !== STT.SECTION);
      const off = sym?.value ?? m.offset;
      const size = sym?.size || m.size;
      if (off + size > mapsSec.size) throw new ElfError(`map '${v.name}' lies outside the section`, '.maps', mapsSec.offset + off);
      defs.push(readMapDef(btf, v.name, v.sizeOrType, off, size));
    }
    const rels = elf.relocations.get(mapsSec.index) ?? [];
    for (const d of defs) {
      const spec = btfMapSpec(d, mapsSec);
      const o: MapOrigin = { spec, section: mapsSec.index, offset: d.offset, size: d.size, kind: 'btf' };
      origins.push(o);
      if (d.values) {
        const base = d.offset + d.values.offset;
        for (const r of rels) {
          if (r.offset < base || r.offset >= d.offset + d.size) continue;
          if ((r.offset - base) % 8 !== 0) throw new ElfError(`map '${d.name}': misaligned values relocation`, '.rel.maps', r.offset);
          const index = (r.offset - base) / 8;
          if (index >= spec.maxEntries && spec.type !== 'hash_of_maps') throw new ElfError(`map '${d.name}': initial value index ${index} >= max_entries ${spec.maxEntries}`, '.maps', mapsSec.offset + r.offset);
          const sym = r.symbol;
          const isProg = sym.type === STT.FUNC;
          (spec.values ??= []).push(isProg ? { index, program: sym.name } : { index, map: sym.name });
          relocations.push({ section: '.maps', offset: r.offset, type: RELOC_NAMES[r.type] ?? `type ${r.type}`, symbol: sym.name, target: `${d.name}[${index}] = ${isProg ? 'program' : 'map'} ${sym.name}` });
        }
      }
    }
  }
  const legacy = elf.section('maps');
  if (legacy !== undefined && legacy.size > 0) {
    if (legacy.data.length !== legacy.size) throw new ElfError('section has no file data (SHT_NOBITS)', 'maps', legacy.offset);
    const syms = elf.symbols.filter((s) => s.shndx === legacy.index && s.type !== STT.SECTION && s.name !== '').sort((a, b) => a.value - b.value);
    if (syms.length === 0) throw new ElfError('legacy map section without map symbols', 'maps', legacy.offset);
    const defSize = Math.floor(legacy.size / syms.length);
    if (defSize < 16 || defSize * syms.length !== legacy.size) {
      throw new ElfError(`section size ${legacy.size} does not divide into ${syms.length} struct bpf_map_def`, 'maps', legacy.offset);
    }
    const v = new DataView(legacy.data.buffer, legacy.data.byteOffset, legacy.data.byteLength);
    for (const s of syms) {
      if (s.value % defSize !== 0 || s.value + defSize > legacy.size) throw new ElfError(`map '${s.name}' at offset ${s.value} is misaligned`, 'maps', legacy.offset + s.value);
      const u = (i: number): number => (i * 4 + 4 <= defSize ? v.getUint32(s.value + i * 4, true) : 0);
      const typeNum = u(0);
      const type = MAP_TYPE_BY_NUMBER.get(typeNum);
      if (type === undefined) throw new ElfError(`map '${s.name}': unknown map type ${typeNum}`, 'maps', legacy.offset + s.value);
      origins.push({
        spec: { name: s.name, type, keySize: u(1), valueSize: u(2), maxEntries: u(3), flags: u(4) },
        section: legacy.index, offset: s.value, size: defSize, kind: 'legacy',
      });
    }
  }
  for (const s of elf.sections) {
    if (!isDataSection(s) || s.size === 0) continue;
    const rodata = s.name.startsWith('.rodata');
    const spec: MapSpec = { name: s.name, type: 'array', keySize: 4, valueSize: s.size, maxEntries: 1, flags: rodata ? MapFlag.BPF_F_RDONLY_PROG : 0 };
    if (s.type === SHT.PROGBITS && s.data.some((b) => b !== 0)) spec.contents = [{ key: '00000000', value: hex(s.data) }];
    if (rodata) spec.frozen = true;
    origins.push({ spec, section: s.index, offset: 0, size: s.size, kind: 'data' });
  }
  const names = new Set<string>();
  for (const o of origins) {
    if (names.has(o.spec.name!)) throw new ElfError(`duplicate map name '${o.spec.name}'`, elf.sections[o.section]!.name, o.offset);
    names.add(o.spec.name!);
  }

  // ---- functions ----
  const funcs: Func[] = [];
  const execSections = elf.sections.filter((s) => s.type === SHT.PROGBITS && (s.flags & SHF.EXECINSTR) !== 0 && s.size > 0);
  for (const sec of execSections) {
    if (sec.size % 8 !== 0) throw new ElfError(`size ${sec.size} is not a multiple of 8 (instructions)`, sec.name, sec.offset);
    const syms = elf.symbols.filter((y) => y.shndx === sec.index && y.type === STT.FUNC).sort((a, b) => a.value - b.value);
    if (syms.length === 0 && sec.name !== '.text') {
      funcs.push({ name: sec.name.replace(/[^A-Za-z0-9_]/g, '_'), section: sec, start: 0, len: sec.size / 8, global: true });
      continue;
    }
    for (let i = 0; i < syms.length; i++) {
      const y = syms[i]!;
      if (y.value % 8 !== 0 || y.value >= sec.size) throw new ElfError(`function '${y.name}' at offset ${y.value} is misaligned or outside the section`, sec.name, sec.offset + y.value);
      const endByte = y.size > 0 ? y.value + y.size : (syms[i + 1]?.value ?? sec.size);
      if (endByte > sec.size || endByte <= y.value || endByte % 8 !== 0) throw new ElfError(`function '${y.name}' has a bad size ${y.size}`, sec.name, sec.offset + y.value);
      funcs.push({ name: y.name, section: sec, start: y.value / 8, len: (endByte - y.value) / 8, global: y.bind !== STB.LOCAL && sec.name !== '.text' });
    }
  }

  // ---- relocations of executable sections (for inspect) ----
  const relBySection = new Map<number, Map<number, ElfRel>>();
  for (const sec of execSections) {
    const m = new Map<number, ElfRel>();
    for (const r of elf.relocations.get(sec.index) ?? []) {
      if (r.offset % 8 !== 0) throw new ElfError(`relocation at offset ${r.offset} is not on an instruction boundary`, sec.name, sec.offset + r.offset);
      m.set(r.offset, r);
    }
    relBySection.set(sec.index, m);
  }

  const ctx: LinkCtx = { elf, origins, funcs, relBySection, unsupported, relocations, seenRelocs: new Set() };
  const programs: ProgramSpec[] = [];
  for (const f of funcs) {
    if (!f.global) continue;
    const t = programTypeOfSection(f.section.name);
    const p = link(ctx, f);
    const prog: ProgramSpec = {
      name: f.name, section: f.section.name, type: t?.type ?? 'unspec', insns: p.insns, references: p.refs,
      subprograms: p.subprograms, license,
    };
    if (t?.attachTo !== undefined) prog.attachTo = t.attachTo;
    programs.push(prog);
  }
  const variables: VariableSpec[] = [];
  for (const o of origins) {
    if (o.kind !== 'data') continue;
    for (const y of elf.symbols) {
      if (y.shndx !== o.section || y.type !== STT.OBJECT || y.name === '' || y.value + y.size > o.size) continue;
      variables.push({ name: y.name, map: o.spec.name!, offset: y.value, size: y.size });
    }
  }
  variables.sort((a, b) => (a.map === b.map ? a.offset - b.offset : a.map < b.map ? -1 : 1));
  const mapSections: Record<string, string> = {};
  for (const o of origins) mapSections[o.spec.name!] = elf.sections[o.section]!.name;
  return { programs, maps: origins.map((o) => o.spec), license, version, relocations, variables, mapSections };
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function cstrLoose(b: Uint8Array): string {
  const e = b.indexOf(0);
  return new TextDecoder().decode(e >= 0 ? b.subarray(0, e) : b);
}

function btfMapSpec(d: BtfMapDef, sec: ElfSection): MapSpec {
  const at = sec.offset + d.offset;
  const typeNum = d.ints.type ?? 0;
  const type = MAP_TYPE_BY_NUMBER.get(typeNum);
  if (type === undefined || typeNum === 0) throw new ElfError(`map '${d.name}': unknown or missing map type ${typeNum}`, '.maps', at);
  const size = (field: 'key' | 'value'): number => {
    const explicit = d.ints[`${field}_size`];
    const typed = field === 'key' ? d.keyTypeSize : d.valueTypeSize;
    if (explicit !== undefined && typed !== undefined && explicit !== typed) {
      throw new ElfError(`map '${d.name}': ${field}_size ${explicit} conflicts with the ${field} type's size ${typed}`, '.maps', at);
    }
    return explicit ?? typed ?? (d.values && field === 'value' ? 4 : 0);
  };
  const spec: MapSpec = {
    name: d.name, type, keySize: size('key'), valueSize: size('value'), maxEntries: d.ints.max_entries ?? 0, flags: d.ints.map_flags ?? 0,
  };
  if (type === 'ringbuf' || type === 'user_ringbuf') spec.maxEntries = adjustRingbufSize(spec.maxEntries);
  if (d.ints.pinning !== undefined) spec.pinning = d.ints.pinning;
  if (d.ints.numa_node !== undefined) spec.numaNode = d.ints.numa_node;
  if (d.values?.inner) spec.inner = btfMapSpec(d.values.inner, sec);
  return spec;
}

/** Page size libbpf rounds ring buffer sizes to (x86-64 / arm64 4 KiB pages). */
const RINGBUF_PAGE = 4096;

/**
 * libbpf's open-time ring buffer size fix-up (adjust_ringbuf_sz): a BTF-defined ringbuf's max_entries that is not
 * a power-of-2 multiple of the page size is rounded up to the next one; 0 stays 0 (the kernel then refuses it).
 */
export function adjustRingbufSize(sz: number): number {
  if (sz === 0) return 0;
  if (sz % RINGBUF_PAGE === 0) {
    const pages = sz / RINGBUF_PAGE;
    if ((pages & (pages - 1)) === 0) return sz;
  }
  for (let mul = 1; mul * RINGBUF_PAGE <= 0xffffffff; mul *= 2) if (mul * RINGBUF_PAGE >= sz) return mul * RINGBUF_PAGE;
  return sz;
}

/** Refuses CO-RE relocations in .BTF.ext (btf_ext_header: core_relo_off/len). */
function checkBtfExt(sec: ElfSection, btf: Btf, unsupported: (m: string, s: string, o?: number) => ElfError): void {
  const d = sec.data;
  if (d.length < 8) throw new ElfError('truncated .BTF.ext header', '.BTF.ext', sec.offset);
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  if (v.getUint16(0, true) !== 0xeb9f) throw new ElfError('bad .BTF.ext magic', '.BTF.ext', sec.offset);
  const hdrLen = v.getUint32(4, true);
  if (hdrLen < 32 || d.length < 32) return;
  const off = v.getUint32(24, true), len = v.getUint32(28, true);
  if (len === 0) return;
  const p = hdrLen + off;
  if (p + 4 + 8 + 16 > d.length) throw new ElfError('CO-RE relocation section outside .BTF.ext', '.BTF.ext', sec.offset + 24);
  const secName = btf.str(v.getUint32(p + 4, true));
  const insnOff = v.getUint32(p + 12, true);
  const typeId = v.getUint32(p + 16, true);
  const access = btf.str(v.getUint32(p + 20, true));
  const kind = v.getUint32(p + 24, true);
  const typeName = btf.types[typeId]?.name || `type ${typeId}`;
  throw unsupported(`CO-RE relocation (kind ${kind}) on '${typeName}' (access '${access}') at instruction offset ${insnOff} is not supported; compile without BPF_CORE_READ / preserve_access_index`, secName || '.BTF.ext', insnOff);
}

interface LinkCtx {
  elf: ElfFile;
  origins: MapOrigin[];
  funcs: Func[];
  relBySection: Map<number, Map<number, ElfRel>>;
  unsupported: (m: string, s: string, o?: number) => ElfError;
  relocations: RelocationInfo[];
  seenRelocs: Set<string>;
}

function funcAt(ctx: LinkCtx, sec: ElfSection, insn: number): Func | undefined {
  return ctx.funcs.find((f) => f.section === sec && insn >= f.start && insn < f.start + f.len);
}

function mapOf(ctx: LinkCtx, sym: ElfSymbol, at: number, secName: string, imm: number): MapOrigin | undefined {
  const cands = ctx.origins.filter((o) => o.section === sym.shndx);
  if (cands.length === 0) return undefined;
  // A section symbol names the map by the offset in the instruction's imm.
  const off = sym.value + (sym.type === STT.SECTION ? imm : 0);
  const o = cands.find((c) => c.kind === 'data' || (off >= c.offset && off < c.offset + Math.max(c.size, 1)));
  if (o === undefined) throw new ElfError(`symbol '${sym.name}' does not name a map`, secName, at);
  return o;
}

/** Links one program: copies its function, appends called subprograms, resolves relocations. */
function link(ctx: LinkCtx, main: Func): { insns: Uint8Array; refs: MapReference[]; subprograms: string[] } {
  const placed: Array<{ f: Func; base: number }> = [{ f: main, base: 0 }];
  let total = main.len;
  const refs: MapReference[] = [];
  const subprograms: string[] = [];
  const chunks: Uint8Array[] = [];
  const baseOf = (f: Func): number => {
    const e = placed.find((p) => p.f === f);
    if (e) return e.base;
    const base = total;
    total += f.len;
    if (total > MAX_INSNS) throw new ElfError(`program '${main.name}' exceeds ${MAX_INSNS} instructions after linking`, main.section.name);
    placed.push({ f, base });
    subprograms.push(f.name);
    return base;
  };
  for (let k = 0; k < placed.length; k++) {
    const { f, base } = placed[k]!;
    const sec = f.section;
    const code = sec.data.slice(f.start * 8, (f.start + f.len) * 8);
    const view = new DataView(code.buffer);
    const rels = ctx.relBySection.get(sec.index)!;
    for (let i = 0; i < f.len; i++) {
      const si = f.start + i;
      const o = i * 8;
      const op = code[o]!;
      const src = code[o + 1]! >> 4;
      const imm = view.getInt32(o + 4, true);
      const rel = rels.get(si * 8);
      const at = sec.offset + si * 8;
      const record = (target: string): void => {
        const key = `${sec.index}:${si}`;
        if (!rel || ctx.seenRelocs.has(key)) return;
        ctx.seenRelocs.add(key);
        ctx.relocations.push({ section: sec.name, offset: si * 8, type: RELOC_NAMES[rel.type] ?? `type ${rel.type}`, symbol: rel.symbol.name || ctx.elf.sections[rel.symbol.shndx]?.name || '', target });
      };
      const setImm = (v: number): void => view.setInt32(o + 4, v, true);
      const setSrc = (s: number): void => { code[o + 1] = (code[o + 1]! & 0x0f) | (s << 4); };
      const callTarget = (tsec: ElfSection, tinsn: number, what: string): number => {
        if (tinsn < 0 || tinsn >= tsec.size / 8) throw new ElfError(`${what} target ${tinsn} is outside section ${tsec.name}`, sec.name, at);
        if (tsec === sec && tinsn >= f.start && tinsn < f.start + f.len) return base + (tinsn - f.start);
        const tf = funcAt(ctx, tsec, tinsn);
        if (tf === undefined) throw new ElfError(`${what} target ${tinsn} in ${tsec.name} is not inside a function`, sec.name, at);
        return baseOf(tf) + (tinsn - tf.start);
      };
      if (op === 0x8d) {
        throw ctx.unsupported(`function '${f.name}' makes an indirect call (callx r${(code[o + 1]! & 0x0f) || imm}), which the kernel refuses (unknown opcode 0x8d); clang -O0 emits these for helper calls: compile with -O1 or higher`, sec.name, si * 8);
      }
      if (rel !== undefined) {
        const sym = rel.symbol;
        if (sym.shndx === SHN_UNDEF) {
          throw ctx.unsupported(`extern symbol '${sym.name}' (${op === 0x85 ? 'kfunc call' : 'ksym / kconfig'}) is not supported`, sec.name, si * 8);
        }
        const tsec = ctx.elf.sections[sym.shndx];
        if (tsec === undefined) throw new ElfError(`relocation symbol '${sym.name}' has section index ${sym.shndx} out of range`, sec.name, at);
        if (op === 0x18) {
          if (rel.type !== R_BPF.R_64_64) throw new ElfError(`ld_imm64 relocation of type ${rel.type} (expected R_BPF_64_64)`, sec.name, at);
          if (i + 1 >= f.len) throw new ElfError('ld_imm64 without its second slot', sec.name, at);
          if ((tsec.flags & SHF.EXECINSTR) !== 0) {
            const tinsn = (sym.value + imm) / 8;
            if (!Number.isInteger(tinsn)) throw new ElfError(`function pointer to '${sym.name}' is misaligned`, sec.name, at);
            const t = callTarget(tsec, tinsn, 'function pointer');
            setSrc(4);
            setImm(t - (base + i + 1));
            record(`function ${funcAt(ctx, tsec, tinsn)?.name ?? sym.name}`);
          } else {
            const m = mapOf(ctx, sym, at, sec.name, imm);
            if (m === undefined) throw new ElfError(`ld_imm64 refers to '${sym.name}' in section ${tsec.name}, which holds no map or global data`, sec.name, at);
            if (m.kind === 'data') {
              const off = sym.value + imm;
              refs.push({ slot: base + i, map: m.spec.name!, kind: 'value', offset: off });
              setSrc(2);
              setImm(0);
              view.setInt32(o + 12, off, true);
              record(`map ${m.spec.name} value +${off}`);
            } else {
              refs.push({ slot: base + i, map: m.spec.name!, kind: 'map', offset: 0 });
              setSrc(1);
              setImm(0);
              record(`map ${m.spec.name}`);
            }
          }
        } else if (op === 0x85) {
          if (src !== 1) throw ctx.unsupported(`call with src ${src} and a relocation to '${sym.name}' (kfunc?) is not supported`, sec.name, si * 8);
          if ((tsec.flags & SHF.EXECINSTR) === 0) throw new ElfError(`call to '${sym.name}', which is not code`, sec.name, at);
          const tinsn = sym.value / 8 + imm + 1;
          const t = callTarget(tsec, tinsn, 'call');
          setImm(t - (base + i + 1));
          record(`call ${funcAt(ctx, tsec, tinsn)?.name ?? sym.name}`);
        } else {
          throw new ElfError(`relocation ${RELOC_NAMES[rel.type] ?? rel.type} against '${sym.name}' on an instruction that is neither ld_imm64 nor call (opcode 0x${op.toString(16)})`, sec.name, at);
        }
      } else if (op === 0x85 && src === 1) {
        const t = callTarget(sec, si + imm + 1, 'call');
        setImm(t - (base + i + 1));
      } else if (op === 0x85 && src === 2) {
        throw ctx.unsupported('kfunc call (BPF_PSEUDO_KFUNC_CALL) is not supported', sec.name, si * 8);
      } else if (op === 0x18 && src === 4) {
        const t = callTarget(sec, si + imm + 1, 'function pointer');
        setImm(t - (base + i + 1));
      }
      if (op === 0x18) i++;
    }
    chunks[k] = code;
  }
  const insns = new Uint8Array(total * 8);
  placed.forEach((p, k) => insns.set(chunks[k]!, p.base * 8));
  return { insns, refs, subprograms };
}
