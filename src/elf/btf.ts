/**
 * The part of BTF (Documentation/bpf/btf.rst; include/uapi/linux/btf.h) that
 * the loader needs: the type section, type sizes, and the BTF-defined map
 * definitions of the `.maps` DATASEC in libbpf's convention
 * (`__uint(name, N)` = `int (*name)[N]`, `__type(name, T)` = `T *name`,
 * `__array(name, T)` = `T *name[]`).
 */
import { ElfError } from '../errors.js';

/** BTF kinds. */
export const BtfKind = {
  UNKN: 0, INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10,
  RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19,
} as const;

/** One BTF member / param / datasec entry. */
export interface BtfMember {
  name: string;
  type: number;
  /** STRUCT/UNION: bit offset; DATASEC: byte offset. */
  offset: number;
  /** DATASEC: byte size. */
  size: number;
}

/** One BTF type. */
export interface BtfType {
  id: number;
  kind: number;
  name: string;
  /** size (INT, STRUCT, UNION, ENUM, DATASEC, FLOAT) or referenced type id. */
  sizeOrType: number;
  kindFlag: boolean;
  members: BtfMember[];
  /** ARRAY: element type and count. */
  array?: { type: number; nelems: number };
}

/** Parsed BTF. */
export class Btf {
  /** The string section. */
  readonly strings: Uint8Array;

  /** String at `off` of the string section ('' when out of range). */
  str(off: number): string {
    if (off >= this.strings.length) return '';
    let e = off;
    while (e < this.strings.length && this.strings[e] !== 0) e++;
    return new TextDecoder().decode(this.strings.subarray(off, e));
  }

  /** Types by id; index 0 is void. */
  readonly types: BtfType[] = [{ id: 0, kind: 0, name: '', sizeOrType: 0, kindFlag: false, members: [] }];

  /** @throws ElfError (section .BTF) on malformed data */
  constructor(data: Uint8Array, fileOff: number) {
    const S = '.BTF';
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const fail = (msg: string, off: number): never => { throw new ElfError(msg, S, fileOff + off); };
    if (data.length < 24) fail(`${data.length} bytes is shorter than the BTF header`, 0);
    if (v.getUint16(0, true) !== 0xeb9f) fail('bad BTF magic', 0);
    if (data[2] !== 1) fail(`BTF version ${data[2]} is not 1`, 2);
    const hdrLen = v.getUint32(4, true);
    const typeOff = v.getUint32(8, true), typeLen = v.getUint32(12, true);
    const strOff = v.getUint32(16, true), strLen = v.getUint32(20, true);
    const tStart = hdrLen + typeOff, sStart = hdrLen + strOff;
    if (hdrLen < 24 || tStart + typeLen > data.length || sStart + strLen > data.length) fail('type or string section outside .BTF', 4);
    const strs = data.subarray(sStart, sStart + strLen);
    this.strings = strs;
    const str = (off: number, at: number): string => {
      if (off >= strs.length) return off === 0 ? '' : fail(`string offset ${off} outside the string section`, at);
      let e = off;
      while (e < strs.length && strs[e] !== 0) e++;
      return new TextDecoder().decode(strs.subarray(off, e));
    };
    let p = tStart;
    const end = tStart + typeLen;
    const need = (n: number): void => { if (p + n > end) fail('type record runs past the type section', p); };
    while (p < end) {
      need(12);
      const at = p;
      const nameOff = v.getUint32(p, true), info = v.getUint32(p + 4, true), st = v.getUint32(p + 8, true);
      p += 12;
      const kind = (info >>> 24) & 0x1f, vlen = info & 0xffff, kindFlag = (info >>> 31) === 1;
      const t: BtfType = { id: this.types.length, kind, name: str(nameOff, at), sizeOrType: st, kindFlag, members: [] };
      switch (kind) {
        case BtfKind.INT: case BtfKind.VAR: case BtfKind.DECL_TAG: need(4); p += 4; break;
        case BtfKind.PTR: case BtfKind.FWD: case BtfKind.TYPEDEF: case BtfKind.VOLATILE: case BtfKind.CONST:
        case BtfKind.RESTRICT: case BtfKind.FUNC: case BtfKind.FLOAT: case BtfKind.TYPE_TAG: break;
        case BtfKind.ARRAY:
          need(12);
          t.array = { type: v.getUint32(p, true), nelems: v.getUint32(p + 8, true) };
          p += 12;
          break;
        case BtfKind.STRUCT: case BtfKind.UNION:
          need(12 * vlen);
          for (let i = 0; i < vlen; i++, p += 12) {
            const off = v.getUint32(p + 8, true);
            t.members.push({ name: str(v.getUint32(p, true), p), type: v.getUint32(p + 4, true), offset: kindFlag ? off & 0xffffff : off, size: 0 });
          }
          break;
        case BtfKind.ENUM: need(8 * vlen); p += 8 * vlen; break;
        case BtfKind.ENUM64: need(12 * vlen); p += 12 * vlen; break;
        case BtfKind.FUNC_PROTO: need(8 * vlen); p += 8 * vlen; break;
        case BtfKind.DATASEC:
          need(12 * vlen);
          for (let i = 0; i < vlen; i++, p += 12) {
            t.members.push({ name: '', type: v.getUint32(p, true), offset: v.getUint32(p + 4, true), size: v.getUint32(p + 8, true) });
          }
          break;
        default:
          fail(`unknown BTF kind ${kind} (type ${t.id})`, at);
      }
      this.types.push(t);
    }
  }

