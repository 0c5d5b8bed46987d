/**
 * Loading a {@link CollectionSpec}: creates the live maps in the VM's memory
 * (BPF_MAP_CREATE semantics, initial contents, freezing `.rodata`), patches
 * each program's map references (ld_imm64 src 1/2 with imm = index into the
 * collection's map table, as BPF_PSEUDO_MAP_IDX-style loaders do), loads the
 * programs into the VM and fills prog arrays from their `.maps` initialisers.
 *
 * Program "fds" for user-space prog-array updates are program ids: the
 * 1-based position of the program in the collection.
 */
import { BpfError, ElfError, ErrorCode } from '../errors.js';
import { ProgArrayMap, fromHex, isMapOfMaps, u32Key, type BpfMap } from '../maps/index.js';
import { createMap } from '../maps/create.js';
import { mapHelpers } from '../maps/helpers.js';
import type { MapSpec } from '../maps/spec.js';
import { createEnv } from '../vm/env.js';
import { Vm, type LoadedProgram } from '../vm/vm.js';
import { checkLicense } from './license.js';
import type { CollectionSpec, ProgramSpec } from './spec.js';

/**
 * A program's instructions with its map references patched: ld_imm64 src 1
 * (map) or 2 (direct value access, offset in the second slot's imm) and imm =
 * the map's index in `mapIndex` (the collection's map order). These are the
 * bytes bpfsim runs, and the bytes a loader that passes maps by index (the
 * kernel with fd_array, or koracle's --map list) would load.
 * @throws BpfError (ELF) for a reference to an unknown map or a slot that is not an ld_imm64
 */
export function programBytes(ps: ProgramSpec, mapIndex: ReadonlyMap<string, number>): Uint8Array {
  const bytes = ps.insns.slice();
  const view = new DataView(bytes.buffer);
  for (const r of ps.references) {
    const mi = mapIndex.get(r.map);
    if (mi === undefined) throw new BpfError(ErrorCode.Elf, `program '${ps.name}' refers to unknown map '${r.map}'`, r.slot);
    if (r.slot < 0 || (r.slot + 2) * 8 > bytes.length || bytes[r.slot * 8] !== 0x18) {
      throw new BpfError(ErrorCode.Elf, `program '${ps.name}': map reference at slot ${r.slot} is not an ld_imm64`, r.slot);
    }
    bytes[r.slot * 8 + 1] = (bytes[r.slot * 8 + 1]! & 0x0f) | ((r.kind === 'map' ? 1 : 2) << 4);
    view.setInt32(r.slot * 8 + 4, mi, true);
    if (r.kind === 'value') view.setInt32(r.slot * 8 + 12, r.offset, true);
  }
  return bytes;
}

/** The map-name → index table of a collection spec (spec order). */
export function mapIndexOf(spec: CollectionSpec): Map<string, number> {
  return new Map(spec.maps.map((m, i) => [m.name ?? `map${i}`, i]));
}

/** Options of {@link loadCollection}. */
export interface LoadCollectionOptions {
  /** The VM to load into (its memory holds the maps; the map helpers are registered into it). Default: a new Vm. */
  vm?: Vm;
  /** Possible CPUs for per-CPU maps and a new Vm's environment (default: the Vm's env.nrCpus, else 1). */
  nrCpus?: number;
  /** Hash-map seed (default 0 = the kernel's BPF_F_ZERO_SEED bucket order). */
  hashSeed?: number;
}

/** A loaded collection: live maps and programs in one VM. */
export class LoadedCollection {
  /** Programs by name, in spec order. */
  readonly programs = new Map<string, LoadedProgram>();
  /** Maps by name, in spec order. */
  readonly maps = new Map<string, BpfMap>();
  /** The map table programs were linked against (index = ld_imm64 imm). */
  readonly mapList: BpfMap[] = [];

  /** @internal use {@link loadCollection}. */
  constructor(readonly vm: Vm, readonly spec: CollectionSpec, readonly hashSeed: number) {}

