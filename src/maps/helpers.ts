/**
 * Map helpers with the kernel's ids and semantics (include/uapi/linux/bpf.h
 * `enum bpf_func_id`; kernel/bpf/helpers.c, bpf_trace.c, ringbuf.c):
 * map_lookup_elem (1), map_update_elem (2), map_delete_elem (3),
 * perf_event_output (25), ringbuf_output (130), ringbuf_reserve (131),
 * ringbuf_submit (132), ringbuf_discard (133), ringbuf_query (134),
 * map_lookup_percpu_elem (195). tail_call (12) is the VM's; it finds the
 * {@link ProgArrayMap} (a ProgArrayLike) as the owner of the map region in r2.
 *
 * Pointer arguments are resolved through VM memory with bounds and
 * permission checks; a bad pointer, or a map the verifier would not let the
 * helper see (wrong map type, a write to a BPF_F_RDONLY_PROG map), is a
 * RuntimeFault. Map errors are returned as the kernel does: a negative errno
 * in r0.
 */
import { ErrorCode, RuntimeFault } from '../errors.js';
import { Perm } from '../vm/memory.js';
import type { HelperCall, HelperDef } from '../vm/types.js';
import { ArrayMap, PerfEventArrayMap } from './array.js';
import { BpfMap } from './base.js';
import { errnoResult, negErrno } from './errno.js';
import { RingbufMap, RingbufRecord } from './ringbuf.js';
import { MapFlag, MapType } from './spec.js';

/** Helper ids (`BPF_FUNC_*`) of the map helpers. */
export const MapHelperId = {
  map_lookup_elem: 1, map_update_elem: 2, map_delete_elem: 3, tail_call: 12, perf_event_output: 25,
  ringbuf_output: 130, ringbuf_reserve: 131, ringbuf_submit: 132, ringbuf_discard: 133, ringbuf_query: 134,
  map_lookup_percpu_elem: 195,
} as const;

const EAGAIN = BigInt.asUintN(64, -11n);
const BPF_F_INDEX_MASK = 0xffffffffn;
const BPF_F_CTXLEN_MASK = 0xfffffn << 32n;

function hex(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16);
}

function helperFault(call: HelperCall, name: string, msg: string, code: (typeof ErrorCode)[keyof typeof ErrorCode] = ErrorCode.Helper, addr?: bigint, size?: number): RuntimeFault {
  return new RuntimeFault(code, `bpf_${name}: ${msg}`, call.pc, addr, size);
}

/** The live map a map-pointer argument names. @throws RuntimeFault when it is not a map pointer */
export function mapArg(call: HelperCall, r: bigint, name: string, reg = 'R1'): BpfMap {
  const hi = Number(BigInt.asUintN(64, r) >> 32n);
  const lo = Number(r & 0xffffffffn);
  const region = call.mem.regionOf(hi);
  if (region === undefined || region.kind !== 'map' || lo !== 0 || !(region.owner instanceof BpfMap)) {
    throw helperFault(call, name, `${reg} (${hex(r)}) is not a map pointer`, ErrorCode.MemFault, BigInt.asUintN(64, r), 0);
  }
  return region.owner;
}

/** Copies `size` readable bytes at `addr`. @throws RuntimeFault out of bounds / not readable */
export function readArg(call: HelperCall, addr: bigint, size: number, name: string, what: string): Uint8Array {
  if (size === 0) return new Uint8Array(0);
  const r = call.mem.resolve(addr, size, Perm.READ);
  if (r === undefined) {
    throw helperFault(call, name, `invalid read of ${size} bytes (${what}) at ${hex(addr)}`, ErrorCode.MemFault, BigInt.asUintN(64, addr), size);
  }
  return r.region.bytes.slice(r.offset, r.offset + size);
}

function elemMap(call: HelperCall, r1: bigint, name: string): BpfMap {
  const map = mapArg(call, r1, name);
  if (!map.progElemOps) {
    throw helperFault(call, name, `cannot pass map_type ${MapType[map.type]} (${map.type}) into func bpf_${name}`);
  }
  return map;
}

function noProgWrite(call: HelperCall, map: BpfMap, name: string): void {
  if (map.type === 'array_of_maps' || map.type === 'hash_of_maps') {
    throw helperFault(call, name, `cannot pass map_type ${MapType[map.type]} (${map.type}) into func bpf_${name}`);
  }
  if (map.flags & MapFlag.BPF_F_RDONLY_PROG) {
    throw helperFault(call, name, `write into map forbidden: ${map.label} is BPF_F_RDONLY_PROG`);
  }
}

function smallFlags(v: bigint): number {
  return v > 0xffffffffn ? -1 : Number(v);
}

/**
 * map_lookup_elem on a (non-per-CPU) array map without BigInt or copies: r1 =
 * (regs[2], regs[3]), r2 = (regs[4], regs[5]). Declines (false) for any other
 * map, and for a key pointer that does not resolve to 4 readable bytes, so
 * that the generic helper reports the fault.
 */
