/**
 * The bpf_conformance vector parser (../shared/conformance/bpf_conformance/tests/*.data):
 * `-- asm` (uBPF syntax), optional `-- mem` (hex bytes), `-- result` (r0 as hex),
 * optional `-- raw`, `-- error`. One parser for every engine's vector test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath } from '../../support/shared.js';

/** One conformance vector. */
export interface Vector {
  readonly name: string;
  readonly asm: string;
  readonly mem: Uint8Array;
  /** Expected r0, or undefined when the vector expects an error. */
  readonly result: bigint | undefined;
  /** Expected error text, when given. */
  readonly error: string | undefined;
}

/** Directory of the vectors, or undefined where ../shared is absent. */
export const VECTOR_DIR = sharedPath('conformance', 'bpf_conformance', 'tests');

function sections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let cur: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^-- (.+?)\s*$/.exec(line);
    if (m) { cur = m[1]!; out.set(cur, ''); continue; }
    if (cur !== undefined) out.set(cur, out.get(cur)! + line + '\n');
  }
  return out;
}

function hexBytes(s: string): Uint8Array {
  const t = s.replace(/#.*$/gm, '').split(/\s+/).filter((x) => x.length > 0);
  return Uint8Array.from(t.map((x) => {
    if (!/^[0-9a-fA-F]{2}$/.test(x)) throw new Error(`bad mem byte '${x}'`);
    return parseInt(x, 16);
  }));
}

/** Parses one vector file's text. */
export function parseVector(name: string, text: string): Vector {
  const s = sections(text);
  const asm = s.get('asm');
  if (asm === undefined) throw new Error(`${name}: no -- asm section`);
  const res = s.get('result')?.replace(/#.*$/gm, '').trim();
  return {
    name, asm,
    mem: hexBytes(s.get('mem') ?? ''),
    result: res === undefined || res === '' ? undefined : BigInt(res),
    error: s.get('error')?.trim(),
  };
}

/** All vectors (sorted by file name); empty where ../shared is absent. */
export function loadVectors(): Vector[] {
  if (VECTOR_DIR === undefined) return [];
  return readdirSync(VECTOR_DIR).filter((f) => f.endsWith('.data')).sort()
    .map((f) => parseVector(f, readFileSync(join(VECTOR_DIR, f), 'utf8')));
}
