import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeIo } from '../support/cli.js';


const dir = mkdtempSync(join(tmpdir(), 'bpfsim-asm-cli-'));

describe('bpfsim asm', () => {
  it('prints one slot per line as hex (stdin)', async () => {
    const io = fakeIo('mov32 %r0, 1\nlddw %r1, 0x1122334455667788\nexit\n');
    expect(await main(['asm'], io)).toBe(0);
    expect(io.out).toBe('b400000001000000\n1801000088776655\n0000000044332211\n9500000000000000\n');
  });
  it('writes a .bin with --out and hex with --hex', async () => {
    const src = join(dir, 'p.s');
    writeFileSync(src, 'r0 = 0\nexit\n');
    const bin = join(dir, 'p.bin');
    expect(await main(['asm', src, '--out', bin], fakeIo())).toBe(0);
    expect([...readFileSync(bin)]).toEqual([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    const hx = join(dir, 'p.hex');
    expect(await main(['asm', src, '--syntax', 'kernel', '--out', hx, '--hex'], fakeIo())).toBe(0);
    expect(readFileSync(hx, 'utf8')).toBe('b700000000000000\n9500000000000000\n');
  });
  it('reports assembler errors with line and column, exit 1', async () => {
    const io = fakeIo('r0 = 0\nr0 = r12\nexit\n');
    expect(await main(['asm', '-'], io)).toBe(1);
    expect(io.err).toBe('bpfsim: line 2, column 6: invalid register r12 (r0..r10)\n');
  });
  it('rejects bad usage with exit 2', async () => {
    const io = fakeIo('exit');
    expect(await main(['asm', '--syntax', 'intel'], io)).toBe(2);
    expect(io.err).toContain('--syntax must be one of');
  });
});

describe('bpfsim disasm', () => {
  it('numbers lines like the verifier log', async () => {
    const io = fakeIo();
    expect(await main(['disasm', '--hex', 'b700000000000000 6110040000000000 1801000034120000 0000000000000000 9500000000000000'], io)).toBe(0);
    expect(io.out).toBe('0: (b7) r0 = 0\n1: (61) r0 = *(u32 *)(r1 +4)\n2: (18) r1 = 0x1234\n4: (95) exit\n');
  });
  it('reads a .bin file, llvm and ubpf styles, json', async () => {
    const bin = join(dir, 'd.bin');
    writeFileSync(bin, Uint8Array.from([0xb7, 0, 0, 0, 5, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]));
    let io = fakeIo();
    expect(await main(['disasm', bin, '--style', 'llvm'], io)).toBe(0);
    expect(io.out).toBe('0: r0 = 5\n1: exit\n');
    io = fakeIo();
    expect(await main(['disasm', bin, '--style', 'ubpf'], io)).toBe(0);
    expect(io.out).toBe('0: mov %r0, 5\n1: exit\n');
    io = fakeIo();
    expect(await main(['disasm', bin, '--json'], io)).toBe(0);
    expect(JSON.parse(io.out)).toEqual([
      { pc: 0, code: 'b7', dst: 0, src: 0, off: 0, imm: 5, text: '(b7) r0 = 5' },
      { pc: 1, code: '95', dst: 0, src: 0, off: 0, imm: 0, text: '(95) exit' },
    ]);
  });
  it('asm | disasm round trip through the CLI', async () => {
    const src = 'r1 = map[id:3]\ncall bpf_map_lookup_elem#1\nlock *(u64 *)(r10 -8) += r1\nexit\n';
    const a = fakeIo(src);
    expect(await main(['asm'], a)).toBe(0);
    const d = fakeIo(a.out);
    expect(await main(['disasm', '-'], d)).toBe(0);
    expect(d.out).toBe('0: (18) r1 = map[id:3]\n2: (85) call bpf_map_lookup_elem#1\n3: (db) lock *(u64 *)(r10 -8) += r1\n4: (95) exit\n');
  });
  it('fails on bad bytes like the decoder', async () => {
    const io = fakeIo();
    expect(await main(['disasm', '--hex', 'ff00000000000000'], io)).toBe(1);
    expect(io.err).toBe('bpfsim: pc 0: unknown opcode ff\n');
    expect(await main(['disasm'], fakeIo())).toBe(2);
  });
});
