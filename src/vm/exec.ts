/**
 * The execution context an engine runs a {@link ProgramImage} in: register
 * file, memory, frames, helpers, budget, and what the run set up (ctx,
 * packet, stack regions). Shared by the interpreter and the JIT (src/vm/jit/)
 * so that both engines see the same machine; the slow paths (helper calls,
 * tail calls, faults) live here, outside the engines' hot loops.
 */

import { ErrorCode, RuntimeFault, BpfError, type ErrorCodeValue } from '../errors.js';
import { helperName } from '../isa/helper-ids.js';
import { Perm, type Memory, type Region } from './memory.js';
import type { ProgramImage } from './image.js';
import type { HelperCall, HelperDef, VmEnv } from './types.js';
import { fromBigU64, toBigU64 } from './u64.js';

/** Bytes of stack per frame (MAX_BPF_STACK). */
export const STACK_SIZE = 512;
/** Maximum call frames, the main program included (MAX_CALL_FRAMES). */
export const MAX_CALL_FRAMES = 8;
/** Maximum number of tail calls in one run (MAX_TAIL_CALL_CNT). */
export const MAX_TAIL_CALL_CNT = 33;
/** Words per saved frame: return slot, r6..r9 (lo, hi), r10 (lo, hi), program index. */
export const FRAME_WORDS = 12;

/** LD_ABS/LD_IND offset base of the network header (include/uapi/linux/filter.h). */
export const SKF_NET_OFF = -0x100000;
/** LD_ABS/LD_IND offset base of the link-layer (MAC) header (not modelled: reads as out of bounds). */
export const SKF_LL_OFF = -0x200000;

const EMPTY = new Uint8Array(0);

/** ctx field rewrites for 32-bit ctx loads (see ctx.ts). */
export const CtxField = { PLAIN: 0, DATA: 1, DATA_END: 2, DATA_META: 3 } as const;

/**
 * Everything one run needs. Engines read and write the public fields; the
 * methods are the slow paths.
 */
export class ExecContext {
  /** Register file: r0..r10 as interleaved (lo, hi) int32 pairs. */
  readonly regs = new Int32Array(22);
  /** Saved frames ({@link FRAME_WORDS} words each). */
  readonly frames = new Int32Array(MAX_CALL_FRAMES * FRAME_WORDS);
  /** Images to return to, per frame (a tail call in a subprogram changes the frame's image). */
  readonly frameImages: (ProgramImage | undefined)[] = new Array(MAX_CALL_FRAMES).fill(undefined);
  /** Region id of the stack of each frame. */
  readonly stackIds = new Int32Array(MAX_CALL_FRAMES);
  /** Helpers by id (sparse). */
  helpers: readonly (HelperDef | undefined)[] = [];
  /** Instruction budget of the run. */
  budget = 1_000_000;
  /** Instructions executed (set by the engine when the run ends). */
  insns = 0;
  /** Tail calls taken so far. */
  tailCalls = 0;
  /** Region id of the packet for LD_ABS / LD_IND, or 0. */
  pktId = 0;
  /** Region id of the ctx when ctx loads are rewritten, else -1. */
  ctxHookId = -1;
  /** Per ctx byte offset: {@link CtxField} of a 32-bit load there. */
  ctxFields: Uint8Array = EMPTY;
  /** Offset of data_meta/data inside the packet region (bytes reserved for metadata). */
  pktDataOff = 0;
  /** Set by a helper through requestExit(). */
  exitRequested = false;
  /** Resolves a prog_array slot's value to a runnable image (set by the Vm). */
  tailTarget: (prog: unknown) => ProgramImage | undefined = () => undefined;
  /** The image the run started with. */
  image!: ProgramImage;
  /** Region id of the last access that {@link retryAccess} resolved. */
  accHi = 0;
  /** Offset inside that region. */
  accOff = 0;
  private readonly call: CallInfo;

  constructor(readonly mem: Memory, public env: VmEnv, public progType: string) {
    this.call = new CallInfo(this);
  }

