/** ELF loader: ELF64 reader, BTF map definitions, collection specs, linking, loading and checkpoints. */
export * from './spec.js';
export { readCollectionSpec, adjustRingbufSize } from './reader.js';
export { ElfFile, EM_BPF, R_BPF, type ElfSection, type ElfSymbol, type ElfRel } from './elf-file.js';
export { Btf, BtfKind } from './btf.js';
export { programTypeOfSection } from './sections.js';
export { loadCollection, LoadedCollection, programBytes, mapIndexOf, type LoadCollectionOptions } from './load.js';
export { checkpointCollection, restoreCollection, checkpointSpec, type CollectionCheckpoint } from './checkpoint.js';
export { setVariable, readVariable } from './variables.js';
export { checkLicense, isGplCompatible, gplOnlyHelpers, GPL_COMPATIBLE_LICENSES } from './license.js';
