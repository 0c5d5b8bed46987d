/**
 * Running compiled classic filters on calls: builds struct seccomp_data for
 * the call's ABI (big-endian ABIs get their argument halves in big-endian
 * word order, as their kernels lay them out) and runs the cbpf interpreter.
 */
import { CbpfProgram, prepareSeccompFast, runCbpf, runSeccompWords, type SeccompFastProgram } from '../../cbpf/interpreter.js';
import { compileClassicJs, type CompiledClassicJs } from './classic-js.js';
import type { SockFilter } from '../../cbpf/insn.js';
import { SECCOMP_DATA_SIZE } from '../data.js';
import { archByValue } from '../arch.js';
import type { SyscallCall } from '../policy.js';
import { Vm, type LoadedProgram } from '../../vm/vm.js';
import { createMap } from '../../maps/create.js';
import { mapHelpers } from '../../maps/helpers.js';
import type { BpfMap } from '../../maps/base.js';
import { verifyOrThrow } from '../../verifier/verifier.js';
import type { ArrayProgram } from './array.js';

/**
 * struct seccomp_data bytes for a call, as a little-endian host interpreter
 * must see them so that 32-bit loads return what the call's (possibly
 * big-endian) kernel would load.
 */
export function seccompDataFor(call: SyscallCall, out = new Uint8Array(SECCOMP_DATA_SIZE)): Uint8Array {
  const dv = new DataView(out.buffer, out.byteOffset, SECCOMP_DATA_SIZE);
  const big = archByValue(call.arch, call.nr)?.endian === 'big';
  dv.setUint32(0, call.nr >>> 0, true);
  dv.setUint32(4, call.arch >>> 0, true);
  const put = (off: number, v: bigint): void => {
    const lo = Number(v & 0xffffffffn);
    const hi = Number((v >> 32n) & 0xffffffffn);
    dv.setUint32(off, big ? hi : lo, true);
    dv.setUint32(off + 4, big ? lo : hi, true);
  };
  put(8, BigInt.asUintN(64, call.ip ?? 0n));
  for (let i = 0; i < 6; i++) put(16 + 8 * i, BigInt.asUintN(64, call.args?.[i] ?? 0n));
  return out;
}

/** How a {@link ClassicRunner} executes the filter. */
export type ClassicEngine = 'interp' | 'fast' | 'js';

/** The classic engines, fastest last. */
export const CLASSIC_ENGINES: readonly ClassicEngine[] = ['interp', 'fast', 'js'];

/** Options of {@link ClassicRunner}. */
export interface ClassicRunnerOptions {
  /**
   * `interp`: the general classic interpreter on the 64 seccomp_data bytes;
   * `fast` (default): the interpreter's seccomp fast path on 16 words;
   * `js`: the filter compiled to JavaScript (src/seccomp/compile/classic-js.ts).
   * `fast` and `js` fall back to `interp` for a filter on which the
   * interpreter could fault; all three return the same values.
   */
  readonly engine?: ClassicEngine;
}

/** u32 low / high halves of a u64 argument (BigInt, taken modulo 2^64); small values avoid BigInt arithmetic. */
let splitLo = 0;
let splitHi = 0;
function split(v: bigint): void {
  if (v >= 0n && v <= 0xffffffffn) {
    splitLo = Number(v);
    splitHi = 0;
    return;
  }
  const u = BigInt.asUintN(64, v);
  splitLo = Number(u & 0xffffffffn);
  splitHi = Number(u >> 32n);
}

/**
 * Fills 16 seccomp_data words (word i = what `ld [4*i]` loads, the same
 * values {@link seccompDataFor} lays out) for a call; only the words in
 * `need` (bit i = word i) are written. Big-endian ABIs get their argument
 * halves swapped, as in {@link seccompDataFor}.
 */
export function fillSeccompWords(call: SyscallCall, w: Uint32Array, need = 0xffff, big = archByValue(call.arch, call.nr)?.endian === 'big'): void {
  w[0] = call.nr >>> 0;
  w[1] = call.arch >>> 0;
  if ((need & 0xc) !== 0) {
    split(call.ip ?? 0n);
    w[2] = big ? splitHi : splitLo;
    w[3] = big ? splitLo : splitHi;
  }
  const args = call.args;
  for (let i = 0; i < 6; i++) {
    const bit = 16 << (2 * i);
    if ((need & (bit | (bit << 1))) === 0) continue;
    const v = args === undefined ? undefined : args[i];
    if (v === undefined) { splitLo = 0; splitHi = 0; } else split(v);
    w[4 + 2 * i] = big ? splitHi : splitLo;
    w[5 + 2 * i] = big ? splitLo : splitHi;
  }
}

