/**
 * Kernel oracle for user-space map semantics: builds test/maps/kmapops.c
 * (bpf(2) map commands from a script) into .koracle/ and runs scripts.
 * Available only as root on Linux with a C compiler.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/shared.js';
import { ErrnoError } from '../../src/errors.js';
import { createMap, MapType, type BpfMap, type MapSpec } from '../../src/maps/index.js';
import { Memory } from '../../src/vm/memory.js';

let bin: string | null | undefined;

/** Path of the built oracle, or null where it cannot run. */
export function kmapops(): string | null {
  if (bin !== undefined) return bin;
  bin = null;
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || process.env.BPFSIM_NO_KERNEL === '1') return bin;
  const out = join(REPO_ROOT, '.koracle', 'kmapops');
  try {
    mkdirSync(join(REPO_ROOT, '.koracle'), { recursive: true });
    const src = join(REPO_ROOT, 'test/maps/kmapops.c');
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) execFileSync('cc', ['-O2', '-o', out, src], { stdio: 'ignore' });
    const r = spawnSync(out, [], { input: 'create 2 4 4 1 0\n', encoding: 'utf8' });
    if (r.stdout.trim() === 'OK') bin = out;
  } catch {
    bin = null;
  }
  return bin;
}

/** Number of possible CPUs of this machine (per-CPU value layout). */
export function possibleCpus(): number {
  try {
    const s = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    const m = /^0-(\d+)$/.exec(s);
    return m ? Number(m[1]) + 1 : 1;
  } catch {
    return 1;
  }
}

/** One script line. */
export type Op =
  | { op: 'update'; key: string; value: string; flags: number }
  | { op: 'lookup'; key: string }
  | { op: 'delete'; key: string }
  | { op: 'next'; key: string | null }
  | { op: 'freeze' };

/** A case: a map spec and operations on it. */
export interface MapCase { spec: MapSpec; ops: Op[] }

/** Runs cases in the kernel; one result array (create result first) per case. */
export function runKernel(cases: MapCase[]): string[][] {
  const lines: string[] = [];
  for (const c of cases) {
    const s = c.spec;
    lines.push(`create ${MapType[s.type]} ${s.keySize} ${s.valueSize} ${s.maxEntries} ${s.flags}`);
    for (const o of c.ops) lines.push(scriptLine(o, s, userValueSize(s)));
  }
  const r = spawnSync(kmapops()!, [], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  const out = r.stdout.trim().split('\n');
  const res: string[][] = [];
  let i = 0;
  for (const c of cases) {
    res.push(out.slice(i, i + 1 + c.ops.length));
    i += 1 + c.ops.length;
  }
  return res;
}

function userValueSize(s: MapSpec): number {
  return s.type.includes('percpu') ? ((s.valueSize + 7) & ~7) * possibleCpus() : s.valueSize;
}

function scriptLine(o: Op, s: MapSpec, vsz: number): string {
  switch (o.op) {
    case 'update': return `update ${o.key || '-'} ${o.value || '-'} ${o.flags}`;
    case 'lookup': return `lookup ${o.key || '-'} ${vsz}`;
    case 'delete': return `delete ${o.key || '-'}`;
    case 'next': return `next ${o.key ?? '-'}`;
    case 'freeze': return 'freeze';
  }
  void s;
}

/** Runs the same cases on bpfsim maps, producing the same result strings. */
export function runSim(cases: MapCase[]): string[][] {
  const hx = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  const un = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
  return cases.map((c) => {
    const res: string[] = [];
    let map: BpfMap | undefined;
    const attempt = (f: () => string): string => {
      try {
        return f();
      } catch (e) {
        if (e instanceof ErrnoError) return e.errno;
        throw e;
      }
    };
    res.push(attempt(() => { map = createMap(c.spec, new Memory(), { nrCpus: possibleCpus() }); return 'OK'; }));
    for (const o of c.ops) {
      if (map === undefined) { res.push('EBADF'); continue; }
      const m = map;
      res.push(attempt(() => {
        switch (o.op) {
          case 'update': m.update(un(o.key), un(o.value), o.flags); return 'OK';
          case 'lookup': return 'OK ' + hx(m.lookup(un(o.key)));
          case 'delete': m.delete(un(o.key)); return 'OK';
          case 'next': return 'OK ' + hx(m.nextKey(o.key === null ? null : un(o.key)));
          case 'freeze': m.freeze(); return 'OK';
        }
      }));
    }
    return res;
  });
}
