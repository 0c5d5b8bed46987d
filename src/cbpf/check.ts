/**
 * The kernel's acceptance checks for classic programs:
 *
 * - {@link checkClassic}: net/core/filter.c `bpf_check_basics_ok` (1..4096
 *   instructions), `bpf_check_classic` (opcode whitelist `chk_code_allowed`,
 *   division/modulo by constant 0, constant shifts >= 32, M[] index < 16,
 *   jumps inside the program, known ancillary offsets, last instruction a RET)
 *   and `check_load_and_stores` (no read of a scratch cell that some path
 *   reaches without writing it).
 * - {@link checkSeccompFilter}: kernel/seccomp.c `seccomp_prepare_filter` →
 *   the classic checks above, then `seccomp_check_filter` (its instruction
 *   whitelist; `ld [k]` only word-sized, 4-byte aligned and inside the 64-byte
 *   struct seccomp_data). {@link seccompRewrite} applies the rewrite that
 *   function performs (word loads → seccomp_data loads, `len` → 64).
 *
 * The kernel answers only -EINVAL; the results here name the instruction and
 * the rule that failed.
 */
import { BpfError, ErrorCode } from '../errors.js';
import { type SockFilter, sockFilter } from './insn.js';
import {
  BPF_MAXINSNS, BPF_MEMWORDS, CAluOp, CCls, CMode, SECCOMP_DATA_SIZE, SECCOMP_LD_ABS_CODE, SKF_AD_NAMES, SKF_AD_OFF, cbpfOpcode,
} from './opcodes.js';

/** Outcome of a check. */
export interface CheckResult {
  /** True when the kernel accepts the program. */
  ok: boolean;
  /** The instruction the rejection is about (undefined for whole-program reasons). */
  pc?: number;
  /** `accepted`, or the reason for the rejection. */
  message: string;
  /** The errno the kernel returns (`EINVAL` for every classic check failure). */
  errno?: 'EINVAL';
}

const OK: CheckResult = { ok: true, message: 'accepted' };
const fail = (message: string, pc?: number): CheckResult =>
  pc === undefined ? { ok: false, message, errno: 'EINVAL' } : { ok: false, pc, message, errno: 'EINVAL' };
const hex = (v: number) => '0x' + (v >>> 0).toString(16);

/** Checks a socket filter as SO_ATTACH_FILTER / bpf_prog_create would. Never throws. */
export function checkClassic(filter: readonly SockFilter[]): CheckResult {
  const flen = filter.length;
  if (flen === 0) return fail('empty program (length must be 1..4096)');
  if (flen > BPF_MAXINSNS) return fail(`program has ${flen} instructions, more than BPF_MAXINSNS (${BPF_MAXINSNS})`);
  for (let pc = 0; pc < flen; pc++) {
    const f = filter[pc]!;
    const row = cbpfOpcode(f.code);
    if (row === undefined) return fail(`unknown or disallowed opcode ${hex(f.code)}`, pc);
    const k = f.k >>> 0;
    switch (row.kind) {
      case 'alu':
        if (row.src === 'K' && (row.op === CAluOp.DIV || row.op === CAluOp.MOD) && k === 0) {
          return fail(`${row.mnemonic} by constant 0`, pc);
        }
        if (row.src === 'K' && (row.op === CAluOp.LSH || row.op === CAluOp.RSH) && k >= 32) {
          return fail(`${row.mnemonic} by constant ${k} (must be below 32)`, pc);
        }
        break;
      case 'ld_mem': case 'ldx_mem': case 'st': case 'stx':
        if (k >= BPF_MEMWORDS) return fail(`scratch memory index M[${k}] out of range (M[0..15])`, pc);
        break;
      case 'ja':
        if (k >= flen - pc - 1) return fail(`jump out of range: ja +${k} from ${pc} to ${pc + 1 + k} (program length ${flen})`, pc);
        break;
      case 'jcond':
        if (pc + f.jt + 1 >= flen || pc + f.jf + 1 >= flen) {
          const bad = pc + f.jt + 1 >= flen ? pc + f.jt + 1 : pc + f.jf + 1;
          return fail(`jump out of range: ${row.mnemonic} target ${bad} (jt ${f.jt}, jf ${f.jf}) is not before the end ${flen}`, pc);
        }
        break;
      case 'ld_abs':
        if (k >= (SKF_AD_OFF >>> 0) && !SKF_AD_NAMES.has(k - (SKF_AD_OFF >>> 0))) {
          return fail(`unknown ancillary load offset ${hex(k)} (SKF_AD_OFF + ${k - (SKF_AD_OFF >>> 0)})`, pc);
        }
        break;
      default:
        break;
    }
  }
  const last = cbpfOpcode(filter[flen - 1]!.code)!;
  if (last.kind !== 'ret_k' && last.kind !== 'ret_a') return fail('last instruction is not a ret', flen - 1);
  return checkLoadAndStores(filter);
}

