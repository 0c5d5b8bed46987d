/**
 * The default, deterministic {@link VmEnv}: a clock that starts at a fixed
 * time and advances by a fixed step per reading, a seeded PRNG (mulberry32),
 * CPU 0 of 1, and a fixed task. Same inputs, same outputs, every run.
 */

import type { TaskModel, VmEnv } from './types.js';

/** Options for {@link createEnv}. */
export interface EnvOptions {
  /** First clock reading in ns (default 1_000_000_000). */
  clockStartNs?: bigint;
  /** Nanoseconds added per clock reading (default 1000; 0 = a frozen clock). */
  clockStepNs?: bigint;
  /** PRNG seed (default 0x5eed). */
  seed?: number;
  /** CPU number (default 0). */
  cpu?: number;
  /** Possible CPUs (default 1). */
  nrCpus?: number;
  /** The current task (default pid = tgid = 1000, uid = gid = 0, comm "bpfsim"). */
  task?: Partial<TaskModel>;
}

/** A deterministic environment. */
export function createEnv(opts: EnvOptions = {}): VmEnv {
  let now = opts.clockStartNs ?? 1_000_000_000n;
  const step = opts.clockStepNs ?? 1000n;
  let state = (opts.seed ?? 0x5eed) >>> 0;
  return {
    clockNs() {
      const t = now;
      now += step;
      return t;
    },
    random32() {
      // mulberry32
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (t ^ (t >>> 14)) >>> 0;
    },
    cpu: opts.cpu ?? 0,
    nrCpus: opts.nrCpus ?? 1,
    task: { pid: 1000, tgid: 1000, uid: 0, gid: 0, comm: 'bpfsim', ...opts.task },
    traceOutput: [],
  };
}
