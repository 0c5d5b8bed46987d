/** Fixture helpers: paths, loading, and the frames the fixture tests feed. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/shared.js';
import { readCollectionSpec } from '../../src/elf/index.js';

export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
export const FIXTURE_NAMES = ['xdp_count', 'socket_proto', 'global_data', 'subprog', 'tail_call', 'ringbuf', 'seccomp_policy', 'legacy_maps', 'map_in_map', 'printk',
  'multi_prog', 'sections', 'btf_maps', 'strings', 'atomics', 'license_variants', 'no_btf_legacy', 'callbacks'];

/** The CPU variants the fixtures are built for: `<name>.o` (-mcpu=v3, clang 14) and `<name>.v4.o` (-mcpu=v4, clang 19). */
export const FIXTURE_CPUS = ['v3', 'v4'] as const;
export type FixtureCpu = (typeof FIXTURE_CPUS)[number];

export function fixturePath(name: string, cpu: FixtureCpu = 'v3'): string {
  return join(FIXTURES, cpu === 'v3' ? `${name}.o` : `${name}.${cpu}.o`);
}
export function fixtureBytes(name: string, cpu: FixtureCpu = 'v3'): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name, cpu)));
}
export function fixtureSpec(name: string, cpu: FixtureCpu = 'v3') {
  return readCollectionSpec(fixtureBytes(name, cpu));
}

/** An Ethernet frame: dst/src MAC, ethertype, payload. */
export function frame(ethertype: number, payload: number[] = []): Uint8Array {
  return Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ethertype >> 8, ethertype & 0xff, ...payload]);
}

/** A minimal IPv4 header (20 bytes) with protocol `proto`, then `extra` bytes. */
export function ipv4(proto: number, extra = 8): number[] {
  const total = 20 + extra;
  return [0x45, 0, total >> 8, total & 0xff, 0, 0, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, ...new Array(extra).fill(0)];
}

/** struct seccomp_data (64 bytes). */
export function seccompData(nr: number, arch = 0xc000003e, args: bigint[] = []): Uint8Array {
  const b = new Uint8Array(64);
  const v = new DataView(b.buffer);
  v.setInt32(0, nr, true);
  v.setUint32(4, arch, true);
  v.setBigUint64(8, 0x401000n, true);
  args.forEach((a, i) => v.setBigUint64(16 + 8 * i, a, true));
  return b;
}
