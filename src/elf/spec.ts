/**
 * Plain, serialisable collection specs: what an ELF object declares
 * (programs with symbolic map references, map specs, license, version),
 * kept apart from loaded objects (cf. cilium/ebpf CollectionSpec).
 */
import type { ProgTypeName } from '../isa/prog-types.js';
import type { MapSpec } from '../maps/spec.js';

/** A symbolic reference from an ld_imm64 to a map, resolved at load time. */
export interface MapReference {
  /** Instruction slot of the ld_imm64 in the linked program. */
  slot: number;
  /** Map name (a MapSpec name of the collection). */
  map: string;
  /** `map`: the map itself (src 1, BPF_PSEUDO_MAP_FD); `value`: direct value access (src 2, BPF_PSEUDO_MAP_VALUE). */
  kind: 'map' | 'value';
  /** Byte offset into the value for `value` references (0 otherwise). */
  offset: number;
}

/** One program. */
export interface ProgramSpec {
  /** Function symbol name. */
  name: string;
  /** ELF section (SEC() name). */
  section: string;
  /** Program type from the section name ('unspec' when no convention matches). */
  type: ProgTypeName;
  /** Attach target: the part of the section name after the SEC() prefix. */
  attachTo?: string;
  /**
   * Linked instructions (subprograms appended, calls fixed): ld_imm64 map
   * references carry src 1/2 and imm 0 until a loader fills in the map index.
   */
  insns: Uint8Array;
  references: MapReference[];
  /** Names of the subprograms appended to this program, in order. */
  subprograms: string[];
  license: string;
}

/** A relocation as `bpfsim inspect` shows it. */
export interface RelocationInfo {
  /** Section the relocation applies to. */
  section: string;
  /** Byte offset inside that section. */
  offset: number;
  /** `R_BPF_64_64`, `R_BPF_64_32`, `R_BPF_64_ABS64`, ... */
  type: string;
  symbol: string;
  /** What it resolves to: `map NAME`, `map NAME value +OFF`, `call FUNC`, `prog array slot`, ... */
  target: string;
}

/** A global variable in a data section (`.data*`, `.bss*`, `.rodata*`), from the symbol table. */
export interface VariableSpec {
  /** Symbol name. */
  name: string;
  /** The data map holding it (its section name, e.g. `.rodata`, `.data.tbl`). */
  map: string;
  /** Byte offset in the map's single value. */
  offset: number;
  /** Size in bytes (the symbol's st_size). */
  size: number;
}

/** Everything an object declares. */
export interface CollectionSpec {
  programs: ProgramSpec[];
  maps: MapSpec[];
  /** Contents of the `license` section ('' when absent). */
  license: string;
  /** Contents of the `version` section (0 when absent). */
  version: number;
  relocations: RelocationInfo[];
  /** Named global variables of the data sections (what a libbpf skeleton exposes); absent in hand-built specs. */
  variables?: VariableSpec[];
  /** ELF section each map was declared in (`.maps`, `maps`, `.rodata`, ...), by map name, for error messages. */
  mapSections?: Record<string, string>;
}
