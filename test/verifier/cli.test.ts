import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeIo } from '../support/cli.js';
import { bytesToHex } from '../../src/isa/insn.js';
import { bytesOf } from './support.js';


const OK = bytesToHex(bytesOf('r0 = 0\nexit'));
const BAD = bytesToHex(bytesOf('exit'));
const LOOKUP = bytesToHex(bytesOf(`r1 = 0
*(u32 *)(r10 -4) = r1
r2 = r10
r2 += -4
r1 = map[id:0]
call bpf_map_lookup_elem#1
if r0 == 0x0 goto pc+2
r1 = 1
*(u32 *)(r0 +0) = r1
r0 = 0
exit`));

describe('bpfsim verify', () => {
  it('accepts (exit 0) and prints the log', async () => {
    const io = fakeIo();
    expect(await main(['verify', '--hex', OK, '--log-level', '2'], io)).toBe(0);
    expect(io.out).toContain('0: (b7) r0 = 0');
    expect(io.out).toMatch(/processed 2 insns \(limit 1000000\)/);
  });
  it('rejects (exit 1) with the kernel message, --json', async () => {
    const io = fakeIo();
    expect(await main(['verify', '--hex', BAD, '--json'], io)).toBe(1);
    const j = JSON.parse(io.out);
    expect(j).toMatchObject({ accepted: false, pc: 0, message: 'R0 !read_ok' });
  });
  it('reads a binary file and takes --map and --prog-type', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfsim-verify-'));
    const f = join(dir, 'p.bin');
    writeFileSync(f, Buffer.from(LOOKUP, 'hex'));
    const io = fakeIo();
    expect(await main(['verify', f, '--map', 'array:4:8:1', '--prog-type', 'xdp', '--log-level', '0'], io)).toBe(0);
    const io2 = fakeIo();
    expect(await main(['verify', f, '--map', 'array:4:8:1:BPF_F_RDONLY_PROG', '--log-level', '0'], io2)).toBe(1);
    expect(io2.out).toContain('write into map forbidden, value_size=8 off=0 size=4');
    const io3 = fakeIo();
    expect(await main(['verify', f, '--map', '{"type":"array","keySize":4,"valueSize":8,"maxEntries":1,"flags":["BPF_F_WRONLY_PROG"]}', '--json'], io3)).toBe(0);
  });
  it('--batch: one JSON result per line, errors per line', async () => {
    const lines = [
      JSON.stringify({ id: 'a', hex: OK, progType: 'socket_filter' }),
      JSON.stringify({ id: 'b', hex: BAD, progType: 'xdp' }),
      JSON.stringify({ id: 'c', hex: LOOKUP, progType: 'seccomp', maps: [{ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: ['BPF_F_RDONLY_PROG'], frozen: true }] }),
      '{not json',
      JSON.stringify({ id: 'e', hex: OK, progType: 'nope' }),
    ].join('\n');
    const io = fakeIo(lines);
    expect(await main(['verify', '--batch'], io)).toBe(1);
    const out = io.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(out[0]).toEqual({ id: 'a', accepted: true, pc: null, message: '', insnsProcessed: 2 });
    expect(out[1]).toMatchObject({ id: 'b', accepted: false, pc: 0, message: 'R0 !read_ok' });
    expect(out[2]).toMatchObject({ id: 'c', accepted: false, message: 'write into map forbidden, value_size=8 off=0 size=4' });
    expect(out[3]).toMatchObject({ id: null, line: 4 });
    expect(out[3].error).toContain('invalid JSON');
    expect(out[4]).toMatchObject({ id: 'e', line: 5 });
    expect(out[4].error).toContain('unknown program type');
  });
  it('verifies a program of an ELF object (maps and type from the object)', async () => {
    const io = fakeIo();
    expect(await main(['verify', 'test/fixtures/xdp_count.o', '--json'], io)).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ accepted: true });
    const io2 = fakeIo();
    expect(await main(['verify', 'test/fixtures/subprog.o', '--section', 'nope'], io2)).toBe(2);
    expect(io2.err).toContain('no program in section');
  });
  it('usage errors exit 2', async () => {
    const io = fakeIo();
    expect(await main(['verify'], io)).toBe(2);
    expect(await main(['verify', '--hex', OK, '--log-level', '7'], fakeIo())).toBe(2);
    expect(await main(['verify', '--hex', OK, '--map', 'array:4'], fakeIo())).toBe(1);
  });
});