  /**
   * A program by name, or by section name when exactly one program has it.
   * @throws BpfError (USAGE) naming the available programs
   */
  program(nameOrSection: string): LoadedProgram {
    const byName = this.programs.get(nameOrSection);
    if (byName) return byName;
    const bySec = this.spec.programs.filter((p) => p.section === nameOrSection);
    if (bySec.length === 1) return this.programs.get(bySec[0]!.name)!;
    const list = this.spec.programs.map((p) => `${p.name} (${p.section})`).join(', ');
    throw new BpfError(ErrorCode.Usage, bySec.length > 1
      ? `section '${nameOrSection}' holds ${bySec.length} programs; name one of: ${bySec.map((p) => p.name).join(', ')}`
      : `no program or section '${nameOrSection}' (programs: ${list || 'none'})`);
  }

  /** The spec of a loaded program. */
  programSpec(prog: LoadedProgram): ProgramSpec | undefined {
    for (const [name, p] of this.programs) if (p === prog) return this.spec.programs.find((s) => s.name === name);
    return undefined;
  }

  /** A map by name. @throws BpfError (USAGE) naming the available maps */
  map(name: string): BpfMap {
    const m = this.maps.get(name);
    if (m === undefined) throw new BpfError(ErrorCode.Usage, `no map '${name}' (maps: ${[...this.maps.keys()].join(', ') || 'none'})`);
    return m;
  }

  /** Name of a loaded program (for prog-array checkpoints). */
  programName(prog: unknown): string | undefined {
    for (const [name, p] of this.programs) if (p === prog) return name;
    return undefined;
  }

  /** Releases the maps' VM regions. */
  dispose(): void {
    for (const m of this.mapList) m.dispose();
  }
}

/** Program types the kernel loads only with an attach_btf_id resolved from the target's BTF (vmlinux or a program). */
const ATTACH_BTF_TYPES: ReadonlySet<string> = new Set(['tracing', 'lsm', 'ext', 'struct_ops']);

/**
 * Refuses programs bpfsim cannot load faithfully: an unknown program type (section name matching no SEC()
 * convention; the kernel refuses BPF_PROG_TYPE_UNSPEC), and tracing (fentry/fexit/fmod_ret/tp_btf/iter), lsm, freplace and
 * struct_ops programs, which the kernel only accepts with the BTF id of their attach target.
 * @throws ElfError (UNSUPPORTED) naming the section and the program symbol
 */
function checkLoadable(ps: ProgramSpec): void {
  if (ps.type === 'unspec') {
    // libbpf: "missing BPF prog type, check ELF section name"; the kernel refuses BPF_PROG_TYPE_UNSPEC (EINVAL)
    throw new ElfError(`program '${ps.name}': no libbpf SEC() convention matches section '${ps.section}', so its program type is unknown (use e.g. SEC("xdp"), SEC("socket"), SEC("tc"), SEC("seccomp"), or give the type explicitly)`,
      ps.section, undefined, ErrorCode.Elf);
  }
  if (!ATTACH_BTF_TYPES.has(ps.type)) return;
  const target = ps.attachTo !== undefined ? ` '${ps.attachTo}'` : '';
  throw new ElfError(
    `program '${ps.name}': ${ps.type} programs need the BTF of their attach target${target} (attach_btf_id from vmlinux BTF), which bpfsim does not model`,
    ps.section, undefined, ErrorCode.Unsupported);
}

/**
 * Creates the maps and loads the programs of a collection.
 * @throws ErrnoError for a map the kernel would refuse; BpfError from program decoding or map references;
 *   ElfError (ELF) for a gpl_only helper called under a non-GPL license, (UNSUPPORTED) for tracing / lsm / freplace / struct_ops programs (they need attach-target BTF)
 */
