/**
 * Unit tests per check (test/verifier/vectors.ts), with the kernel's messages;
 * the vectors marked `kernel` are also loaded into the running kernel
 * (koracle ebpf-load, root) and must get the same verdict and final line.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/isa/insn.js';
import { verify } from '../../src/verifier/index.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { bytesOf } from './support.js';
import { VECTORS } from './vectors.js';

describe('verifier checks', () => {
  it.each(VECTORS.map((x) => [x.name, x] as const))('%s', (_n, x) => {
    const r = verify(bytesOf(x.src), { progType: x.progType, maps: x.maps, progFlags: x.flags ?? 0, logLevel: 1 });
    if (x.expect === 'accept') expect(r.message, r.log).toBe('');
    else expect(r.message, r.log).toBe(x.expect);
    expect(r.accepted).toBe(x.expect === 'accept');
  });
});

function koracleMap(m: NonNullable<(typeof VECTORS)[number]['maps']>[number]): Record<string, unknown> {
  const flags = [m.flags & 0x80 ? 'rdonly_prog' : '', m.flags & 0x100 ? 'wronly_prog' : ''].filter(Boolean).join('|');
  return { type: m.type, key: m.keySize, value: m.valueSize, entries: m.maxEntries, ...(flags ? { flags } : {}), ...(m.frozen ? { freeze: true } : {}) };
}

describe.skipIf(!koracleAvailable())('verifier checks against the running kernel', () => {
  it('kernel vectors get the kernel\'s verdict and message', () => {
    const vs = VECTORS.filter((x) => x.kernel);
    const res = koracleBatch('ebpf-load', vs.map((x, i) => ({
      id: i, prog: bytesToHex(bytesOf(x.src)), type: x.progType ?? 'socket_filter', log_level: 1,
      ...(x.flags ? { prog_flags: x.flags } : {}),
      ...(x.maps ? { maps: x.maps.map(koracleMap) } : {}),
    })));
    const bad: string[] = [];
    res.forEach((k, i) => {
      const x = vs[i]!;
      const lines = String(k.log ?? '').trim().split('\n');
      const kMsg = k.status === 'accepted' ? 'accept' : (lines[lines.length - 2] ?? `errno ${k.errno}`);
      if (kMsg !== x.expect) bad.push(`${x.name}: kernel "${kMsg}" (${k.status}), vector "${x.expect}"`);
    });
    expect(bad).toEqual([]);
  });
});