/**
 * check_load_and_stores: a forward pass with one 16-bit mask of written cells;
 * a jump ANDs its mask into each target and resets the current mask to
 * all-ones (so the fall-through after a `ret` keeps the mask of the code
 * before it, as in the kernel).
 */
function checkLoadAndStores(filter: readonly SockFilter[]): CheckResult {
  const flen = filter.length;
  const masks = new Uint16Array(flen).fill(0xffff);
  let memvalid = 0;
  for (let pc = 0; pc < flen; pc++) {
    memvalid &= masks[pc]!;
    const f = filter[pc]!;
    const row = cbpfOpcode(f.code)!;
    switch (row.kind) {
      case 'st': case 'stx':
        memvalid = (memvalid | (1 << f.k)) & 0xffff;
        break;
      case 'ld_mem': case 'ldx_mem':
        if (!(memvalid & (1 << f.k))) return fail(`read of scratch memory M[${f.k}] that is not written on every path to it`, pc);
        break;
      case 'ja':
        masks[pc + 1 + f.k] = masks[pc + 1 + f.k]! & memvalid;
        memvalid = 0xffff;
        break;
      case 'jcond':
        masks[pc + 1 + f.jt] = masks[pc + 1 + f.jt]! & memvalid;
        masks[pc + 1 + f.jf] = masks[pc + 1 + f.jf]! & memvalid;
        memvalid = 0xffff;
        break;
      default:
        break;
    }
  }
  return OK;
}

/** The seccomp-specific pass alone (seccomp_check_filter), on a program that passed {@link checkClassic}. */
export function seccompCheckOnly(filter: readonly SockFilter[]): CheckResult {
  for (let pc = 0; pc < filter.length; pc++) {
    const f = filter[pc]!;
    const row = cbpfOpcode(f.code);
    if (row === undefined || !row.seccomp) {
      return fail(`instruction ${row ? row.name : hex(f.code)} is not allowed in a seccomp filter`, pc);
    }
    if (row.kind === 'ld_abs') {
      const k = f.k >>> 0;
      if (k >= SECCOMP_DATA_SIZE) return fail(`load at offset ${k} is outside struct seccomp_data (${SECCOMP_DATA_SIZE} bytes)`, pc);
      if (k & 3) return fail(`load at offset ${k} is not 4-byte aligned`, pc);
    }
  }
  return OK;
}

/**
 * Checks a seccomp filter as seccomp(SECCOMP_SET_MODE_FILTER) does
 * (privilege and attach-time limits aside — see filter-stack.ts). Never throws.
 */
export function checkSeccompFilter(filter: readonly SockFilter[]): CheckResult {
  const c = checkClassic(filter);
  if (!c.ok) return c;
  return seccompCheckOnly(filter);
}

/**
 * The program seccomp_check_filter leaves behind: `ld [k]` becomes the
 * internal seccomp_data load (code {@link SECCOMP_LD_ABS_CODE}), `ld #len` /
 * `ldx #len` become `ld #64` / `ldx #64`.
 * @throws BpfError CBPF_CHECK naming the pc when the filter is not a valid seccomp filter.
 */
export function seccompRewrite(filter: readonly SockFilter[]): SockFilter[] {
  const c = checkSeccompFilter(filter);
  if (!c.ok) throw new BpfError(ErrorCode.CbpfCheck, c.message, c.pc);
  return filter.map((f) => {
    const row = cbpfOpcode(f.code)!;
    if (row.kind === 'ld_abs') return sockFilter(SECCOMP_LD_ABS_CODE, f.jt, f.jf, f.k);
    if (row.kind === 'ld_len') return sockFilter(CCls.LD | CMode.IMM, f.jt, f.jf, SECCOMP_DATA_SIZE);
    if (row.kind === 'ldx_len') return sockFilter(CCls.LDX | CMode.IMM, f.jt, f.jf, SECCOMP_DATA_SIZE);
    return sockFilter(f.code, f.jt, f.jf, f.k);
  });
}

/**
 * Throws unless the kernel accepts `filter` as a seccomp filter (or, with
 * `context: 'packet'`, as a socket filter).
 * @throws BpfError CBPF_CHECK with the reason and pc.
 */
export function assertCbpfValid(filter: readonly SockFilter[], context: 'packet' | 'seccomp'): void {
  const c = context === 'seccomp' ? checkSeccompFilter(filter) : checkClassic(filter);
  if (!c.ok) throw new BpfError(ErrorCode.CbpfCheck, c.message, c.pc);
}
