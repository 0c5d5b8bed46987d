/**
 * The public VM: `new Vm(opts)` holds the memory (shared with maps), the
 * helper registry and the environment; `vm.load(bytes | Program, opts)`
 * decodes and resolves a program into a {@link LoadedProgram}; `loaded.run()`
 * sets up the registers and the per-run regions (memory buffer, ctx, packet,
 * stacks) the way the kernel would for the program type and hands the image
 * to an execution engine (`interp`, or another one registered with
 * {@link registerEngine}, e.g. the JIT).
 *
 * Entry registers (kernel: r1 = ctx, r10 = frame pointer; conformance suites:
 * r1 = memory, r2 = length):
 * - `raw`: r1 = pointer to the memory buffer (0 when it is empty), r2 = its length.
 * - types with a ctx layout (xdp, __sk_buff types): r1 = the ctx bpfsim builds
 *   (or the `ctx` bytes given), whose data/data_end point into the packet.
 * - other types: r1 = pointer to the `ctx` bytes given (0 without).
 * All other registers start at 0; r10 = top of a zeroed 512-byte stack.
 */

import { BpfError, ErrorCode } from '../errors.js';
import { type Program, decodeProgram } from '../isa/insn.js';
import type { ProgTypeName } from '../isa/prog-types.js';
import { ctxLayout, isProgTypeName } from './ctx.js';
import { createEnv } from './env.js';
import { ExecContext, MAX_CALL_FRAMES, STACK_SIZE } from './exec.js';
import { mapHelpers } from '../maps/helpers.js';
import { HelperRegistry, defaultHelpers } from './helpers.js';
import { type MapTable, type ProgramImage, buildImage, checkStatic } from './image.js';
import { interpret } from './interpreter.js';
import { Memory, Perm, type Region } from './memory.js';
import type { HelperDef, VmEnv } from './types.js';
import { toBigU64 } from './u64.js';
import { warmUpOnce } from './warmup.js';

/** Default instruction budget per run. */
export const DEFAULT_BUDGET = 1_000_000;

/**
 * An execution engine: runs an image in an execution context. On return r0
 * is in `ex.regs[0..1]` and `ex.insns` is set; faults are thrown as
 * RuntimeFault. The interpreter is `interp`; the JIT registers `jit`.
 */
export interface Engine {
  readonly name: string;
  execute(ex: ExecContext, image: ProgramImage): void;
}

const ENGINES = new Map<string, Engine>([['interp', { name: 'interp', execute: interpret }]]);

/** Registers (or replaces) an execution engine by name. */
export function registerEngine(engine: Engine): void {
  ENGINES.set(engine.name, engine);
}

/**
 * The engine registered under `name`.
 * @throws BpfError (UNSUPPORTED) for an unknown engine.
 */
export function getEngine(name: string): Engine {
  const e = ENGINES.get(name);
  if (e === undefined) throw new BpfError(ErrorCode.Unsupported, `unknown engine '${name}' (available: ${[...ENGINES.keys()].join(', ')})`);
  return e;
}

/** Names of the registered engines. */
export function engineNames(): string[] {
  return [...ENGINES.keys()];
}

/** Options of {@link Vm}. */
export interface VmOptions {
  /**
   * Helpers: a registry (used as is) or extra definitions added to the
   * defaults. Default: {@link vmDefaultHelpers} (the built-ins and the map,
   * ring buffer and perf event helpers of src/maps).
   */
  helpers?: HelperRegistry | readonly HelperDef[];
  /** Environment (clock, PRNG, task, trace output). Default: {@link createEnv}(). */
  env?: VmEnv;
  /** Instruction budget per run (default 1,000,000). */
  budget?: number;
  /** Memory shared with maps (default: a new one). */
  memory?: Memory;
  /** Engine name (default `interp`). */
  engine?: string;
}

/** Options of {@link Vm.load}. */
export interface LoadOptions {
  /** Program type (default `raw`). */
  progType?: ProgTypeName;
  /** Maps referenced by ld_imm64 src 1/2/5/6 (index or fd → map). */
  maps?: MapTable;
  /** A name for messages. */
  name?: string;
}

/** Inputs of one run. Buffers are used in place: the program's writes are visible to the caller afterwards. */
export interface RunOptions {
  /** The flat memory buffer of `raw` programs (r1 = its address, r2 = its length). */
  mem?: Uint8Array;
  /** The ctx bytes (default: built for the program type). */
  ctx?: Uint8Array;
  /** The packet (xdp / skb types; LD_ABS/LD_IND read it; raw programs default to `mem`). */
  packet?: Uint8Array;
  /** Instruction budget for this run (default: the Vm's). */
  budget?: number;
  /** Engine for this run (default: the Vm's). */
  engine?: string;
}

/** What a run returns. */
export interface RunResult {
  /** r0 at exit, unsigned 64-bit. */
  r0: bigint;
  /** Instructions executed (ld_imm64 counts once). */
  insnsExecuted: number;
}