/**
 * A classic filter ready to evaluate many calls. Allocates nothing per call:
 * one preallocated seccomp_data (as 16 words), only the words the filter
 * reads are converted from the call, and the filter is decoded (or
 * compiled) once.
 */
export class ClassicRunner {
  /** The engine actually used (`fast`/`js` fall back to `interp` for filters that can fault). */
  readonly engine: ClassicEngine;
  /** Generated JavaScript (engine `js`). */
  readonly source?: string;
  private readonly prog: CbpfProgram;
  private readonly fast: SeccompFastProgram | undefined;
  private readonly js: ((w: Int32Array) => number) | undefined;
  private readonly words = new Uint32Array(16);
  private readonly wordsI32 = new Int32Array(this.words.buffer);
  private readonly buf = new Uint8Array(SECCOMP_DATA_SIZE);
  private readonly need: number;
  private lastArch = -1;
  private lastBig = false;
  /** @throws BpfError BAD_PROGRAM / BAD_OPCODE for a filter the interpreter cannot decode. */
  constructor(filter: readonly SockFilter[], opts: ClassicRunnerOptions = {}) {
    this.prog = new CbpfProgram(filter);
    const want = opts.engine ?? 'fast';
    this.fast = want === 'interp' ? undefined : prepareSeccompFast(this.prog);
    let js: CompiledClassicJs | undefined;
    if (want === 'js' && this.fast !== undefined) js = compileClassicJs(this.prog);
    this.js = js?.run;
    if (js !== undefined) this.source = js.source;
    this.engine = js !== undefined ? 'js' : this.fast !== undefined ? 'fast' : 'interp';
    this.need = this.fast === undefined ? 0xffff : this.fast.wordsRead | 3;
  }
  /** The filter's u32 return value for a call (arguments beyond args[5] are ignored; missing ones are 0). */
  run(call: SyscallCall): number {
    const fast = this.fast;
    if (fast === undefined) return runCbpf(this.prog, { kind: 'seccomp', data: seccompDataFor(call, this.buf) });
    const arch = call.arch >>> 0;
    if (arch !== this.lastArch) {
      this.lastArch = arch;
      this.lastBig = archByValue(arch)?.endian === 'big';
    }
    fillSeccompWords(call, this.words, this.need, this.lastBig);
    const js = this.js;
    return js !== undefined ? js(this.wordsI32) : runSeccompWords(fast, this.words);
  }
}

/** True on a little-endian host: ArrayRunner then writes its ctx through a Uint32Array view. */
const LE_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A compiled array-lookup program loaded into a VM with its sealed table, ready to evaluate calls. */
export class ArrayRunner {
  readonly vm: Vm;
  readonly map: BpfMap;
  private readonly lp: LoadedProgram;
  private readonly ctx = new Uint8Array(SECCOMP_DATA_SIZE);
  /** The ctx as 16 u32 words: a view of it on a little-endian host, else a scratch copy. */
  private readonly words = LE_HOST ? new Uint32Array(this.ctx.buffer) : new Uint32Array(16);
  private readonly dv = new DataView(this.ctx.buffer);
  /**
   * @param opts.verify run the verifier first (default true).
   * @param opts.engine VM engine (`interp`, default, or `jit` once src/vm/jit is imported).
   * @throws VerifierError when the program does not verify; BpfError from loading.
   */
  constructor(compiled: ArrayProgram, opts: { verify?: boolean; engine?: string } = {}) {
    if (opts.verify !== false) {
      verifyOrThrow(compiled.program, { progType: 'seccomp', maps: [compiled.map] });
    }
    this.vm = new Vm({ helpers: mapHelpers(), ...(opts.engine === undefined ? {} : { engine: opts.engine }) });
    this.map = createMap(compiled.map, this.vm.memory);
    this.lp = this.vm.load(compiled.program, { progType: 'seccomp', maps: [this.map] });
  }
  /** The program's u32 return value for a call (context in little-endian layout). */
  run(call: SyscallCall): number {
    // the same bytes as setBigUint64(LE) per field, written as 32-bit words (no BigInt work for values below 2^32)
    fillSeccompWords(call, this.words, 0xffff, false);
    if (!LE_HOST) for (let i = 0; i < 16; i++) this.dv.setUint32(4 * i, this.words[i]!, true);
    return this.lp.runU32({ ctx: this.ctx });
  }
}
