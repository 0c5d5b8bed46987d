/**
 * The one parser of test/cbpf/vectors/run.json: classic programs in bpf_asm
 * text, a packet or a seccomp_data, and the value the kernel returns.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assembleCbpf, type CbpfContext, type PacketMeta, type SockFilter } from '../../src/cbpf/index.js';
import { buildSeccompData } from '../../src/seccomp/index.js';
import { hexToBytes } from '../../src/isa/insn.js';

export interface RunVector {
  name: string;
  filter: SockFilter[];
  ctx: CbpfContext;
  ret: number;
}

interface RawVector {
  name: string;
  asm: string[];
  packet?: string;
  dataOffset?: number;
  netOffset?: number;
  macOffset?: number;
  meta?: PacketMeta;
  seccomp?: { nr: number; arch: string | number; ip?: string; args?: string[] };
  ret: string | number;
}

/** Loads and validates the vectors (throws naming the vector on malformed entries). */
export function loadRunVectors(): RunVector[] {
  const path = fileURLToPath(new URL('./vectors/run.json', import.meta.url));
  const raw = JSON.parse(readFileSync(path, 'utf8')) as RawVector[];
  return raw.map((v, i) => {
    const where = `run.json[${i}] (${v.name})`;
    if ((v.packet === undefined) === (v.seccomp === undefined)) throw new Error(`${where}: give exactly one of packet, seccomp`);
    let ctx: CbpfContext;
    if (v.seccomp !== undefined) {
      const s = v.seccomp;
      ctx = { kind: 'seccomp', data: buildSeccompData({ nr: s.nr, arch: Number(s.arch), ip: BigInt(s.ip ?? 0), args: (s.args ?? []).map((a) => BigInt(a)) }) };
    } else {
      ctx = { kind: 'packet', bytes: hexToBytes(v.packet!) };
      if (v.dataOffset !== undefined) ctx.dataOffset = v.dataOffset;
      if (v.netOffset !== undefined) ctx.netOffset = v.netOffset;
      if (v.macOffset !== undefined) ctx.macOffset = v.macOffset;
      if (v.meta !== undefined) ctx.meta = v.meta;
    }
    const ret = Number(v.ret);
    if (!Number.isInteger(ret) || ret < 0 || ret > 0xffffffff) throw new Error(`${where}: bad ret ${v.ret}`);
    return { name: v.name, filter: assembleCbpf(v.asm.join('\n')), ctx, ret };
  });
}
