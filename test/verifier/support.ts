/** Test helpers: assemble kernel-syntax source and verify it. */
import { assemble } from '../../src/asm/index.js';
import type { MapSpec } from '../../src/maps/spec.js';
import { verify, type VerifyOptions, type VerifyResult } from '../../src/verifier/index.js';

/** Assembles kernel-syntax source (no structural validation, so the verifier sees bad programs too). */
export function bytesOf(src: string): Uint8Array {
  return assemble(src, { syntax: 'kernel', validate: false }).bytes;
}

/** Verifies kernel-syntax source. */
export function v(src: string, opts: VerifyOptions = {}): VerifyResult {
  return verify(bytesOf(src), opts);
}

/** A map spec. */
export function map(type: MapSpec['type'], keySize: number, valueSize: number, maxEntries = 1, flags = 0, frozen = false): MapSpec {
  return { type, keySize, valueSize, maxEntries, flags, frozen };
}

/** Lookup prologue: r0 = lookup(map[id:0], &key=0 on the stack), then `if r0 == 0 goto exit`. */
export const LOOKUP = `r1 = 0
*(u64 *)(r10 -8) = r1
r2 = r10
r2 += -8
r1 = map[id:0]
call bpf_map_lookup_elem#1
if r0 == 0x0 goto +LBL`;
