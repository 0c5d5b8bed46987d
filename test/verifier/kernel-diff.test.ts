/**
 * Kernel-differential: random socket_filter programs (test/verifier/gen.ts:
 * map value and stack accesses with constant and variable offsets, lookups,
 * branches on loaded values) loaded by the running kernel (koracle
 * ebpf-load, as root) and by bpfsim's verifier. Asserted: every program
 * bpfsim accepts, the kernel accepts too (bpfsim is never more permissive);
 * the overall agreement rate must stay high.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/isa/insn.js';
import { verify } from '../../src/verifier/index.js';
import { koracleAvailable, koracleBatch } from '../support/koracle.js';
import { genProgram } from './gen.js';

describe.skipIf(!koracleAvailable())('verifier vs the running kernel on generated programs', () => {
  it('never accepts what the kernel rejects; agrees on ≥ 90%', () => {
    const N = 1000;
    const cases: Record<string, unknown>[] = [];
    const ours: boolean[] = [];
    const msgs: string[] = [];
    const counts: number[] = [];
    for (let seed = 1; seed <= N; seed++) {
      const g = genProgram(seed * 7919, { valueSize: 16, bodyLen: 6 + (seed % 20), calls: seed % 3 === 0 });
      const r = verify(g.bytes, { progType: 'socket_filter', maps: [{ type: 'hash', keySize: 8, valueSize: 16, maxEntries: 4, flags: 0 }] });
      ours.push(r.accepted);
      msgs.push(r.message);
      counts.push(r.insnsProcessed);
      cases.push({ id: seed, prog: bytesToHex(g.bytes), type: 'socket_filter', log_level: 1, maps: ['hash,key=8,value=16,entries=4'] });
    }
    const res = koracleBatch('ebpf-load', cases);
    let agree = 0, msgAgree = 0, kAccepts = 0, sameCount = 0;
    const looser: string[] = [];
    const stricter: string[] = [];
    res.forEach((k, i) => {
      const kAcc = k.status === 'accepted';
      if (k.status === 'error') throw new Error(`koracle error: ${JSON.stringify(k)}`);
      if (kAcc) kAccepts++;
      const pm = /processed (\d+) insns/.exec(String(k.log ?? ''));
      if (kAcc && ours[i] && pm && Number(pm[1]) === counts[i]) sameCount++;
      const kMsg = String(k.log ?? '').trim().split('\n').slice(-2, -1)[0] ?? '';
      if (kAcc === ours[i] && (kAcc || kMsg === msgs[i])) msgAgree++;
      else if (kAcc === ours[i] && process.env.SHOW_MSG) console.log(`msg: case ${i + 1}: kernel "${kMsg}" / bpfsim "${msgs[i]}"`);
      if (kAcc === ours[i]) agree++;
      else if (ours[i]) looser.push(`seed ${(i + 1) * 7919}: kernel: ${String(k.log ?? '').trim().split('\n').slice(-2, -1)[0]}`);
      else stricter.push(`seed ${(i + 1) * 7919}: bpfsim "${msgs[i]}" / kernel accepts`);
    });
    console.log(`kernel-diff: ${kAccepts} accepted by the kernel; agreement ${agree}/${N}, with the same message ${msgAgree}/${N}; same processed-insn count on ${sameCount}/${kAccepts} accepted; bpfsim stricter on ${stricter.length}, looser on ${looser.length}`);
    if (stricter.length) console.log(stricter.slice(0, 10).join('\n'));
    expect(looser).toEqual([]);
    expect(agree / N).toBeGreaterThanOrEqual(0.9);
  });

  it('xdp programs with packet range checks: never looser; agrees on ≥ 90%', () => {
    const N = 500;
    const cases: Record<string, unknown>[] = [];
    const ours: boolean[] = [];
    const msgs: string[] = [];
    for (let seed = 1; seed <= N; seed++) {
      const g = genProgram(seed * 104729, { valueSize: 16, bodyLen: 6 + (seed % 16), packet: true });
      const r = verify(g.bytes, { progType: 'xdp', maps: [{ type: 'array', keySize: 4, valueSize: 16, maxEntries: 1, flags: 0 }] });
      ours.push(r.accepted);
      msgs.push(r.message);
      cases.push({ id: seed, prog: bytesToHex(g.bytes), type: 'xdp', log_level: 1, maps: ['array,key=4,value=16,entries=1'] });
    }
    const res = koracleBatch('ebpf-load', cases);
    let agree = 0, msgAgree = 0, kAccepts = 0;
    const looser: string[] = [];
    res.forEach((k, i) => {
      if (k.status === 'error') throw new Error(`koracle error: ${JSON.stringify(k)}`);
      const kAcc = k.status === 'accepted';
      if (kAcc) kAccepts++;
      const kMsg = String(k.log ?? '').trim().split('\n').slice(-2, -1)[0] ?? '';
      if (kAcc === ours[i]) agree++;
      if (kAcc === ours[i] && (kAcc || kMsg === msgs[i])) msgAgree++;
      else if (kAcc === ours[i] && process.env.SHOW_MSG) console.log(`msg: case ${i + 1}: kernel "${kMsg}" / bpfsim "${msgs[i]}"`);
      if (!kAcc && ours[i]) looser.push(`seed ${(i + 1) * 104729}: kernel: ${kMsg}`);
    });
    console.log(`kernel-diff (xdp): ${kAccepts} accepted by the kernel; agreement ${agree}/${N}, with the same message ${msgAgree}/${N}`);
    expect(looser).toEqual([]);
    expect(agree / N).toBeGreaterThanOrEqual(0.9);
  });
});