export function loadCollection(spec: CollectionSpec, opts: LoadCollectionOptions = {}): LoadedCollection {
  const vm = opts.vm ?? new Vm({ env: createEnv({ nrCpus: opts.nrCpus ?? 1 }) });
  vm.helpers.registerAll(mapHelpers());
  const nrCpus = opts.nrCpus ?? vm.env.nrCpus ?? 1;
  const col = new LoadedCollection(vm, spec, opts.hashSeed ?? 0);
  try {
    for (const ms of spec.maps) {
      let s: MapSpec = ms;
      // libbpf sizes an unsized perf event array to the number of possible CPUs.
      if (s.type === 'perf_event_array' && s.maxEntries === 0) s = { ...s, maxEntries: nrCpus };
      // prog arrays are frozen after their programs are in.
      if ((s.type === 'prog_array' || s.type.endsWith('_of_maps')) && s.frozen) s = { ...s, frozen: false };
      let m: BpfMap;
      try {
        m = createMap(s, vm.memory, { nrCpus, hashSeed: col.hashSeed });
      } catch (e) {
        // a map type bpfsim does not implement: name the ELF section and the map symbol
        if (e instanceof BpfError && e.code === ErrorCode.Unsupported && spec.mapSections?.[ms.name ?? ''] !== undefined) {
          throw new ElfError(`map '${ms.name}': ${e.message}`, spec.mapSections[ms.name!], undefined, ErrorCode.Unsupported);
        }
        throw e;
      }
      const name = ms.name ?? `map${col.mapList.length}`;
      if (col.maps.has(name)) throw new BpfError(ErrorCode.Elf, `duplicate map name '${name}'`);
      col.maps.set(name, m);
      col.mapList.push(m);
    }
    const index = new Map<string, number>(col.mapList.map((m, i) => [[...col.maps.keys()][i]!, i]));
    for (const ps of spec.programs) {
      checkLoadable(ps);
      checkLicense(ps);
      const bytes = programBytes(ps, index);
      if (col.programs.has(ps.name)) throw new BpfError(ErrorCode.Elf, `duplicate program name '${ps.name}'`);
      col.programs.set(ps.name, vm.load(bytes, { progType: ps.type, maps: col.mapList, name: ps.name }));
    }
    const progIds = new Map<number, { prog: LoadedProgram; id: number }>();
    [...col.programs.values()].forEach((p, i) => progIds.set(i + 1, { prog: p, id: i + 1 }));
    col.mapList.forEach((m, i) => { m.id = i + 1; });
    spec.maps.forEach((ms, i) => {
      const m = col.mapList[i]!;
      if (isMapOfMaps(m)) {
        m.resolveFd = (fd) => col.mapList[fd - 1];
        for (const c of ms.contents ?? []) m.update(fromHex(c.key, `map '${ms.name}' key`), fromHex(c.value, `map '${ms.name}' value`));
        for (const v of ms.values ?? []) {
          if (v.map === undefined) throw new BpfError(ErrorCode.Elf, `map '${ms.name}': slot ${v.index} holds a program, not a map`);
          const inner = col.maps.get(v.map);
          if (inner === undefined) throw new BpfError(ErrorCode.Elf, `map '${ms.name}': slot ${v.index} names unknown map '${v.map}'`);
          m.setInner(u32Key(v.index), inner);
        }
        if (ms.frozen) m.freeze();
        return;
      }
      if (!(m instanceof ProgArrayMap)) {
        if (ms.values?.length) throw new BpfError(ErrorCode.Unsupported, `map '${ms.name}': initial values are only supported for prog arrays and maps of maps`);
        return;
      }
      m.resolveFd = (fd) => progIds.get(fd);
      for (const v of ms.values ?? []) {
        if (v.program === undefined) throw new BpfError(ErrorCode.Unsupported, `map '${ms.name}': slot ${v.index} holds a map, not a program`);
        const lp = col.programs.get(v.program);
        if (lp === undefined) throw new BpfError(ErrorCode.Elf, `map '${ms.name}': slot ${v.index} names unknown program '${v.program}'`);
        m.setProgram(v.index, lp, [...col.programs.values()].indexOf(lp) + 1);
      }
      if (ms.frozen) m.freeze();
    });
  } catch (e) {
    col.dispose();
    throw e;
  }
  return col;
}