export function arrayLookupFast(call: HelperCall, regs: Int32Array): boolean {
  if (regs[2] !== 0) return false;
  const mem = call.mem;
  const mr = mem.regions[regs[3]! >>> 0];
  if (mr === undefined || mr.kind !== 'map') return false;
  const map = mr.owner;
  if (!(map instanceof ArrayMap) || map.percpu || map.keySize !== 4) return false;
  const kr = mem.check(regs[5]!, regs[4]!, 4, Perm.READ);
  if (kr === undefined) return false;
  const off = regs[4]! >>> 0;
  const b = kr.bytes;
  const idx = (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
  regs[0] = 0;
  regs[1] = map.lookupRegionId(idx);
  return true;
}

/** The map helpers as HelperDefs for the VM's registry. */
export function mapHelpers(): HelperDef[] {
  return [
    {
      id: MapHelperId.map_lookup_elem, name: 'map_lookup_elem',
      fn: (call, r1, r2) => {
        const map = elemMap(call, r1, 'map_lookup_elem');
        const key = readArg(call, r2, map.keySize, 'map_lookup_elem', 'key');
        return map.progLookup(key, call.env.cpu);
      },
      fastRegs: arrayLookupFast,
    },
    {
      id: MapHelperId.map_update_elem, name: 'map_update_elem',
      fn: (call, r1, r2, r3, r4) => {
        const map = elemMap(call, r1, 'map_update_elem');
        noProgWrite(call, map, 'map_update_elem');
        const key = readArg(call, r2, map.keySize, 'map_update_elem', 'key');
        const value = readArg(call, r3, map.valueSize, 'map_update_elem', 'value');
        return errnoResult(() => map.progUpdate(key, value, smallFlags(r4), call.env.cpu));
      },
    },
    {
      id: MapHelperId.map_delete_elem, name: 'map_delete_elem',
      fn: (call, r1, r2) => {
        const map = elemMap(call, r1, 'map_delete_elem');
        noProgWrite(call, map, 'map_delete_elem');
        const key = readArg(call, r2, map.keySize, 'map_delete_elem', 'key');
        return errnoResult(() => map.progDelete(key));
      },
    },
    {
      id: MapHelperId.map_lookup_percpu_elem, name: 'map_lookup_percpu_elem',
      fn: (call, r1, r2, r3) => {
        const map = elemMap(call, r1, 'map_lookup_percpu_elem');
        if (!map.type.includes('percpu')) {
          throw helperFault(call, 'map_lookup_percpu_elem', `cannot pass map_type ${MapType[map.type]} (${map.type}) into func bpf_map_lookup_percpu_elem`);
        }
        const key = readArg(call, r2, map.keySize, 'map_lookup_percpu_elem', 'key');
        if (r3 >= BigInt(map.nrCpus)) return 0n;
        return map.progLookup(key, Number(r3));
      },
    },
    {
      id: MapHelperId.perf_event_output, name: 'perf_event_output',
      fn: (call, _ctx, r2, r3, r4, r5) => {
        const map = mapArg(call, r2, 'perf_event_output', 'R2');
        if (!(map instanceof PerfEventArrayMap)) {
          throw helperFault(call, 'perf_event_output', `cannot pass map_type ${MapType[map.type]} (${map.type}) into func bpf_perf_event_output`);
        }
        if (r3 & ~(BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK)) return negErrno('EINVAL');
        let index = Number(r3 & BPF_F_INDEX_MASK);
        if (index === 0xffffffff) index = call.env.cpu;
        if (index >= map.maxEntries) return negErrno('E2BIG');
        if (!map.isOpen(index)) return negErrno('ENOENT');
        const data = readArg(call, r4, Number(BigInt.asUintN(32, r5)), 'perf_event_output', 'data');
        map.events.push({ index, data });
        return 0n;
      },
    },
    {
      id: MapHelperId.ringbuf_output, name: 'ringbuf_output',
      fn: (call, r1, r2, r3, r4) => {
        const rb = ringbufArg(call, r1, 'ringbuf_output');
        if (r4 & ~3n) return negErrno('EINVAL');
        const data = readArg(call, r2, Number(BigInt.asUintN(32, r3)), 'ringbuf_output', 'data');
        const rec = rb.reserve(data.length);
        if (rec === undefined) return EAGAIN;
        rec.data.set(data);
        rb.commit(rec, false);
        return 0n;
      },
    },
    {
      id: MapHelperId.ringbuf_reserve, name: 'ringbuf_reserve',
      fn: (call, r1, r2, r3) => {
        const rb = ringbufArg(call, r1, 'ringbuf_reserve');
        if (r3 !== 0n || r2 > 0x3fffffffn) return 0n;
        const rec = rb.reserve(Number(r2));
        return rec === undefined ? 0n : rb.sampleAddress(rec);
      },
    },
    { id: MapHelperId.ringbuf_submit, name: 'ringbuf_submit', fn: (call, r1) => commitArg(call, r1, 'ringbuf_submit', false) },
    { id: MapHelperId.ringbuf_discard, name: 'ringbuf_discard', fn: (call, r1) => commitArg(call, r1, 'ringbuf_discard', true) },
    {
      id: MapHelperId.ringbuf_query, name: 'ringbuf_query',
      fn: (call, r1, r2) => ringbufArg(call, r1, 'ringbuf_query').query(r2 > 3n ? -1 : Number(r2)),
    },
  ];
}

function ringbufArg(call: HelperCall, r1: bigint, name: string): RingbufMap {
  const map = mapArg(call, r1, name);
  if (!(map instanceof RingbufMap)) {
    throw helperFault(call, name, `cannot pass map_type ${MapType[map.type]} (${map.type}) into func bpf_${name}`);
  }
  return map;
}

function commitArg(call: HelperCall, r1: bigint, name: string, discard: boolean): bigint {
  const hi = Number(BigInt.asUintN(64, r1) >> 32n);
  const region = call.mem.regionOf(hi);
  if (region === undefined || region.kind !== 'ringbuf' || !(region.owner instanceof RingbufRecord) || (r1 & 0xffffffffn) !== 0n) {
    throw helperFault(call, name, `R1 (${hex(r1)}) is not a reserved ring buffer sample`, ErrorCode.MemFault, BigInt.asUintN(64, r1), 0);
  }
  region.owner.ringbuf.commit(region.owner, discard);
  return 0n;
}