/** The helpers a {@link Vm} registers by default: bpfsim's built-ins plus the map helpers (src/maps/helpers.ts). */
export function vmDefaultHelpers(): HelperDef[] {
  return [...defaultHelpers(), ...mapHelpers()];
}

function checkBudget(b: number): number {
  if (!Number.isSafeInteger(b) || b < 0) throw new BpfError(ErrorCode.Usage, `invalid instruction budget ${b}: must be a non-negative integer`);
  return b;
}

/** A program ready to run in its {@link Vm}. */
export class LoadedProgram {
  /** @internal use {@link Vm.load}. */
  constructor(
    readonly vm: Vm,
    readonly program: Program,
    readonly image: ProgramImage,
    readonly progType: ProgTypeName,
    readonly name: string,
  ) {
    this.ctxLayout = ctxLayout(progType);
  }

  /** @internal The ctx region of the last run, restored under its id when the next run passes the same bytes. */
  ctxRegion: Region | undefined;
  /** @internal {@link ExecContext.ctxFields} built for {@link ctxRegion}. */
  ctxFields: Uint8Array | undefined;
  /** @internal The ctx layout of the program type (looked up once). */
  readonly ctxLayout: ReturnType<typeof ctxLayout>;

  /**
   * Runs the program once.
   * @throws RuntimeFault (MEM_FAULT, BUDGET, CALL_DEPTH, HELPER, UNSUPPORTED) on a fault;
   *   BpfError (USAGE) for invalid options.
   */
  run(opts: RunOptions = {}): RunResult {
    return this.vm.execute(this, opts);
  }

  /**
   * Runs the program once and returns r0's low 32 bits, unsigned — {@link run}
   * without the BigInt and the result object, for callers that need only a
   * 32-bit return value (seccomp runners).
   * @throws as {@link run}.
   */
  runU32(opts: RunOptions = {}): number {
    return this.vm.executeRegs(this, opts)[0]! >>> 0;
  }
}

/** The eBPF virtual machine. */
export class Vm {
  readonly memory: Memory;
  readonly helpers: HelperRegistry;
  env: VmEnv;
  budget: number;
  engine: string;
  private stacks: Region[] | undefined;
  private busy = false;
  private spare: ExecContext | undefined;
  private readonly tailTarget = (p: unknown): ProgramImage | undefined =>
    (p instanceof LoadedProgram && p.vm === this ? p.image : undefined);

  constructor(opts: VmOptions = {}) {
    this.memory = opts.memory ?? new Memory();
    if (opts.helpers instanceof HelperRegistry) this.helpers = opts.helpers;
    else this.helpers = new HelperRegistry(vmDefaultHelpers()).registerAll(opts.helpers ?? []);
    this.env = opts.env ?? createEnv();
    this.budget = checkBudget(opts.budget ?? DEFAULT_BUDGET);
    this.engine = opts.engine ?? 'interp';
    getEngine(this.engine);
    warmUpOnce((bytes, mem) => { new Vm({ helpers: new HelperRegistry(defaultHelpers()) }).load(bytes).run({ mem, engine: 'interp' }); });
  }

  /**
   * Decodes (bytes) and prepares a program.
   * Applies the kernel's static checks only ({@link checkStatic}): an instruction with bad
   * reserved fields or register numbers loads and faults (RuntimeFault RESERVED_FIELD /
   * BAD_REGISTER, the kernel's message) only if executed, as Linux accepts it in dead code.
   * A `Program` argument (built in-process) gets the static checks and, at run time, only
   * the register-number rule (reserved fields are not checked: the kernel runs its classic-BPF
   * translations, which fill unused fields, without do_check).
   * @throws BpfError from decoding (TRUNCATED, BAD_PROGRAM), {@link checkStatic} (BAD_OPCODE,
   *   RESERVED_FIELD, BAD_JUMP) or map resolution.
   */
  load(prog: Program | Uint8Array, opts: LoadOptions = {}): LoadedProgram {
    const progType = opts.progType ?? 'raw';
    if (!isProgTypeName(progType)) throw new BpfError(ErrorCode.Usage, `unknown program type '${progType as string}'`);
    // Only the kernel's static checks at load; malformed slots fault when executed (image.ts).
    // A Program built in-process (e.g. a classic-BPF translation, which the kernel runs without
    // do_check) gets the static checks and only the register-number rules at run time.
    const bytes = prog instanceof Uint8Array;
    const p = bytes ? decodeProgram(prog, { validate: false }) : prog;
    checkStatic(p);
    return new LoadedProgram(this, p, buildImage(p, opts.maps, bytes), progType, opts.name ?? 'prog');
  }

  /** The VM's stacks, or fresh ones (to be removed after the run) for a re-entrant run (a helper running another program). */
  private stackRegions(): Region[] {
    if (!this.busy) {
      return this.stacks ??= Array.from({ length: MAX_CALL_FRAMES }, (_, i) =>
        this.memory.add(new Uint8Array(STACK_SIZE), Perm.RW, 'stack', `stack of frame ${i}`));
    }
    return Array.from({ length: MAX_CALL_FRAMES }, (_, i) => this.memory.add(new Uint8Array(STACK_SIZE), Perm.RW, 'stack', `stack of frame ${i}`));
  }