  /**
   * Prepares the context for another run (contexts are reused: typed-array
   * allocation is the dominant per-run cost otherwise).
   */
  reset(env: VmEnv, progType: string): void {
    this.env = env;
    this.progType = progType;
    const R = this.regs;
    for (let i = 0; i < 22; i++) R[i] = 0;
    this.insns = 0;
    this.tailCalls = 0;
    this.pktId = 0;
    this.ctxHookId = -1;
    this.ctxFields = EMPTY;
    this.pktDataOff = 0;
    this.exitRequested = false;
    const fi = this.frameImages;
    for (let i = 0; i < MAX_CALL_FRAMES; i++) fi[i] = undefined;
  }

  /** r`i` as an unsigned 64-bit BigInt. */
  reg(i: number): bigint {
    return toBigU64(this.regs[i * 2 + 1]!, this.regs[i * 2]!);
  }

  /** The address of the top of frame `fp`'s stack (r10). */
  stackTop(fp: number): void {
    this.regs[20] = STACK_SIZE;
    this.regs[21] = this.stackIds[fp]!;
  }

  /**
   * Calls helper `id` (call / callx): r1..r5 in, r0 out.
   * @returns true when the helper asked to end the program.
   * @throws RuntimeFault for unknown helpers or helper failures.
   */
  callHelper(id: number, pc: number): boolean {
    const h = id >= 0 ? this.helpers[id] : undefined;
    if (h === undefined) {
      const name = id >= 0 ? helperName(id) : undefined;
      throw new RuntimeFault(ErrorCode.Helper, name !== undefined && id !== 0
        ? `helper bpf_${name} (${id}) is not available: no helper with this id is registered`
        : `unknown helper ${id >>> 0}: no helper with this id is registered`, pc);
    }
    const c = this.call;
    c.pc = pc;
    const R = this.regs;
    const fast = h.fastRegs;
    if (fast !== undefined && fast(c, R)) {
      if (this.exitRequested) {
        this.exitRequested = false;
        return true;
      }
      return false;
    }
    let r: bigint;
    try {
      r = h.fn(c, toBigU64(R[3]!, R[2]!), toBigU64(R[5]!, R[4]!), toBigU64(R[7]!, R[6]!), toBigU64(R[9]!, R[8]!), toBigU64(R[11]!, R[10]!));
    } catch (e) {
      if (e instanceof BpfError) {
        if (e.pc === pc) throw e;
        throw new RuntimeFault(e.code, `helper ${h.name} (${h.id}): ${e.detail}`, pc, e instanceof RuntimeFault ? e.address : undefined, e instanceof RuntimeFault ? e.size : undefined);
      }
      throw new RuntimeFault(ErrorCode.Helper, `helper ${h.name} (${h.id}) failed: ${(e as Error)?.message ?? String(e)}`, pc);
    }
    fromBigU64(R, 0, typeof r === 'bigint' ? r : BigInt(r as unknown as number));
    if (this.exitRequested) {
      this.exitRequested = false;
      return true;
    }
    return false;
  }

  /**
   * bpf_tail_call(ctx, prog_array, index): the image to continue with, or
   * undefined when the kernel would fall through (bad map, index out of
   * range, empty slot, more than {@link MAX_TAIL_CALL_CNT} tail calls).
   */
  tailCall(): ProgramImage | undefined {
    const R = this.regs;
    const region = this.mem.regions[R[5]! >>> 0];
    if (region === undefined || R[4] !== 0) return undefined;
    const owner = region.owner as { getProgram?: (i: number) => unknown } | undefined;
    if (owner === undefined || owner === null || typeof owner.getProgram !== 'function') return undefined;
    if (this.tailCalls >= MAX_TAIL_CALL_CNT) return undefined;
    const target = this.tailTarget(owner.getProgram(R[6]! >>> 0));
    if (target === undefined) return undefined;
    this.tailCalls++;
    return target;
  }