  /** The type with this id. @throws ElfError for an unknown id */
  type(id: number): BtfType {
    const t = this.types[id];
    if (t === undefined) throw new ElfError(`BTF type id ${id} does not exist`, '.BTF');
    return t;
  }

  /** Follows typedefs, qualifiers and type tags. */
  skipMods(id: number): BtfType {
    let t = this.type(id);
    for (let n = 0; n < 64; n++) {
      if (t.kind !== BtfKind.TYPEDEF && t.kind !== BtfKind.VOLATILE && t.kind !== BtfKind.CONST &&
          t.kind !== BtfKind.RESTRICT && t.kind !== BtfKind.TYPE_TAG) return t;
      t = this.type(t.sizeOrType);
    }
    throw new ElfError(`BTF type ${id}: modifier chain too long (loop?)`, '.BTF');
  }

  /** Size in bytes of a type. @throws ElfError for types without a size */
  sizeOf(id: number, depth = 0): number {
    if (depth > 64) throw new ElfError(`BTF type ${id}: type chain too deep (loop?)`, '.BTF');
    const t = this.type(id);
    switch (t.kind) {
      case BtfKind.INT: case BtfKind.STRUCT: case BtfKind.UNION: case BtfKind.ENUM: case BtfKind.ENUM64:
      case BtfKind.FLOAT: case BtfKind.DATASEC:
        return t.sizeOrType;
      case BtfKind.PTR: return 8;
      case BtfKind.ARRAY: return t.array!.nelems * this.sizeOf(t.array!.type, depth + 1);
      case BtfKind.TYPEDEF: case BtfKind.VOLATILE: case BtfKind.CONST: case BtfKind.RESTRICT: case BtfKind.TYPE_TAG:
      case BtfKind.VAR:
        return this.sizeOf(t.sizeOrType, depth + 1);
      default:
        throw new ElfError(`BTF type ${id} (kind ${t.kind}) has no size`, '.BTF');
    }
  }

  /** The DATASEC with this name, or undefined. */
  datasec(name: string): BtfType | undefined {
    return this.types.find((t) => t.kind === BtfKind.DATASEC && t.name === name);
  }
}

/** One map definition read from `.maps`. */
export interface BtfMapDef {
  name: string;
  /** Byte offset of the definition in `.maps`. */
  offset: number;
  size: number;
  /** Integer fields (`type`, `max_entries`, `map_flags`, `key_size`, `value_size`, `pinning`, `numa_node`, `map_extra`). */
  ints: Record<string, number>;
  /** key/value type sizes from `__type(key, T)` / `__type(value, T)`. */
  keyTypeSize?: number;
  valueTypeSize?: number;
  /** `__array(values, T)`: byte offset of the values array inside the definition and its inner definition. */
  values?: { offset: number; inner?: BtfMapDef };
}

/**
 * Reads libbpf BTF map definitions (a struct per map) for the variable `name`
 * of struct type `structId`.
 * @throws ElfError naming `.maps` and the map for unknown or malformed fields
 */
export function readMapDef(btf: Btf, name: string, structId: number, offset: number, size: number, depth = 0): BtfMapDef {
  if (depth > 1) throw new ElfError(`map '${name}': inner map definitions nest deeper than one level`, '.maps', offset);
  const st = btf.skipMods(structId);
  if (st.kind !== BtfKind.STRUCT) throw new ElfError(`map '${name}': definition is not a struct (BTF kind ${st.kind})`, '.maps', offset);
  const def: BtfMapDef = { name, offset, size, ints: {} };
  for (const m of st.members) {
    const mt = btf.skipMods(m.type);
    switch (m.name) {
      case 'type': case 'max_entries': case 'map_flags': case 'key_size': case 'value_size': case 'pinning':
      case 'numa_node': case 'map_extra': {
        const arr = mt.kind === BtfKind.PTR ? btf.skipMods(mt.sizeOrType) : undefined;
        if (arr === undefined || arr.kind !== BtfKind.ARRAY) {
          throw new ElfError(`map '${name}': field '${m.name}' is not __uint() (int (*)[N])`, '.maps', offset);
        }
        def.ints[m.name] = arr.array!.nelems;
        break;
      }
      case 'key': case 'value': {
        if (mt.kind !== BtfKind.PTR) throw new ElfError(`map '${name}': field '${m.name}' is not __type() (a pointer)`, '.maps', offset);
        const sz = btf.sizeOf(mt.sizeOrType);
        if (m.name === 'key') def.keyTypeSize = sz; else def.valueTypeSize = sz;
        break;
      }
      case 'values': {
        if (mt.kind !== BtfKind.ARRAY) throw new ElfError(`map '${name}': field 'values' is not __array()`, '.maps', offset);
        const ptr = btf.skipMods(mt.array!.type);
        const target = ptr.kind === BtfKind.PTR ? btf.skipMods(ptr.sizeOrType) : undefined;
        def.values = { offset: m.offset / 8 };
        if (target !== undefined && target.kind === BtfKind.STRUCT) {
          def.values.inner = readMapDef(btf, `${name}.inner`, target.id, offset, 0, depth + 1);
        }
        break;
      }
      default:
        throw new ElfError(`map '${name}': unknown map definition field '${m.name}'`, '.maps', offset);
    }
  }
  return def;
}
