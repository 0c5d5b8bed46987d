/**
 * Kernel-differential test of the packet context: random valid socket
 * filters run by the kernel on AF_UNIX datagrams (SO_ATTACH_FILTER, see
 * sockfilter_oracle.py) and by the classic interpreter.
 *
 * The kernel only reveals min(packet length, max(1, value)) or a drop
 * (value 0), so each filter is rewritten: every `ret` jumps to an appended
 * tail that returns 1 + one 4-bit digit of the value; eight variants give the
 * 32 bits, and packets are at least 16 bytes long. A program ending without a
 * `ret` (failed load, division by zero) is a drop in every variant (value 0);
 * `#ifidx`/`#hatype` without a device (always so for AF_UNIX) exit with A
 * before the tail, so every variant delivers min(length, A). The test
 * compares the delivered lengths the interpreter predicts with the kernel's.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  CAluOp, CCls, CJmpOp, CMode, CRval, CSrc, SKF_AD, SKF_AD_OFF, SKF_NET_OFF, cbpfOpcode, checkClassic, filterToHex, runCbpfDetailed, sockFilter as I,
  type SockFilter,
} from '../../src/cbpf/index.js';
import { validProgram } from './gen.js';

const SCRIPT = fileURLToPath(new URL('./sockfilter_oracle.py', import.meta.url));
const PY = process.platform === 'linux'
  ? ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import socket; socket.AF_UNIX'], { stdio: 'ignore' }).status === 0)
  : undefined;

/** The variant of `p` that returns 1 + ((value >> 4*digit) & 0xf). */
function digitVariant(p: readonly SockFilter[], digit: number): SockFilter[] {
  const ks = [...new Set(p.filter((f) => f.code === (CCls.RET | CRval.K)).map((f) => f.k >>> 0))];
  const tailAt = new Map<number, number>();
  ks.forEach((k, i) => tailAt.set(k, p.length + 2 * i));
  const common = p.length + 2 * ks.length;
  const out = p.map((f, pc) => {
    if (f.code === (CCls.RET | CRval.K)) return I(CCls.JMP | CJmpOp.JA, 0, 0, tailAt.get(f.k >>> 0)! - pc - 1);
    if (f.code === (CCls.RET | CRval.A)) return I(CCls.JMP | CJmpOp.JA, 0, 0, common - pc - 1);
    return f;
  });
  ks.forEach((k, i) => out.push(I(CCls.LD | CMode.IMM, 0, 0, k), I(CCls.JMP | CJmpOp.JA, 0, 0, common - (p.length + 2 * i + 1) - 1)));
  out.push(
    I(CCls.ALU | CAluOp.RSH | CSrc.K, 0, 0, 4 * digit), I(CCls.ALU | CAluOp.AND | CSrc.K, 0, 0, 0xf),
    I(CCls.ALU | CAluOp.ADD | CSrc.K, 0, 0, 1), I(CCls.RET | CRval.A, 0, 0, 0),
  );
  return out;
}

/**
 * Loads whose value is known for an AF_UNIX datagram: non-negative offsets and the ancillary
 * fields of such an skb (no device, protocol/mark/queue/hash/vlan 0, PACKET_HOST), not
 * #cpu / #rand / #poff / #nla / #nlan. Header-relative loads: an AF_UNIX skb's network header
 * is at skb->data (the interpreter's default) and it has no link-layer header (SKF_LL_OFF fails).
 */
const KNOWN_AD = new Set(['proto', 'type', 'ifidx', 'hatype', 'mark', 'queue', 'rxhash', 'xor_x', 'vlan_tci', 'vlan_avail', 'vlan_tpid']
  .map((n) => ((SKF_AD_OFF + SKF_AD[n as keyof typeof SKF_AD]) >>> 0)));
const plainLoads = (p: SockFilter[]) => p.every((f) => {
  const r = cbpfOpcode(f.code)!;
  return r.kind !== 'ld_abs' || KNOWN_AD.has(f.k >>> 0) || (f.k >>> 0) < (SKF_AD_OFF >>> 0);
});
const UNIX_SKB = { hasDev: false } as const;

describe.skipIf(PY === undefined)('kernel-differential: socket filters (SO_ATTACH_FILTER on AF_UNIX datagrams)', () => {
  it('random valid socket filters return the same values as in the kernel', () => {
    const progs = fc.sample(validProgram('packet', 28), { numRuns: 200, seed: 99 }).filter(plainLoads);
    const packets = fc.sample(fc.uint8Array({ minLength: 16, maxLength: 48 }), { numRuns: 12, seed: 5 });
    packets.push(Uint8Array.from({ length: 16 }, (_, i) => (i === 14 ? 0x45 : i)));
    const hexPk = packets.map((b) => Buffer.from(b).toString('hex'));
    const req = progs.map((p) => JSON.stringify({ progs: Array.from({ length: 8 }, (_, d) => filterToHex(digitVariant(p, d))), packets: hexPk })).join('\n') + '\n';
    const r = spawnSync(PY!, [SCRIPT], { input: req, encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(r.status, r.stderr).toBe(0);
    const res = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { lens: (number[] | { error: number })[] });
    expect(res.length).toBe(progs.length);
    let compared = 0, drops = 0;
    const anc = progs.filter((p) => p.some((f) => KNOWN_AD.has(f.k >>> 0) && cbpfOpcode(f.code)!.kind === 'ld_abs')).length;
    expect(anc).toBeGreaterThan(10);
    expect(progs.filter((p) => p.some((f) => (f.k | 0) < 0 && (f.k | 0) >= SKF_NET_OFF && cbpfOpcode(f.code)!.kind === 'ld_abs')).length).toBeGreaterThan(10);
    progs.forEach((p, i) => {
      for (let d = 0; d < 8; d++) expect(checkClassic(digitVariant(p, d)).ok).toBe(true);
      const lens = res[i]!.lens;
      lens.forEach((l) => expect(Array.isArray(l), JSON.stringify(l)).toBe(true));
      packets.forEach((pk, j) => {
        const kernel = (lens as number[][]).map((v) => v[j]!);
        // What the kernel must have delivered for each variant if it computes what the interpreter computes.
        const r = runCbpfDetailed(p, { kind: 'packet', bytes: pk, meta: UNIX_SKB });
        const predicted = Array.from({ length: 8 }, (_, d) => {
          if (r.exit === 'ret') return 1 + ((r.value >>> (4 * d)) & 0xf);
          if (r.exit === 'nodev') return r.value === 0 ? -1 : Math.min(pk.length, r.value); // exits before the tail
          return -1; // failed load / division by zero: value 0, dropped
        });
        if (predicted[0] === -1) drops++;
        compared++;
        expect({ prog: filterToHex(p), packet: Buffer.from(pk).toString('hex'), exit: r.exit, value: r.value, lens: kernel })
          .toEqual({ prog: filterToHex(p), packet: Buffer.from(pk).toString('hex'), exit: r.exit, value: r.value, lens: predicted });
      });
    });
    expect(compared).toBeGreaterThan(1000);
    expect(drops).toBeGreaterThan(20);
  });
});
