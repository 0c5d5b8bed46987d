/**
 * Checkpoint/restore of a loaded collection: programs (linked instructions
 * and symbolic map references), maps with their flags, contents and frozen
 * state, and prog-array slots by program name, as plain JSON. Restoring
 * loads that JSON as a collection spec, so the restored collection behaves
 * like the original from the checkpoint on.
 *
 * Ring-buffer records not yet consumed and captured perf events are kept
 * (a restored ring starts at position 0). Not captured: LRU recency (a
 * restored LRU map evicts in its restore order).
 */
import { InputError } from '../errors.js';
import { ProgArrayMap } from '../maps/array.js';
import { MapType, type MapSpec } from '../maps/spec.js';
import { isProgTypeName } from '../vm/ctx.js';
import { loadCollection, type LoadCollectionOptions, type LoadedCollection } from './load.js';
import type { CollectionSpec, MapReference, ProgramSpec } from './spec.js';

/** The JSON form of a checkpoint. */
export interface CollectionCheckpoint {
  format: 'bpfsim-collection';
  version: 1;
  license: string;
  kernelVersion: number;
  nrCpus: number;
  hashSeed: number;
  programs: Array<Omit<ProgramSpec, 'insns'> & { insns: string }>;
  maps: MapSpec[];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Captures a loaded collection's current state as JSON-serialisable data. */
export function checkpointCollection(col: LoadedCollection): CollectionCheckpoint {
  const maps = [...col.maps.entries()].map(([name, m]) => {
    const s = m.toSpec();
    s.name = name;
    if (m instanceof ProgArrayMap) {
      delete s.contents;
      const values: NonNullable<MapSpec['values']> = [];
      for (let i = 0; i < m.maxEntries; i++) {
        const slot = m.getSlot(i);
        const pn = slot ? col.programName(slot.prog) : undefined;
        if (pn !== undefined) values.push({ index: i, program: pn });
      }
      if (values.length) s.values = values;
    }
    return s;
  });
  return {
    format: 'bpfsim-collection', version: 1, license: col.spec.license, kernelVersion: col.spec.version,
    nrCpus: col.vm.env.nrCpus, hashSeed: col.hashSeed,
    programs: col.spec.programs.map((p) => ({ ...p, insns: hex(p.insns) })),
    maps,
  };
}

/** The collection spec a checkpoint describes. @throws InputError naming the JSON path of bad data */
export function checkpointSpec(data: unknown): { spec: CollectionSpec; nrCpus: number; hashSeed: number } {
  const bad = (path: string, msg: string): never => { throw new InputError(msg, { path }); };
  const obj = (v: unknown, path: string): Record<string, unknown> =>
    (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : bad(path, 'expected an object'));
  const num = (v: unknown, path: string): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : bad(path, 'expected a non-negative integer'));
  const str = (v: unknown, path: string): string => (typeof v === 'string' ? v : bad(path, 'expected a string'));
  const arr = (v: unknown, path: string): unknown[] => (Array.isArray(v) ? v : bad(path, 'expected an array'));
  const c = obj(data, '$');
  if (c.format !== 'bpfsim-collection') bad('$.format', 'not a bpfsim collection checkpoint');
  if (c.version !== 1) bad('$.version', `unsupported checkpoint version ${JSON.stringify(c.version)}`);
  const programs = arr(c.programs, '$.programs').map((pv, i): ProgramSpec => {
    const P = `$.programs[${i}]`;
    const p = obj(pv, P);
    const type = str(p.type, `${P}.type`);
    if (!isProgTypeName(type)) bad(`${P}.type`, `unknown program type '${type}'`);
    const ih = str(p.insns, `${P}.insns`);
    if (!/^([0-9a-f]{16})*$/i.test(ih)) bad(`${P}.insns`, 'expected hex, 16 digits per instruction');
    const refs = arr(p.references, `${P}.references`).map((rv, j): MapReference => {
      const R = `${P}.references[${j}]`;
      const r = obj(rv, R);
      const kind = r.kind === 'map' || r.kind === 'value' ? r.kind : bad(`${R}.kind`, "expected 'map' or 'value'");
      return { slot: num(r.slot, `${R}.slot`), map: str(r.map, `${R}.map`), kind, offset: num(r.offset, `${R}.offset`) };
    });
    const out: ProgramSpec = {
      name: str(p.name, `${P}.name`), section: str(p.section, `${P}.section`), type: type as ProgramSpec['type'],
      insns: Uint8Array.from(Buffer.from(ih, 'hex')), references: refs,
      subprograms: arr(p.subprograms ?? [], `${P}.subprograms`).map((s, j) => str(s, `${P}.subprograms[${j}]`)),
      license: str(p.license ?? '', `${P}.license`),
    };
    if (p.attachTo !== undefined) out.attachTo = str(p.attachTo, `${P}.attachTo`);
    return out;
  });
  const parseMap = (mv: unknown, M: string): MapSpec => {
    const m = obj(mv, M);
    const type = str(m.type, `${M}.type`);
    if (!(type in MapType)) bad(`${M}.type`, `unknown map type '${type}'`);
    const s: MapSpec = {
      name: str(m.name, `${M}.name`), type: type as MapSpec['type'], keySize: num(m.keySize, `${M}.keySize`),
      valueSize: num(m.valueSize, `${M}.valueSize`), maxEntries: num(m.maxEntries, `${M}.maxEntries`), flags: num(m.flags, `${M}.flags`),
    };
    if (m.frozen !== undefined) s.frozen = m.frozen === true;
    if (m.contents !== undefined) {
      s.contents = arr(m.contents, `${M}.contents`).map((ev, j) => {
        const e = obj(ev, `${M}.contents[${j}]`);
        return { key: str(e.key, `${M}.contents[${j}].key`), value: str(e.value, `${M}.contents[${j}].value`) };
      });
    }
    if (m.values !== undefined) {
      s.values = arr(m.values, `${M}.values`).map((vv, j) => {
        const v = obj(vv, `${M}.values[${j}]`);
        const o: { index: number; program?: string; map?: string } = { index: num(v.index, `${M}.values[${j}].index`) };
        if (v.program !== undefined) o.program = str(v.program, `${M}.values[${j}].program`);
        if (v.map !== undefined) o.map = str(v.map, `${M}.values[${j}].map`);
        return o;
      });
    }
    if (m.pinning !== undefined) s.pinning = num(m.pinning, `${M}.pinning`);
    if (m.numaNode !== undefined) s.numaNode = num(m.numaNode, `${M}.numaNode`);
    if (m.inner !== undefined) s.inner = parseMap(m.inner, `${M}.inner`);
    if (m.records !== undefined) s.records = arr(m.records, `${M}.records`).map((r, j) => str(r, `${M}.records[${j}]`));
    if (m.events !== undefined) {
      s.events = arr(m.events, `${M}.events`).map((ev, j) => {
        const e = obj(ev, `${M}.events[${j}]`);
        return { index: num(e.index, `${M}.events[${j}].index`), data: str(e.data, `${M}.events[${j}].data`) };
      });
    }
    return s;
  };
  const maps = arr(c.maps, '$.maps').map((mv, i) => parseMap(mv, `$.maps[${i}]`));
  return {
    spec: { programs, maps, license: str(c.license ?? '', '$.license'), version: num(c.kernelVersion ?? 0, '$.kernelVersion'), relocations: [] },
    nrCpus: num(c.nrCpus ?? 1, '$.nrCpus') || 1,
    hashSeed: num(c.hashSeed ?? 0, '$.hashSeed'),
  };
}

/**
 * Restores a checkpoint (the object or its JSON text) into a new loaded collection.
 * @throws InputError for malformed checkpoints; ErrnoError / BpfError as {@link loadCollection}
 */
export function restoreCollection(data: unknown, opts: LoadCollectionOptions = {}): LoadedCollection {
  let parsed = data;
  if (typeof data === 'string') {
    try {
      parsed = JSON.parse(data);
    } catch (e) {
      throw new InputError(`invalid JSON: ${(e as Error).message}`, { path: '$' });
    }
  }
  const { spec, nrCpus, hashSeed } = checkpointSpec(parsed);
  return loadCollection(spec, { nrCpus, hashSeed, ...opts });
}
