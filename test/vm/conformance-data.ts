/**
 * Parser of bpf_conformance `.data` vectors (format: ../shared/conformance/
 * bpf_conformance/NOTICE.md): `#` comments, sections `-- asm`, `-- raw`,
 * `-- mem`, `-- result`, `-- error`; other sections are ignored.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One vector. */
export interface ConformanceVector {
  name: string;
  asm?: string;
  /** Program bytes from `-- raw`. */
  raw?: Uint8Array;
  mem: Uint8Array;
  /** Expected r0 (unsigned 64-bit), when given. */
  result?: bigint;
  error?: string;
}

/** Parses one file's text. */
export function parseConformance(name: string, text: string): ConformanceVector {
  const sections = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = /^--\s*(.*?)\s*$/.exec(line);
    if (m) {
      cur = [];
      sections.set(m[1]!, cur);
      continue;
    }
    const noComment = line.replace(/#.*$/, '');
    if (cur !== undefined && noComment.trim() !== '') cur.push(noComment);
  }
  const v: ConformanceVector = { name, mem: new Uint8Array(0) };
  const asm = sections.get('asm');
  if (asm) v.asm = asm.join('\n');
  const raw = sections.get('raw');
  if (raw) {
    const words = raw.join(' ').split(/\s+/).filter(Boolean).map((t) => BigInt(t));
    const out = new Uint8Array(words.length * 8);
    const dv = new DataView(out.buffer);
    words.forEach((w, i) => dv.setBigUint64(i * 8, BigInt.asUintN(64, w), true));
    v.raw = out;
  }
  const mem = sections.get('mem');
  if (mem) v.mem = Uint8Array.from(mem.join(' ').split(/\s+/).filter(Boolean).map((t) => parseInt(t, 16)));
  const result = sections.get('result');
  if (result) v.result = BigInt.asUintN(64, BigInt(result.join('').trim()));
  const error = sections.get('error');
  if (error) v.error = error.join('\n').trim();
  return v;
}

/** Every `*.data` vector in `dir`, sorted by name. */
export function loadConformance(dir: string): ConformanceVector[] {
  return readdirSync(dir).filter((f) => f.endsWith('.data')).sort()
    .map((f) => parseConformance(f.replace(/\.data$/, ''), readFileSync(join(dir, f), 'utf8')));
}
