/**
 * The dependency direction of STYLE.md ("Dependency direction"), checked on
 * the import statements of src/**\/*.ts:
 *
 * ```
 *   errors                        (imports nothing)
 *   isa          → errors
 *   vm-memory    → isa            src/vm/memory.ts + src/vm/types.ts: the region model map values live in
 *   asm, maps    → isa            (maps also → vm-memory)
 *   cbpf         → isa
 *   vm           → asm, maps, cbpf
 *   verifier     → asm; maps only as types (plus the kernel constants of src/maps/spec.ts)
 *   elf          → maps, vm       (loading turns specs into live programs)
 *   trace        → errors
 *   seccomp      → cbpf, vm, verifier, maps, asm; trace only as types
 *   index        → everything but cli
 *   cli          → everything; nothing imports cli
 * ```
 *
 * "→ X" includes everything X may import. Module-level cycles are rejected too.
 * Edges still waiting on a module's owner are listed in {@link KNOWN}; the list
 * must only shrink (an entry that no longer matches an import fails).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';

const SRC = join(REPO_ROOT, 'src');

/** One static import/export-from (or dynamic import of a literal) between files under src/. */
interface Edge {
  /** Importing file, relative to src/ (`cbpf/disasm.ts`). */
  from: string;
  /** Imported file, relative to src/ (`seccomp/arch.ts`). */
  to: string;
  /** True for `import type`, `export type`, or braces holding only `type` specifiers. */
  typeOnly: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return walk(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Import edges of every .ts file under src/ (comments stripped first so that examples in TSDoc do not count). */
function importEdges(): Edge[] {
  const edges: Edge[] = [];
  const re = /\b(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*'([^']+)'|\bimport\s*\(?\s*'([^']+)'/g;
  for (const file of walk(SRC)) {
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of text.matchAll(re)) {
      const spec = m[4] ?? m[5]!;
      if (!spec.startsWith('.')) continue;
      const clause = m[3] ?? '';
      const braces = /^\{([^}]*)\}$/.exec(clause.trim());
      const names = braces ? braces[1]!.split(',').map((s) => s.trim()).filter(Boolean) : [];
      const typeOnly = m[2] !== undefined || (names.length > 0 && names.every((n) => n.startsWith('type ')));
      const to = relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
      edges.push({ from: relative(SRC, file), to, typeOnly });
    }
  }
  return edges;
}

/** The module a file under src/ belongs to. */
function moduleOf(file: string): string {
  if (file === 'vm/memory.ts' || file === 'vm/types.ts') return 'vm-memory';
  const slash = file.indexOf('/');
  return slash < 0 ? file.replace(/\.ts$/, '') : file.slice(0, slash);
}

/** Modules each module may import directly (besides itself). Transitive closure is taken below. */
const ALLOWED: Record<string, string[]> = {
  errors: [],
  isa: ['errors'],
  'vm-memory': ['isa'],
  asm: ['isa'],
  maps: ['isa', 'vm-memory'],
  cbpf: ['isa'],
  vm: ['asm', 'maps', 'cbpf'],
  verifier: ['asm'],
  elf: ['maps', 'vm'],
  trace: ['errors'],
  seccomp: ['cbpf', 'vm', 'verifier', 'maps', 'asm'],
  index: ['seccomp', 'elf', 'trace'],
  cli: ['index'],
};

/** Modules a module may import with `import type` only. */
const TYPE_ONLY: Record<string, string[]> = {
  verifier: ['maps'],
  seccomp: ['trace'],
};

/** Files whose values a module may import although the module is type-only for it: plain kernel constants. */
const VALUE_EXCEPTIONS: Record<string, string[]> = {
  verifier: ['maps/spec.ts'],
};

/** Violations in files of helpers still at work: `from` file, imported module, owner. */
const KNOWN: Array<{ from: string; to: string; owner: string }> = [];

function closure(mod: string, seen = new Set<string>()): Set<string> {
  for (const m of ALLOWED[mod] ?? []) {
    if (!seen.has(m)) {
      seen.add(m);
      closure(m, seen);
    }
  }
  return seen;
}

const edges = importEdges();
const crossEdges = edges.filter((e) => moduleOf(e.from) !== moduleOf(e.to));
const isKnown = (e: Edge) => KNOWN.some((k) => k.from === e.from && k.to === moduleOf(e.to));

/** Why an edge breaks the rules, or undefined when it is allowed. */
function violation(e: Edge): string | undefined {
  const a = moduleOf(e.from), b = moduleOf(e.to);
  if (!(a in ALLOWED)) return `${e.from}: module '${a}' has no rule in ALLOWED`;
  if (closure(a).has(b)) return undefined;
  const typeOnly = [...closure(a), a].flatMap((m) => TYPE_ONLY[m] ?? []);
  if (typeOnly.includes(b) && (e.typeOnly || (VALUE_EXCEPTIONS[a] ?? []).includes(e.to))) return undefined;
  return `${e.from} imports ${e.to}${e.typeOnly ? ' (type)' : ''}: '${a}' may not depend on '${b}'`;
}

describe('import graph (STYLE.md dependency direction)', () => {
  it('parses a plausible number of imports', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(crossEdges.some((e) => e.from === 'index.ts')).toBe(true);
  });

  it('every import between modules follows the direction', () => {
    const bad = crossEdges.filter((e) => !isKnown(e)).map(violation).filter((v) => v !== undefined);
    expect(bad).toEqual([]);
  });

  it('src/errors.ts and src/isa import nothing outside isa but errors.ts', () => {
    const out = crossEdges.filter((e) => ['errors', 'isa'].includes(moduleOf(e.from))).map((e) => `${e.from} → ${e.to}`);
    expect(out.filter((s) => !s.startsWith('isa/') || !s.endsWith('→ errors.ts'))).toEqual([]);
  });

  it('nothing outside src/cli imports src/cli', () => {
    expect(crossEdges.filter((e) => moduleOf(e.to) === 'cli').map((e) => e.from)).toEqual([]);
  });

  it('the plain constants the verifier may import by value import nothing from the map implementations', () => {
    for (const f of Object.values(VALUE_EXCEPTIONS).flat()) {
      const targets = edges.filter((e) => e.from === f).map((e) => moduleOf(e.to));
      expect(targets.filter((m) => !['errors', 'isa', moduleOf(f)].includes(m)), f).toEqual([]);
      const local = edges.filter((e) => e.from === f && moduleOf(e.to) === moduleOf(f)).map((e) => e.to);
      expect(local, `${f} imports other ${moduleOf(f)} files`).toEqual([]);
    }
  });

  it('has no cycle between modules', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of crossEdges) {
      if (isKnown(e)) continue;
      const a = moduleOf(e.from);
      if (!graph.has(a)) graph.set(a, new Set());
      graph.get(a)!.add(moduleOf(e.to));
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (m: string, path: string[]) => {
      if (state.get(m) === 'done') return;
      if (state.get(m) === 'open') {
        cycles.push([...path.slice(path.indexOf(m)), m].join(' → '));
        return;
      }
      state.set(m, 'open');
      for (const n of graph.get(m) ?? []) visit(n, [...path, m]);
      state.set(m, 'done');
    };
    for (const m of graph.keys()) visit(m, []);
    expect(cycles).toEqual([]);
  });

  it('every KNOWN exception still matches an import (remove entries once fixed)', () => {
    for (const k of KNOWN) {
      expect(crossEdges.some((e) => e.from === k.from && moduleOf(e.to) === k.to), `${k.from} → ${k.to} (${k.owner})`).toBe(true);
    }
  });

  it('the rules catch a reverse edge', () => {
    expect(violation({ from: 'isa/insn.ts', to: 'vm/vm.ts', typeOnly: false })).toMatch(/'isa' may not depend on 'vm'/);
    expect(violation({ from: 'verifier/env.ts', to: 'maps/hash.ts', typeOnly: false })).toMatch(/may not depend on 'maps'/);
    expect(violation({ from: 'verifier/env.ts', to: 'maps/hash.ts', typeOnly: true })).toBeUndefined();
    expect(violation({ from: 'cbpf/disasm.ts', to: 'seccomp/arch.ts', typeOnly: false })).toMatch(/'cbpf' may not depend on 'seccomp'/);
  });
});
