/**
 * The XDP execution differential: random packet programs (data / data_end
 * from `xdp_md`, a bounds check against data_end, then loads / stores /
 * sign-extending loads inside the checked range and ALU work) run by the
 * kernel (koracle ebpf-run --type xdp --r0-64, the packet as test data) and by
 * bpfsim (progType xdp with the same packet). r0 (64-bit) and the packet
 * after the run must agree; programs whose bounds check fails return early.
 */
import { BpfError, type Insn, bytesToHex, encodeInsns, lddwInsns, runProgram } from '../../../src/index.js';
import { koracleBatch } from '../../support/koracle.js';
import { EbpfGen, I } from './ebpf-gen.js';
import { describeProgram } from './minimize.js';
import { Rand, Tally } from './rng.js';

const LDX = [[0x79, 8], [0x61, 4], [0x69, 2], [0x71, 1], [0x81, 4], [0x89, 2], [0x91, 1]] as const;
const STX = [[0x7b, 8], [0x63, 4], [0x6b, 2], [0x73, 1]] as const;
const ST = [[0x7a, 8], [0x62, 4], [0x6a, 2], [0x72, 1]] as const;

function genXdp(r: Rand): Insn[] {
  const need = r.pick([8, 14, 20, 32, 40, 64]);
  // r7 = data, r8 = data_end; scalars r0..r5, r9.
  const out: Insn[] = [I(0x61, 7, 1, 0), I(0x61, 8, 1, 4)];
  const regs = [0, 1, 2, 3, 4, 5, 9];
  for (const x of regs) out.push(...lddwInsns(x, r.u64()));
  out.push(I(0xbf, 6, 7), I(0x07, 6, 0, 0, need));
  const check = out.length;
  out.push(I(0x2d, 6, 8, 0)); // if r6 > r8 goto exit (patched)
  const g = new EbpfGen(r, { regs, memReg: -1, stackInit: 0 });
  const n = r.range(3, 20);
  for (let i = 0; i < n; i++) {
    const k = r.int(10);
    const reg = r.pick(regs);
    if (k < 3) { const [c, s] = r.pick(LDX); out.push(I(c, reg, 7, r.int(need - s + 1))); }
    else if (k < 5) { const [c, s] = r.pick(STX); out.push(I(c, 7, reg, r.int(need - s + 1))); }
    else if (k < 6) { const [c, s] = r.pick(ST); out.push(I(c, 7, 0, r.int(need - s + 1), r.imm32())); }
    else out.push(g.alu());
  }
  out.push(...regs.filter((x) => x !== 0).map((x) => I(0xaf, 0, x)), I(0x95));
  out.push(I(0xb7, 0, 0, 0, r.pick([0, 1, 2, 3, 4, -1])), I(0x95));
  out[check] = { ...out[check]!, off: out.length - 2 - check - 1 };
  return out;
}

/** Runs the XDP differential. */
export function xdpExecDifferential(seed: number, count: number): Tally {
  const t = new Tally('xdp exec (kernel ebpf-run --type xdp --r0-64 vs runProgram xdp)');
  const r = Rand.seeded(seed);
  const progs: Insn[][] = [];
  const pkts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) { progs.push(genXdp(r)); pkts.push(r.bytes(r.pick([14, 20, 32, 40, 63, 64, 100]))); }
  const ks = koracleBatch('ebpf-run', progs.map((p, i) => ({ prog: bytesToHex(encodeInsns(p)), type: 'xdp', data: bytesToHex(pkts[i]!), r0_64: true })));
  ks.forEach((k, i) => {
    if (k.status !== 'accepted') { t.skip(`kernel rejected: ${String(k.log ?? '').trim().split('\n').slice(-2, -1)[0] ?? ''}`.replace(/\d+/g, 'N')); return; }
    if (k.run_errno !== 0) { t.skip(`kernel run ${k.run_errno_name}`); return; }
    let bad = false;
    for (const engine of ['interp', 'jit']) {
      const pkt = pkts[i]!.slice();
      let r0: string;
      try {
        r0 = '0x' + runProgram(encodeInsns(progs[i]!), { progType: 'xdp', packet: pkt, engine }).r0.toString(16).padStart(16, '0');
      } catch (e) {
        t.bad(`${engine}: bpfsim throws ${e instanceof BpfError ? e.code : (e as Error).name}`, `${(e as Error).message}\npacket ${bytesToHex(pkts[i]!)}\n${describeProgram(progs[i]!)}`);
        bad = true; continue;
      }
      const ctx = `packet ${bytesToHex(pkts[i]!)}\n  kernel r0 ${k.r0} data_out ${k.data_out}\n  bpfsim r0 ${r0} data_out ${bytesToHex(pkt)}\n${describeProgram(progs[i]!)}`;
      if (r0 !== k.r0) { t.bad(`${engine}: r0 differs`, ctx); bad = true; }
      else if (bytesToHex(pkt) !== k.data_out) { t.bad(`${engine}: packet differs`, ctx); bad = true; }
    }
    if (!bad) t.ok();
  });
  return t;
}