  /** @internal Runs a loaded program (see {@link LoadedProgram.run}). */
  execute(lp: LoadedProgram, opts: RunOptions): RunResult {
    const R = this.executeRegs(lp, opts);
    return { r0: toBigU64(R[1]!, R[0]!), insnsExecuted: this.lastInsns };
  }

  private lastInsns = 0;

  /**
   * @internal Runs a loaded program; returns the register file (r0 in
   * elements 0..1, valid until the next run).
   */
  executeRegs(lp: LoadedProgram, opts: RunOptions): Int32Array {
    const engine = getEngine(opts.engine ?? this.engine);
    let ex: ExecContext;
    if (!this.busy && this.spare !== undefined) {
      ex = this.spare;
      ex.reset(this.env, lp.progType);
    } else {
      ex = new ExecContext(this.memory, this.env, lp.progType);
      if (!this.busy) this.spare = ex;
    }
    ex.budget = checkBudget(opts.budget ?? this.budget);
    ex.helpers = this.helpers.table();
    ex.image = lp.image;
    ex.tailTarget = this.tailTarget;
    const owned = this.busy;
    const stacks = this.stackRegions();
    // Per-run regions, removed in `finally` (locals, not an array: this path runs once per call).
    let memRegion: Region | undefined;
    let pktRegion: Region | undefined;
    let ctxRegion: Region | undefined;
    const wasBusy = this.busy;
    this.busy = true;
    try {
      for (let i = 0; i < MAX_CALL_FRAMES; i++) ex.stackIds[i] = stacks[i]!.id;
      stacks[0]!.bytes.fill(0);
      const R = ex.regs;
      const mem = opts.mem;
      if (mem !== undefined && mem.length > 0) memRegion = this.memory.add(mem, Perm.RW, 'mem', 'memory');
      if (opts.packet !== undefined) pktRegion = this.memory.add(opts.packet, Perm.RW, 'packet', 'packet');
      if (lp.progType === 'raw') {
        if (opts.ctx !== undefined) throw new BpfError(ErrorCode.Usage, "'ctx' is not used by raw programs (r1 = 'mem')");
        if (memRegion !== undefined) { R[2] = 0; R[3] = memRegion.id; R[4] = mem!.length; }
        ex.pktId = (pktRegion ?? memRegion)?.id ?? 0;
      } else {
        ex.pktId = pktRegion?.id ?? 0;
        const layout = lp.ctxLayout;
        let ctx = opts.ctx;
        if (ctx === undefined && layout !== undefined) {
          ctx = new Uint8Array(layout.size);
          layout.init(new DataView(ctx.buffer), opts.packet?.length ?? 0);
        }
        if (ctx !== undefined) {
          const perm = layout === undefined || layout.writable ? Perm.RW : Perm.READ;
          // Same ctx bytes as last run: put the same region back (no new region object and DataView).
          let cr = lp.ctxRegion;
          if (cr !== undefined && cr.bytes === ctx && this.memory.restore(cr)) cr.perm = perm;
          else {
            cr = this.memory.add(ctx, perm, 'ctx', layout?.struct ?? 'ctx');
            lp.ctxRegion = cr;
            lp.ctxFields = undefined;
          }
          ctxRegion = cr;
          R[3] = cr.id;
          if (layout !== undefined) {
            ex.ctxHookId = cr.id;
            let f = lp.ctxFields;
            if (f === undefined || f.length !== ctx.length) {
              f = new Uint8Array(ctx.length);
              for (const [off, kind] of layout.fields) if (off < f.length) f[off] = kind;
              lp.ctxFields = f;
            }
            ex.ctxFields = f;
          }
        }
        if (mem !== undefined && mem.length > 0) {
          if (ctx !== undefined) throw new BpfError(ErrorCode.Usage, `'mem' is for raw programs; a ${lp.progType} program gets its ctx (and 'packet')`);
          R[2] = 0; R[3] = memRegion!.id; R[4] = mem.length;
        }
      }
      ex.stackTop(0);
      engine.execute(ex, lp.image);
      this.lastInsns = ex.insns;
      return R;
    } finally {
      // Reverse order of addition: the free-id list then stays sorted without a sort.
      if (ctxRegion !== undefined) this.memory.remove(ctxRegion);
      if (pktRegion !== undefined) this.memory.remove(pktRegion);
      if (memRegion !== undefined) this.memory.remove(memRegion);
      if (owned) for (const r of stacks) this.memory.remove(r);
      this.busy = wasBusy;
    }
  }
}

/** Options of {@link runProgram}. */
export type RunProgramOptions = VmOptions & LoadOptions & RunOptions;

/**
 * Loads and runs a program once in a fresh {@link Vm}.
 * @throws BpfError from decoding, RuntimeFault from the run.
 */
export function runProgram(prog: Uint8Array | Program, opts: RunProgramOptions = {}): RunResult {
  const vm = new Vm(opts);
  return vm.load(prog, opts).run(opts);
}
