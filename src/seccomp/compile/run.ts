/**
 * Running compiled classic filters on calls: builds struct seccomp_data for
 * the call's ABI (big-endian ABIs get their argument halves in big-endian
 * word order, as their kernels lay them out) and runs the cbpf interpreter.
 */
import { CbpfProgram, runCbpf } from '../../cbpf/interpreter.js';
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

/** A classic filter ready to evaluate many calls. */
export class ClassicRunner {
  private readonly prog: CbpfProgram;
  private readonly buf = new Uint8Array(SECCOMP_DATA_SIZE);
  constructor(filter: readonly SockFilter[]) {
    this.prog = new CbpfProgram(filter);
  }
  /** The filter's u32 return value for a call. */
  run(call: SyscallCall): number {
    return runCbpf(this.prog, { kind: 'seccomp', data: seccompDataFor(call, this.buf) });
  }
}

/** A compiled array-lookup program loaded into a VM with its sealed table, ready to evaluate calls. */
export class ArrayRunner {
  readonly vm: Vm;
  readonly map: BpfMap;
  private readonly lp: LoadedProgram;
  private readonly ctx = new Uint8Array(SECCOMP_DATA_SIZE);
  private readonly dv = new DataView(this.ctx.buffer);
  constructor(compiled: ArrayProgram, opts: { verify?: boolean } = {}) {
    if (opts.verify !== false) {
      verifyOrThrow(compiled.program, { progType: 'seccomp', maps: [compiled.map] });
    }
    this.vm = new Vm({ helpers: mapHelpers() });
    this.map = createMap(compiled.map, this.vm.memory);
    this.lp = this.vm.load(compiled.program, { progType: 'seccomp', maps: [this.map] });
  }
  /** The program's u32 return value for a call (context in little-endian layout). */
  run(call: SyscallCall): number {
    const dv = this.dv;
    dv.setUint32(0, call.nr >>> 0, true);
    dv.setUint32(4, call.arch >>> 0, true);
    dv.setBigUint64(8, BigInt.asUintN(64, call.ip ?? 0n), true);
    for (let i = 0; i < 6; i++) dv.setBigUint64(16 + 8 * i, BigInt.asUintN(64, call.args?.[i] ?? 0n), true);
    return Number(this.lp.run({ ctx: this.ctx }).r0 & 0xffffffffn) >>> 0;
  }
}