  /**
   * The slow path of a memory access whose one-comparison check failed: the
   * engines compute `o = (lo >>> 0) + off` without carrying into the high
   * word, but the kernel accesses the 64-bit address `reg + off`. A 64-bit
   * pointer moved below offset 0 (or past 2^32) and back by `off` is still
   * inside its region: normalise (hi, o) to (hi ± 1, o ∓ 2^32) when o < 0 or
   * o ≥ 2^32 and check the region again.
   * @param perm {@link Perm} bits the access needs (1 read, 2 write, 3 both).
   * @returns the region; the normalised (region id, offset) are left in
   *   {@link accHi} / {@link accOff}.
   * @throws RuntimeFault (MEM_FAULT) when the 64-bit address is not accessible.
   */
  retryAccess(pc: number, hi: number, o: number, size: number, perm: number): Region {
    let h = hi, off = o;
    if (off < 0) { h = (h - 1) | 0; off += 0x100000000; }
    else if (off > 0xffffffff) { h = (h + 1) | 0; off -= 0x100000000; }
    const regions = this.mem.regions;
    const r = h > 0 && h < regions.length ? regions[h] : undefined;
    if (r === undefined || off + size > r.bytes.length || (r.perm & perm) !== perm) {
      throw this.memFault(pc, h, off, size, perm !== Perm.READ, hi === 0);
    }
    this.accHi = h;
    this.accOff = off;
    return r;
  }

  /** A memory fault at `pc` for an access of `size` bytes at (hi, lo + off). */
  memFault(pc: number, hi: number, lo: number, size: number, write: boolean, scalar = false): RuntimeFault {
    const addr = BigInt.asUintN(64, (BigInt(hi >>> 0) << 32n) + BigInt(lo));
    const what = write ? 'write' : 'read';
    const r = this.mem.regions[hi >>> 0];
    let why: string;
    if (hi === 0 || scalar) why = 'NULL or scalar address';
    else if (r === undefined) why = 'no such region';
    else if (lo < 0 || lo + size > r.bytes.length) why = `outside ${r.name} (${r.bytes.length} bytes) at offset ${lo}`;
    else why = `${r.name} is not ${write ? 'writable' : 'readable'}`;
    return new RuntimeFault(ErrorCode.MemFault, `invalid ${what} of ${size} bytes at 0x${addr.toString(16)}: ${why}`, pc, addr, size);
  }

  /** A budget fault at `pc`. */
  budgetFault(pc: number): RuntimeFault {
    return new RuntimeFault(ErrorCode.Budget, `instruction budget of ${this.budget} exhausted`, pc);
  }

  /** A generic fault at `pc`. */
  fault(code: ErrorCodeValue, message: string, pc: number): RuntimeFault {
    return new RuntimeFault(code, message, pc);
  }
}

/** The HelperCall handed to helpers (one per run, updated per call). */
class CallInfo implements HelperCall {
  pc = 0;
  constructor(private readonly ex: ExecContext) {}
  get mem(): Memory { return this.ex.mem; }
  get env(): VmEnv { return this.ex.env; }
  get progType(): string { return this.ex.progType; }

  fault(message: string, address?: bigint, size?: number, code: 'HELPER' | 'MEM_FAULT' | 'RUNTIME' = 'HELPER'): Error {
    return new RuntimeFault(code, message, this.pc, address, size);
  }

  private region(addr: bigint, size: number, perm: number): { r: Region; off: number } {
    const a = BigInt.asUintN(64, addr);
    const hi = Number(a >> 32n), lo = Number(a & 0xffffffffn);
    const r = this.ex.mem.check(hi, lo, size, perm);
    if (r === undefined) throw this.ex.memFault(this.pc, hi, lo, size, perm === Perm.WRITE);
    return { r, off: lo };
  }

  read(addr: bigint, size: number): Uint8Array {
    const { r, off } = this.region(addr, size, Perm.READ);
    return r.bytes.slice(off, off + size);
  }

  write(addr: bigint, bytes: Uint8Array): void {
    const { r, off } = this.region(addr, bytes.length, Perm.WRITE);
    r.bytes.set(bytes, off);
  }

  requestExit(): void {
    this.ex.exitRequested = true;
  }
}
