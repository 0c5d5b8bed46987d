/**
 * What libbpf users compile that bpfsim (like the kernel) refuses, each with an ElfError naming the section and
 * the symbol; and the license rules of BPF_PROG_LOAD (GPL-only helpers), checked against Linux where reachable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfError, ErrorCode } from '../../src/errors.js';
import { checkLicense, gplOnlyHelpers, isGplCompatible, loadCollection, mapIndexOf, programBytes, readCollectionSpec } from '../../src/elf/index.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { FIXTURES, FIXTURE_CPUS, fixturePath, fixtureSpec } from './fixtures.js';

const bpftoolOk = process.getuid?.() === 0 && process.env.BPFSIM_NO_KERNEL !== '1' && spawnSync('bpftool', ['version']).status === 0;

function caught(f: () => unknown): ElfError {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(ElfError); return e as ElfError; }
  throw new Error('expected an ElfError');
}

describe.each(FIXTURE_CPUS)('-mcpu=%s', (cpu) => {
  it('bad_license: trace_printk under "Proprietary" is refused at load', () => {
    const spec = fixtureSpec('bad_license', cpu);
    expect(spec.license).toBe('Proprietary');
    const e = caught(() => loadCollection(spec));
    expect(e.section).toBe('xdp');
    expect(e.message).toMatch(/program 'noisy': cannot call GPL-restricted function bpf_trace_printk#6 from non-GPL compatible program \(license 'Proprietary'/);
    // the same program under a GPL license loads and runs
    const gpl = { ...spec, programs: spec.programs.map((p) => ({ ...p, license: 'GPL' })) };
    expect(loadCollection(gpl).program('noisy').run({ packet: new Uint8Array(20) }).r0).toBe(2n);
  });

  it('license_variants: "Dual MIT/GPL" may call trace_printk; version section', () => {
    const spec = fixtureSpec('license_variants', cpu);
    expect([spec.license, spec.version]).toEqual(['Dual MIT/GPL', 0x061200]);
    const col = loadCollection(spec);
    expect(col.program('dual').run({ packet: new Uint8Array(10) }).r0).toBe(7n);
    expect(col.vm.env.traceOutput).toEqual(['dual 7']);
  });

  it('no_license: no license section, no GPL-only helper: loads', () => {
    const spec = fixtureSpec('no_license', cpu);
    expect(spec.license).toBe('');
    expect(loadCollection(spec).program('bare').run({ packet: new Uint8Array(20) }).r0).toBe(3n);
  });

  it('bad_queue: a map type bpfsim does not implement names .maps and the map', () => {
    const spec = fixtureSpec('bad_queue', cpu);
    const e = caught(() => loadCollection(spec));
    expect([e.section, e.code]).toEqual(['.maps', ErrorCode.Unsupported]);
    expect(e.message).toMatch(/map 'q'.*queue is not implemented/);
  });

  it('bad_kconfig: an extern __kconfig variable names the section and symbol', () => {
    const e = caught(() => fixtureSpec('bad_kconfig', cpu));
    expect([e.section, e.code]).toEqual(['xdp', ErrorCode.Unsupported]);
    expect(e.message).toMatch(/extern symbol 'LINUX_KERNEL_VERSION'/);
  });
});

it('bad_o0: clang -O0 indirect helper calls (callx) are refused naming the section and function', () => {
  const e = caught(() => readCollectionSpec(new Uint8Array(readFileSync(join(FIXTURES, 'bad_o0.o')))));
  expect([e.section, e.code]).toEqual(['xdp', ErrorCode.Unsupported]);
  expect(e.message).toMatch(/function 'xdp_a' makes an indirect call \(callx r\d+\).*-O1 or higher/);
  expect(e.offset! % 8).toBe(0);
});

it('isGplCompatible: exact kernel strings only', () => {
  for (const l of ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']) expect(isGplCompatible(l)).toBe(true);
  for (const l of ['gpl', 'GPL-2.0', 'GPL-2.0-only', '', 'Dual BSD/GPL ', 'Proprietary', 'BSD']) expect(isGplCompatible(l)).toBe(false);
});

describe.skipIf(!koracleAvailable())('license rules in the kernel (koracle ebpf-load)', () => {
  const call = (id: number): string => 'b700000000000000' + '85000000' + id.toString(16).padStart(8, '0').match(/../g)!.reverse().join('') + 'b7000000000000009500000000000000';

  it('license strings: GPL-compatible iff the kernel lets trace_printk through', () => {
    const lics = ['GPL', 'GPL v2', 'Dual BSD/GPL', 'Dual MPL/GPL', 'gpl', 'GPL-2.0', '', 'MIT'];
    const r = koracleBatch('ebpf-load', lics.map((license) => ({ prog: call(6), type: 'socket_filter', license })));
    lics.forEach((l, i) => expect([l, /GPL-restricted/.test(String(r[i]!.log))]).toEqual([l, !isGplCompatible(l)]));
  });

  it.each(['socket_filter', 'xdp', 'sched_cls', 'kprobe', 'tracepoint', 'perf_event'])('gpl_only helper table for %s', (type) => {
    const ids = Array.from({ length: 211 }, (_, i) => i + 1);
    const r = koracleBatch('ebpf-load', ids.map((id) => ({ prog: call(id), type, license: 'Proprietary' })));
    const kernel = ids.filter((_, i) => /GPL-restricted/.test(String(r[i]!.log)));
    expect(kernel).toEqual([...gplOnlyHelpers(type)].filter((x) => x <= 211).sort((a, b) => a - b));
  });

  it('bad_license.o: the kernel refuses the same program bytes; checkLicense agrees', () => {
    const spec = fixtureSpec('bad_license');
    const ps = spec.programs[0]!;
    const [k] = koracleBatch('ebpf-load', [{ prog: Buffer.from(programBytes(ps, mapIndexOf(spec))).toString('hex'), type: ps.type, license: spec.license,
      maps: spec.maps.map((m) => ({ type: m.type, key: m.keySize, value: m.valueSize, entries: m.maxEntries, flags: '0x' + m.flags.toString(16),
        set: (m.contents ?? []).map((c) => `${c.key}:${c.value.padEnd(m.valueSize * 2, '0')}`), freeze: m.frozen === true })) }]);
    expect(k!.status).toBe('rejected');
    expect(k!.errno_name).toBe('EINVAL');
    expect(String(k!.log)).toMatch(/cannot call GPL-restricted function from non-GPL compatible program/);
    expect(() => checkLicense(ps)).toThrow(ElfError);
  });
});

describe.each(FIXTURE_CPUS)('callbacks (-mcpu=%s): bpf_loop / bpf_for_each_map_elem', (cpu) => {
  it('links the callback subprograms and the static locals; the VM has no bpf_loop yet (clear error)', () => {
    const spec = fixtureSpec('callbacks', cpu);
    expect(spec.programs[0]!.subprograms).toEqual(['step', 'add_val']);
    expect(spec.variables).toEqual([
      { name: 'loops.calls', map: '.bss', offset: 0, size: 4 }, { name: 'sq', map: '.rodata.cst32', offset: 0, size: 32 },
    ]);
    expect(() => loadCollection(spec).program('loops').run({ packet: new Uint8Array(20) })).toThrow(/bpf_loop \(181\)/);
  });

  // clang 14's BTF for this object makes libbpf fail ("Error finalizing .BTF: -2"), so only the clang-19 object runs in the kernel.
  it.skipIf(!bpftoolOk || cpu === 'v3')('the kernel runs it (bpftool / libbpf, which passes the BTF func_info callbacks need): 20-byte frame, vals[2] = 100 → 294 + 100 + 1000', () => {
    const pin = `/sys/fs/bpf/bpfsim_cb_${cpu}_${process.pid}`;
    const tmp = mkdtempSync(join(tmpdir(), 'bpfsim-cb-'));
    try {
      execFileSync('bpftool', ['prog', 'loadall', fixturePath('callbacks', cpu), pin, 'pinmaps', `${pin}_maps`], { stdio: 'pipe' });
      execFileSync('bpftool', ['map', 'update', 'pinned', `${pin}_maps/vals`, 'key', '2', '0', '0', '0', 'value', '100', '0', '0', '0', '0', '0', '0', '0'], { stdio: 'pipe' });
      writeFileSync(join(tmp, 'in'), new Uint8Array(20));
      const out = execFileSync('bpftool', ['prog', 'run', 'pinned', `${pin}/loops`, 'data_in', join(tmp, 'in')], { encoding: 'utf8', stdio: 'pipe' });
      expect(out).toMatch(/Return value: 1394\b/);
    } finally {
      for (const p of [pin, `${pin}_maps`, tmp]) rmSync(p, { recursive: true, force: true });
    }
  });
});

describe.each(FIXTURE_CPUS)('bad_section (-mcpu=%s)', (cpu) => {
  it('an unknown SEC() name is read as type unspec and refused at load naming section and program; an explicit type loads', () => {
    const spec = fixtureSpec('bad_section', cpu);
    expect(spec.programs.map((p) => [p.name, p.section, p.type])).toEqual([['odd', 'my_custom_section', 'unspec']]);
    const e = caught(() => loadCollection(spec));
    expect([e.section, e.code]).toEqual(['my_custom_section', ErrorCode.Elf]);
    expect(e.message).toMatch(/program 'odd': no libbpf SEC\(\) convention matches/);
    spec.programs[0]!.type = 'raw';
    expect(loadCollection(spec).program('odd').run({}).r0).toBe(5n);
  });
});
