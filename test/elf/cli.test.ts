/** `bpfsim inspect` and `bpfsim run OBJ.o`. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeIo } from '../support/cli.js';
import { FIXTURES, frame, ipv4, seccompData } from './fixtures.js';

const obj = (n: string): string => join(FIXTURES, `${n}.o`);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('bpfsim inspect', () => {
  it('lists programs, maps and relocations', async () => {
    const io = fakeIo();
    expect(await main(['inspect', obj('tail_call')], io)).toBe(0);
    expect(io.out).toMatch(/programs \(3\):/);
    expect(io.out).toMatch(/entry\s+xdp\s+xdp\s+12\s+-\s+jmp_table/);
    expect(io.out).toMatch(/jmp_table\s+prog_array\s+4\s+4\s+4\s+0\s+values \[0\]=pass_prog \[1\]=drop_prog/);
    expect(io.out).toMatch(/\.maps\s+0x18\s+R_BPF_64_ABS64\s+pass_prog/);
  });
  it('--json gives the collection spec', async () => {
    const io = fakeIo();
    expect(await main(['inspect', obj('global_data'), '--json'], io)).toBe(0);
    const j = JSON.parse(io.out);
    expect(j.maps.map((m: { name: string }) => m.name)).toEqual(['.rodata', '.data', '.bss']);
    expect(j.maps[0].flagNames).toEqual(['BPF_F_RDONLY_PROG']);
    expect(j.programs[0]).toMatchObject({ name: 'global_data', type: 'xdp', insnSlots: 31, subprograms: [] });
    expect(j.programs[0].references).toHaveLength(6);
  });
  it('malformed objects: exit 1 with the ElfError', async () => {
    const io = fakeIo();
    expect(await main(['inspect', obj('bad_kfunc')], io)).toBe(1);
    expect(io.err).toMatch(/section tc, offset 0x0: extern symbol 'bpf_rcu_read_lock'/);
  });
});

describe('bpfsim run OBJ.o', () => {
  it('runs a section with --mem and prints r0', async () => {
    const io = fakeIo();
    expect(await main(['run', obj('xdp_count'), '--section', 'xdp', '--mem', hex(frame(0x86dd, [1, 2]))], io)).toBe(0);
    expect(io.out).toBe('0x1\n');
  });
  it('--map presets and --dump-maps', async () => {
    const io = fakeIo();
    expect(await main(['run', obj('seccomp_policy'), '--section', 'seccomp', '--mem', hex(seccompData(2)),
      '--map', 'policy={"2": "01000500"}', '--dump-maps'], io)).toBe(0);
    expect(io.out).toMatch(/^0x50001\n/);
    expect(io.out).toMatch(/map policy \(array, key 4, value 4, max_entries 512\):\n  02000000: 01000500\n  \(511 all-zero elements not shown\)\n/);
    expect(io.out).toMatch(/map \.rodata .*frozen/);
  });
  it('--json, prog array by program name, ring buffer records', async () => {
    let io = fakeIo();
    expect(await main(['run', obj('tail_call'), '--section', 'entry', '--mem', '03', '--map', 'jmp_table={"3":"drop_prog"}', '--json'], io)).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ r0: '0x1' });
    io = fakeIo();
    expect(await main(['run', obj('ringbuf'), '--mem', '0a0b0c0d', '--dump-maps', '--json'], io)).toBe(0);
    expect(JSON.parse(io.out).maps.events.records).toEqual(['040000000a000000', '0a0b0c0d']);
  });
  it('socket filter with a packet, hash map dump', async () => {
    const io = fakeIo();
    expect(await main(['run', obj('socket_proto'), '--packet', hex(Uint8Array.from(ipv4(17))), '--dump-maps'], io)).toBe(0);
    expect(io.out).toMatch(/^0x1c\n/);
    expect(io.out).toMatch(/11000000: 0100000000000000/);
  });
  it('--repeat keeps map state across runs', async () => {
    const io = fakeIo();
    expect(await main(['run', obj('global_data'), '--mem', hex(frame(0x800)), '--repeat', '4', '--dump-maps', '--json'], io)).toBe(0);
    const j = JSON.parse(io.out);
    expect(j.r0).toBe('0x1');
    expect(j.maps['.bss'].entries[0].value.slice(0, 8)).toBe('04000000');
  });
  it('usage errors', async () => {
    let io = fakeIo();
    expect(await main(['run', obj('tail_call'), '--mem', '00'], io)).toBe(2);
    expect(io.err).toMatch(/--section is needed: the object has 3 programs/);
    io = fakeIo();
    expect(await main(['run', obj('xdp_count'), '--section', 'nope'], io)).toBe(2);
    expect(io.err).toMatch(/no program or section 'nope'/);
    io = fakeIo();
    expect(await main(['run', obj('xdp_count'), '--map', 'counters={"9": "01"}'], io)).toBe(1);
    expect(io.err).toMatch(/E2BIG/);
  });
});
