/** Test support: a HelperCall over a Memory, and key/value helpers. */
import { Memory, Perm, regionAddress } from '../../src/vm/memory.js';
import type { HelperCall, VmEnv } from '../../src/vm/types.js';

export function env(cpu = 0, nrCpus = 1): VmEnv {
  return {
    clockNs: () => 0n, random32: () => 0, cpu, nrCpus,
    task: { pid: 1, tgid: 1, uid: 0, gid: 0, comm: 'test' }, traceOutput: [],
  };
}

export function call(mem: Memory, cpu = 0, nrCpus = 1): HelperCall {
  return { mem, pc: 7, env: env(cpu, nrCpus) };
}

/** Puts bytes into a fresh RW 'stack'-like region and returns its address. */
export function put(mem: Memory, bytes: Uint8Array | number[]): bigint {
  const r = mem.add(Uint8Array.from(bytes), Perm.RW, 'stack', 'test');
  return regionAddress(r.id);
}

export const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
};
export const u64 = (n: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, n), true);
  return b;
};
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
