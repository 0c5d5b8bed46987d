import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble, disasmText } from '../../src/asm/index.js';
import { sharedPath } from '../support/shared.js';

const dir = sharedPath('conformance', 'bpf_conformance', 'tests');

/** Sections of a bpf_conformance .data file (`-- name` headers). */
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

const files = dir ? readdirSync(dir).filter((f) => f.endsWith('.data')).sort() : [];

describe.skipIf(!dir)('bpf_conformance vectors assemble', () => {
  it('finds all 313 vectors', () => { expect(files.length).toBe(313); });
  describe.each(files)('%s', (f) => {
    const s = sections(readFileSync(join(dir!, f), 'utf8'));
    const src = s.get('asm')!;
    it('assembles, and the ubpf disassembly reassembles to the same bytes', () => {
      const r = assemble(src, { syntax: 'ubpf' });
      const raw = s.get('raw');
      if (raw !== undefined) {
        const words = raw.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((w) => BigInt(w));
        const dv = new DataView(r.bytes.buffer);
        expect(r.bytes.length).toBe(words.length * 8);
        words.forEach((w, i) => expect(dv.getBigUint64(i * 8, true)).toBe(w));
      }
      for (const style of ['ubpf', 'kernel', 'llvm'] as const) {
        expect([...assemble(disasmText(r.program, { style })).bytes]).toEqual([...r.bytes]);
      }
    });
  });
});
