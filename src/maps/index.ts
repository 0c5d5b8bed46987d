/** Maps: specs, live map objects, the factory and the map helpers. */
export * from './spec.js';
export { BpfMap, UpdateFlag, type MapOptions, toHex, fromHex, u32Key, keyIndex, round8 } from './base.js';
export { ArrayMap, ProgArrayMap, PerfEventArrayMap, type PerfEvent, type ProgSlot } from './array.js';
export { HashMap, type HashMapOptions } from './hash.js';
export { LpmTrieMap } from './lpm-trie.js';
export { RingbufMap, RingbufRecord, RingbufQuery, RINGBUF_HDR_SZ } from './ringbuf.js';
export { createMap, validateMapSpec, type CreateMapOptions } from './create.js';
export { ERRNO, errnoResult, negErrno } from './errno.js';
export { jhash, jhash2, htabHash } from './jhash.js';
export { mapHelpers, MapHelperId, mapArg, readArg } from './helpers.js';
export { ArrayOfMapsMap, HashOfMapsMap, isMapOfMaps, type MapOfMaps } from './map-in-map.js';
