/**
 * Loader for the kernel verifier case files in ../shared/conformance/kernel-verifier
 * (format: NOTICE.md there): bytes with map fixups applied (imm = map index),
 * map specs, program type and flags.
 */
import { readFileSync } from 'node:fs';
import { hexToBytes } from '../../src/isa/insn.js';
import type { ProgTypeName } from '../../src/isa/prog-types.js';
import { type MapSpec, type MapTypeName, parseMapFlags } from '../../src/maps/spec.js';

/** One record of the case file (the fields used here). */
export interface KernelCase {
  name: string;
  group: string;
  prog_type: string;
  insns_hex: string;
  maps: Array<{ insn_idx: number[]; map_type: string; key_size: number; value_size: number; max_entries: number; map_flags?: string | null }>;
  kernel_here: 'accept' | 'reject';
  kernel_msg: string;
  load_prog_flags?: number;
}

/** Reads a JSON-lines case file. */
export function readCases(path: string): KernelCase[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as KernelCase);
}

/** Program bytes (fixups applied), maps and options for one case. */
export function caseInput(c: KernelCase): { bytes: Uint8Array; maps: MapSpec[]; progType: ProgTypeName; progFlags: number } {
  const bytes = hexToBytes(c.insns_hex);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const maps: MapSpec[] = [];
  c.maps.forEach((m, i) => {
    const flags = m.map_flags ? parseMapFlags(m.map_flags.split('|').map((s) => s.trim()).filter(Boolean)) : 0;
    maps.push({ type: m.map_type as MapTypeName, keySize: m.key_size, valueSize: m.value_size, maxEntries: m.max_entries, flags });
    for (const k of m.insn_idx) if (k * 8 + 8 <= bytes.length) dv.setInt32(k * 8 + 4, i, true);
  });
  return { bytes, maps, progType: c.prog_type as ProgTypeName, progFlags: c.load_prog_flags ?? 0 };
}
