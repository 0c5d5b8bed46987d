/**
 * Global variables of a {@link CollectionSpec} before load: what libbpf
 * skeletons do with `skel->rodata->cfg = ...` between open and load (the
 * `const volatile` configuration idiom), and reading them back from a loaded
 * collection's data maps.
 */
import { ElfError } from '../errors.js';
import type { BpfMap } from '../maps/index.js';
import type { CollectionSpec, VariableSpec } from './spec.js';

function findVariable(spec: CollectionSpec, name: string): { v: VariableSpec; mapIndex: number } {
  const v = spec.variables?.find((x) => x.name === name);
  if (v === undefined) {
    const known = (spec.variables ?? []).map((x) => x.name).join(', ') || 'none';
    throw new ElfError(`no global variable '${name}' (variables: ${known})`, undefined);
  }
  const mapIndex = spec.maps.findIndex((m) => m.name === v.map);
  if (mapIndex < 0) throw new ElfError(`variable '${name}': its map is missing from the spec`, v.map);
  return { v, mapIndex };
}

function toBytes(name: string, size: number, value: Uint8Array | bigint | number): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length > size) throw new ElfError(`variable '${name}' holds ${size} bytes, value has ${value.length}`, undefined);
    const b = new Uint8Array(size);
    b.set(value);
    return b;
  }
  const b = new Uint8Array(size);
  let x = BigInt.asUintN(size * 8, BigInt(value));
  for (let i = 0; i < size; i++, x >>= 8n) b[i] = Number(x & 0xffn);
  return b;
}

/**
 * Sets a global variable's initial value in the spec (before {@link loadCollection}): numbers and bigints are
 * stored little-endian in the variable's size (truncated to it), byte arrays zero-padded. Works for `.rodata`
 * (the map is frozen only at load) as well as `.data` / `.bss` and custom `.data.<name>` sections.
 * @throws ElfError for an unknown variable or an oversized value
 */
export function setVariable(spec: CollectionSpec, name: string, value: Uint8Array | bigint | number): void {
  const { v, mapIndex } = findVariable(spec, name);
  const ms = spec.maps[mapIndex]!;
  const cur = ms.contents?.[0]?.value ?? '00'.repeat(ms.valueSize);
  const bytes = new Uint8Array(cur.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(cur.slice(2 * i, 2 * i + 2), 16);
  bytes.set(toBytes(name, v.size, value), v.offset);
  let hex = '';
  for (const x of bytes) hex += x.toString(16).padStart(2, '0');
  spec.maps[mapIndex] = { ...ms, contents: [{ key: '00000000', value: hex }] };
}

/**
 * Reads a global variable's bytes from a loaded collection's data map.
 * @throws ElfError for an unknown variable
 */
export function readVariable(spec: CollectionSpec, maps: ReadonlyMap<string, BpfMap>, name: string): Uint8Array {
  const { v } = findVariable(spec, name);
  const m = maps.get(v.map);
  if (m === undefined) throw new ElfError(`variable '${name}': map '${v.map}' is not loaded`, v.map);
  return m.lookup(new Uint8Array(4)).slice(v.offset, v.offset + v.size);
}
