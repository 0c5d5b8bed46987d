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
  /*
   * The members below are provided by the VM's own HelperCall; they are
   * optional so that helpers can also be driven by hand-made call objects
   * (tests). Use the functions of src/vm/helpers.ts (helperRead, helperWrite,
   * helperFault) to get a fallback over `mem` when they are absent.
   */
  /** The program type of the running program (`raw`, `xdp`, ...). */
  readonly progType?: string;
  /**
   * A RuntimeFault at the call's pc, for a helper to throw (e.g. an invalid
   * pointer argument). Code defaults to HELPER; give MEM_FAULT with address/size
   * for bad pointers.
   */
  fault?(message: string, address?: bigint, size?: number, code?: 'HELPER' | 'MEM_FAULT' | 'RUNTIME'): Error;
  /**
   * Reads `size` bytes at a VM address (a copy).
   * @throws RuntimeFault (MEM_FAULT) when the range is not readable.
   */
  read?(addr: bigint, size: number): Uint8Array;
  /**
   * Writes bytes at a VM address.
   * @throws RuntimeFault (MEM_FAULT) when the range is not writable.
   */
  write?(addr: bigint, bytes: Uint8Array): void;
  /**
   * Ends the whole program right after this helper returns, with r0 = the
   * helper's return value (used by test harnesses, e.g. uBPF's "unwind").
   */
  requestExit?(): void;
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
  /**
   * Optional fast path on the register halves, tried before `fn`: r1..r5 are
   * `regs[2..11]` (interleaved lo, hi int32). Returns true after writing r0
   * into `regs[0..1]`, or false (without side effects) to let `fn` handle the
   * call; it must give exactly `fn`'s result whenever it returns true.
   */
  readonly fastRegs?: (call: HelperCall, regs: Int32Array) => boolean;
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

/**
 * What the VM needs of a live map (implemented by src/maps). A map is
 * represented in VM memory by a zero-length region of kind 'map' whose
 * `owner` is the map object, so helpers recover the map from the pointer in r1
 * with `mem.regionOf(hi)?.owner`.
 */
export interface VmMap {
  /** Kernel map type name (`array`, `hash`, `prog_array`, ...). */
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** BPF_F_* flags. */
  readonly flags: number;
  /** Address that ld_imm64 with src 1 (map fd) / 5 (map idx) loads: the map's own region. */
  readonly address: bigint;
  /**
   * Address of byte `off` of the first value, for ld_imm64 src 2 / 6 (direct
   * value access, array-type maps only).
   * @throws BpfError when the map has no direct value access or off is out of range.
   */
  directValueAddress(off: number): bigint;
}

/** A program array as the VM's tail_call sees it (implemented by src/maps prog_array). */
export interface ProgArrayLike {
  /** The loaded program at `index`, or undefined when the slot is empty / out of range. */
  getProgram(index: number): unknown;
}
