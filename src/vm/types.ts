/**
 * Types shared by the VM, its helpers and the embedders that fill the helper
 * registry (maps, ring buffers, the seccomp runtime). Kept free of logic so
 * that modules which only need the shapes (maps, verifier) do not pull in the
 * interpreter.
 */

import type { Memory } from './memory.js';

/** A helper's view of the call in progress. */
export interface HelperCall {
  /** The VM memory (resolve pointer arguments through it). */
  readonly mem: Memory;
  /** Slot of the `call` instruction. */
  readonly pc: number;
  /** The run's environment (clock, random source, task model, captured output). */
  readonly env: VmEnv;
}

/**
 * A helper implementation: receives r1..r5 as unsigned 64-bit BigInts and
 * returns r0 (taken modulo 2^64). It throws a RuntimeFault (via
 * `call.fault(...)`-style helpers of the VM) for invalid pointers.
 */
export type HelperFn = (call: HelperCall, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint;

/** A registered helper. */
export interface HelperDef {
  /** The kernel's helper id (`BPF_FUNC_*`). */
  readonly id: number;
  /** The kernel's name without the `bpf_` prefix, e.g. `map_lookup_elem`. */
  readonly name: string;
  readonly fn: HelperFn;
}

/** The task a program runs "in", for get_current_* helpers. */
export interface TaskModel {
  pid: number;
  tgid: number;
  uid: number;
  gid: number;
  /** Up to 15 bytes. */
  comm: string;
}

/**
 * Everything outside the program that a run may observe. Deterministic by
 * default; embedders inject their own clock, random source and task.
 */
export interface VmEnv {
  /** Nanoseconds for ktime_get_ns / ktime_get_boot_ns. */
  clockNs(): bigint;
  /** A 32-bit unsigned random value for get_prandom_u32. */
  random32(): number;
  /** CPU number for get_smp_processor_id and per-CPU maps. */
  cpu: number;
  /** Number of possible CPUs (per-CPU maps). */
  nrCpus: number;
  task: TaskModel;
  /** trace_printk output, one string per call. */
  readonly traceOutput: string[];
}
