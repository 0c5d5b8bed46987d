/**
 * The eBPF interpreter: runs a {@link ProgramImage} in an {@link ExecContext}
 * with the Linux kernel's semantics (kernel/bpf/core.c ___bpf_prog_run, the
 * verifier's run-time rewrites in do_misc_fixups, RFC 9669 §4–§5).
 *
 * Design (measured, see docs/vm.md): one dense `switch` on a pre-decoded
 * dispatch id (the opcode byte, or 0x100+ for variants chosen by off/imm),
 * instruction records packed 8 words per slot in one Int32Array, registers
 * as interleaved (lo, hi) int32 halves in an Int32Array, pointers as
 * (region id, offset) halves (src/vm/memory.ts) read through each region's
 * DataView. No allocation and no BigInt on any path but helper calls and
 * faults. Division, multiplication and shifts go through the shared 64-bit
 * helpers of u64.ts (also used by the JIT).
 *
 * Kernel details implemented here:
 * - DIV by zero → 0, MOD by zero → dst unchanged (32-bit: zero-extended);
 *   SDIV INT_MIN / -1 → INT_MIN, SMOD INT_MIN % -1 → 0; shifts masked.
 * - 32-bit ALU results zero-extend; MOVSX; sign-extending loads; LE/BE/BSWAP.
 * - Atomics with and without FETCH, XCHG, CMPXCHG against r0, load-acquire,
 *   store-release; gotol (JMP32|JA with a 32-bit imm).
 * - LD_ABS/LD_IND: big-endian reads from the packet; an out-of-bounds read
 *   ends the program with r0 = 0 (bpf_skb_load_helper + the verifier's exit).
 * - bpf-to-bpf calls: r6–r9 and r10 restored on return, a 512-byte stack per
 *   frame, at most 8 frames; tail calls (helper 12) through ExecContext.
 * - callx: the register's low 32 bits name a helper (uBPF / bpf_conformance
 *   semantics; Linux itself rejects opcode 0x8d at load time).
 *
 * The file is long on purpose: the dispatch switch must stay one function
 * (splitting it into calls costs a call per instruction). Its ALU and JMP
 * cases are regular — one per opcode byte, K and X forms side by side — and
 * every one is checked against two references by test/vm/alu-jmp.prop.test.ts;
 * the rarer instructions live in interp-slow.ts.
 */

import { ErrorCode } from '../errors.js';
import { CtxField, FRAME_WORDS, MAX_CALL_FRAMES, STACK_SIZE, type ExecContext } from './exec.js';
import type { ProgramImage } from './image.js';
import { atomic, badInsn, ctxLoad, ldAbs, rgn } from './interp-slow.js';
import {
  bswap16, bswap32, mul64, sdiv32, sdiv64, smod32, smod64, udiv64, umod64,
} from './u64.js';

/**
 * Runs `image` from slot 0 in `ex` (registers already set up: r1.., r10).
 * On return, r0 is in `ex.regs[0..1]` and `ex.insns` holds the number of
 * executed instructions.
 * @throws RuntimeFault (MEM_FAULT, BUDGET, CALL_DEPTH, HELPER, UNSUPPORTED).
 */
export function interpret(ex: ExecContext, image: ProgramImage): void {
  const R = ex.regs;
  const regions = ex.mem.regions;
  const frames = ex.frames;
  const lim = ex.budget;
  const ctxHookId = ex.ctxHookId;
  let words = image.words;
  let n = 0;
  /** Word index of the current slot's record (slot × 8). */
  let pc = 0;
  let fp = 0;
  // The current frame's stack, for r10-relative accesses (Op.FP_*).
  let sbytes = regions[ex.stackIds[0]!]!.bytes;
  let sv = regions[ex.stackIds[0]!]!.view;
  for (;;) {
    if (++n > lim) { ex.insns = n - 1; throw ex.budgetFault(pc >> 3); }
    const b = pc;
    switch (words[b]) {
      case 0x07: { // add K
        const d = words[b + 1];
        const a = R[d], l = (a + words[b + 4]) | 0;
        R[d + 1] = (R[d + 1] + words[b + 5] + ((l >>> 0) < (a >>> 0) ? 1 : 0)) | 0; R[d] = l;
        pc += 8; continue;
      }
      case 0x0f: { // add X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], l = (a + R[s]) | 0;
        R[d + 1] = (R[d + 1] + R[s + 1] + ((l >>> 0) < (a >>> 0) ? 1 : 0)) | 0; R[d] = l;
        pc += 8; continue;
      }
      case 0x17: { // sub K
        const d = words[b + 1];
        const a = R[d], c = words[b + 4];
        R[d + 1] = (R[d + 1] - words[b + 5] - ((a >>> 0) < (c >>> 0) ? 1 : 0)) | 0; R[d] = (a - c) | 0;
        pc += 8; continue;
      }
      case 0x1f: { // sub X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], c = R[s];
        R[d + 1] = (R[d + 1] - R[s + 1] - ((a >>> 0) < (c >>> 0) ? 1 : 0)) | 0; R[d] = (a - c) | 0;
        pc += 8; continue;
      }
      case 0x27: { // mul K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], ch = words[b + 5], cl = words[b + 4];
        if ((ah | ch) === 0 && (al >>> 0) * (cl >>> 0) <= 0xffffffff) { R[d] = Math.imul(al, cl); }
        else mul64(R, d, ah, al, ch, cl);
        pc += 8; continue;
      }
      case 0x2f: { // mul X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], ch = R[s + 1], cl = R[s];
        if ((ah | ch) === 0 && (al >>> 0) * (cl >>> 0) <= 0xffffffff) { R[d] = Math.imul(al, cl); }
        else mul64(R, d, ah, al, ch, cl);
        pc += 8; continue;
      }
      case 0x37: { // div K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], ch = words[b + 5], cl = words[b + 4];
        if ((ah | ch) === 0) { R[d] = ((al >>> 0) / (cl >>> 0)) >>> 0; }
        else udiv64(R, d, ah, al, ch, cl);
        pc += 8; continue;
      }
      case 0x3f: { // div X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], ch = R[s + 1], cl = R[s];
        if ((ah | ch) === 0) { R[d] = ((al >>> 0) / (cl >>> 0)) >>> 0; }
        else udiv64(R, d, ah, al, ch, cl);
        pc += 8; continue;
      }
      case 0x47: { // or K
        const d = words[b + 1];
        R[d] = R[d] | words[b + 4]; R[d + 1] = R[d + 1] | words[b + 5];
        pc += 8; continue;
      }
      case 0x4f: { // or X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = R[d] | R[s]; R[d + 1] = R[d + 1] | R[s + 1];
        pc += 8; continue;
      }
      case 0x57: { // and K
        const d = words[b + 1];
        R[d] = R[d] & words[b + 4]; R[d + 1] = R[d + 1] & words[b + 5];
        pc += 8; continue;
      }
      case 0x5f: { // and X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = R[d] & R[s]; R[d + 1] = R[d + 1] & R[s + 1];
        pc += 8; continue;
      }
      case 0x67: { // lsh K
        const d = words[b + 1];
        const k = words[b + 4] & 63;
        if (k !== 0) {
          const l = R[d];
          if (k < 32) { R[d + 1] = (R[d + 1] << k) | (l >>> (32 - k)); R[d] = l << k; }
          else { R[d + 1] = l << (k - 32); R[d] = 0; }
        }
        pc += 8; continue;
      }
      case 0x6f: { // lsh X
        const d = words[b + 1]; const s = words[b + 2];
        const k = R[s] & 63;
        if (k !== 0) {
          const l = R[d];
          if (k < 32) { R[d + 1] = (R[d + 1] << k) | (l >>> (32 - k)); R[d] = l << k; }
          else { R[d + 1] = l << (k - 32); R[d] = 0; }
        }
        pc += 8; continue;
      }
      case 0x77: { // rsh K
        const d = words[b + 1];
        const k = words[b + 4] & 63;
        if (k !== 0) {
          const h = R[d + 1];
          if (k < 32) { R[d] = (R[d] >>> k) | (h << (32 - k)); R[d + 1] = h >>> k; }
          else { R[d] = h >>> (k - 32); R[d + 1] = 0; }
        }
        pc += 8; continue;
      }
      case 0x7f: { // rsh X
        const d = words[b + 1]; const s = words[b + 2];
        const k = R[s] & 63;
        if (k !== 0) {
          const h = R[d + 1];
          if (k < 32) { R[d] = (R[d] >>> k) | (h << (32 - k)); R[d + 1] = h >>> k; }
          else { R[d] = h >>> (k - 32); R[d + 1] = 0; }
        }
        pc += 8; continue;
      }
      case 0x97: { // mod K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], ch = words[b + 5], cl = words[b + 4];
        if ((ah | ch) === 0) { if (cl !== 0) R[d] = ((al >>> 0) % (cl >>> 0)) | 0; }
        else umod64(R, d, ah, al, ch, cl);
        pc += 8; continue;
      }
      case 0x9f: { // mod X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], ch = R[s + 1], cl = R[s];
        if ((ah | ch) === 0) { if (cl !== 0) R[d] = ((al >>> 0) % (cl >>> 0)) | 0; }
        else umod64(R, d, ah, al, ch, cl);
        pc += 8; continue;
      }
      case 0xa7: { // xor K
        const d = words[b + 1];
        R[d] = R[d] ^ words[b + 4]; R[d + 1] = R[d + 1] ^ words[b + 5];
        pc += 8; continue;
      }
      case 0xaf: { // xor X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = R[d] ^ R[s]; R[d + 1] = R[d + 1] ^ R[s + 1];
        pc += 8; continue;
      }
      case 0xb7: { // mov K
        const d = words[b + 1];
        R[d] = words[b + 4]; R[d + 1] = words[b + 5];
        pc += 8; continue;
      }
      case 0xbf: { // mov X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = R[s]; R[d + 1] = R[s + 1];
        pc += 8; continue;
      }
      case 0xc7: { // arsh K
        const d = words[b + 1];
        const k = words[b + 4] & 63;
        if (k !== 0) {
          const h = R[d + 1];
          if (k < 32) { R[d] = (R[d] >>> k) | (h << (32 - k)); R[d + 1] = h >> k; }
          else { R[d] = h >> (k - 32); R[d + 1] = h >> 31; }
        }
        pc += 8; continue;
      }
      case 0xcf: { // arsh X
        const d = words[b + 1]; const s = words[b + 2];
        const k = R[s] & 63;
        if (k !== 0) {
          const h = R[d + 1];
          if (k < 32) { R[d] = (R[d] >>> k) | (h << (32 - k)); R[d + 1] = h >> k; }
          else { R[d] = h >> (k - 32); R[d + 1] = h >> 31; }
        }
        pc += 8; continue;
      }
      case 0x04: { // add32 K
        const d = words[b + 1];
        R[d] = (R[d] + words[b + 4]) | 0; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x0c: { // add32 X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = (R[d] + R[s]) | 0; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x14: { // sub32 K
        const d = words[b + 1];
        R[d] = (R[d] - words[b + 4]) | 0; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x1c: { // sub32 X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = (R[d] - R[s]) | 0; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x24: { // mul32 K
        const d = words[b + 1];
        R[d] = Math.imul(R[d], words[b + 4]); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x2c: { // mul32 X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = Math.imul(R[d], R[s]); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x34: { // div32 K
        const d = words[b + 1];
        R[d] = ((R[d] >>> 0) / (words[b + 4] >>> 0)) >>> 0; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x3c: { // div32 X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = ((R[d] >>> 0) / (R[s] >>> 0)) >>> 0; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x44: { // or32 K
        const d = words[b + 1];
        R[d] = R[d] | words[b + 4]; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x4c: { // or32 X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = R[d] | R[s]; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x54: { // and32 K
        const d = words[b + 1];
        R[d] = R[d] & words[b + 4]; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x5c: { // and32 X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = R[d] & R[s]; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x64: { // lsh32 K
        const d = words[b + 1];
        R[d] = R[d] << (words[b + 4] & 31); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x6c: { // lsh32 X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = R[d] << (R[s] & 31); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x74: { // rsh32 K
        const d = words[b + 1];
        R[d] = R[d] >>> (words[b + 4] & 31); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x7c: { // rsh32 X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = R[d] >>> (R[s] & 31); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x94: { // mod32 K
        const d = words[b + 1];
        const c = words[b + 4]; if (c !== 0) R[d] = ((R[d] >>> 0) % (c >>> 0)) | 0; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x9c: { // mod32 X
        const d = words[b + 1]; const s = words[b + 2];
        const c = R[s]; if (c !== 0) R[d] = ((R[d] >>> 0) % (c >>> 0)) | 0; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0xa4: { // xor32 K
        const d = words[b + 1];
        R[d] = R[d] ^ words[b + 4]; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0xac: { // xor32 X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = R[d] ^ R[s]; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0xb4: { // mov32 K
        const d = words[b + 1];
        R[d] = words[b + 4]; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0xbc: { // mov32 X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = R[s]; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0xc4: { // arsh32 K
        const d = words[b + 1];
        R[d] = R[d] >> (words[b + 4] & 31); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0xcc: { // arsh32 X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = R[d] >> (R[s] & 31); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x100: { // SDIV32_K
        const d = words[b + 1];
        R[d] = sdiv32(R[d], words[b + 4]); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x101: { // SDIV32_X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = sdiv32(R[d], R[s]); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x102: { // SDIV64_K
        const d = words[b + 1];
        sdiv64(R, d, R[d + 1], R[d], words[b + 5], words[b + 4]);
        pc += 8; continue;
      }
      case 0x103: { // SDIV64_X
        const d = words[b + 1]; const s = words[b + 2];
        sdiv64(R, d, R[d + 1], R[d], R[s + 1], R[s]);
        pc += 8; continue;
      }
      case 0x104: { // SMOD32_K
        const d = words[b + 1];
        R[d] = smod32(R[d], words[b + 4]); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x105: { // SMOD32_X
        const d = words[b + 1]; const s = words[b + 2];
        R[d] = smod32(R[d], R[s]); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x106: { // SMOD64_K
        const d = words[b + 1];
        smod64(R, d, R[d + 1], R[d], words[b + 5], words[b + 4]);
        pc += 8; continue;
      }
      case 0x107: { // SMOD64_X
        const d = words[b + 1]; const s = words[b + 2];
        smod64(R, d, R[d + 1], R[d], R[s + 1], R[s]);
        pc += 8; continue;
      }
      case 0x15: { // jeq K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], bh = words[b + 5], bl = words[b + 4];
        pc = al === bl && ah === bh ? words[b + 6] : pc + 8; continue;
      }
      case 0x1d: { // jeq X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], bh = R[s + 1], bl = R[s];
        pc = al === bl && ah === bh ? words[b + 6] : pc + 8; continue;
      }
      case 0x25: { // jgt K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], bh = words[b + 5], bl = words[b + 4];
        pc = (ah >>> 0) > (bh >>> 0) || (ah === bh && (al >>> 0) > (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0x2d: { // jgt X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], bh = R[s + 1], bl = R[s];
        pc = (ah >>> 0) > (bh >>> 0) || (ah === bh && (al >>> 0) > (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0x35: { // jge K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], bh = words[b + 5], bl = words[b + 4];
        pc = (ah >>> 0) > (bh >>> 0) || (ah === bh && (al >>> 0) >= (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0x3d: { // jge X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], bh = R[s + 1], bl = R[s];
        pc = (ah >>> 0) > (bh >>> 0) || (ah === bh && (al >>> 0) >= (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0x45: { // jset K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], bh = words[b + 5], bl = words[b + 4];
        pc = (al & bl) !== 0 || (ah & bh) !== 0 ? words[b + 6] : pc + 8; continue;
      }
      case 0x4d: { // jset X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], bh = R[s + 1], bl = R[s];
        pc = (al & bl) !== 0 || (ah & bh) !== 0 ? words[b + 6] : pc + 8; continue;
      }
      case 0x55: { // jne K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], bh = words[b + 5], bl = words[b + 4];
        pc = al !== bl || ah !== bh ? words[b + 6] : pc + 8; continue;
      }
      case 0x5d: { // jne X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], bh = R[s + 1], bl = R[s];
        pc = al !== bl || ah !== bh ? words[b + 6] : pc + 8; continue;
      }
      case 0x65: { // jsgt K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], bh = words[b + 5], bl = words[b + 4];
        pc = ah > bh || (ah === bh && (al >>> 0) > (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0x6d: { // jsgt X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], bh = R[s + 1], bl = R[s];
        pc = ah > bh || (ah === bh && (al >>> 0) > (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0x75: { // jsge K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], bh = words[b + 5], bl = words[b + 4];
        pc = ah > bh || (ah === bh && (al >>> 0) >= (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0x7d: { // jsge X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], bh = R[s + 1], bl = R[s];
        pc = ah > bh || (ah === bh && (al >>> 0) >= (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0xa5: { // jlt K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], bh = words[b + 5], bl = words[b + 4];
        pc = (ah >>> 0) < (bh >>> 0) || (ah === bh && (al >>> 0) < (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0xad: { // jlt X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], bh = R[s + 1], bl = R[s];
        pc = (ah >>> 0) < (bh >>> 0) || (ah === bh && (al >>> 0) < (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0xb5: { // jle K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], bh = words[b + 5], bl = words[b + 4];
        pc = (ah >>> 0) < (bh >>> 0) || (ah === bh && (al >>> 0) <= (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0xbd: { // jle X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], bh = R[s + 1], bl = R[s];
        pc = (ah >>> 0) < (bh >>> 0) || (ah === bh && (al >>> 0) <= (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0xc5: { // jslt K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], bh = words[b + 5], bl = words[b + 4];
        pc = ah < bh || (ah === bh && (al >>> 0) < (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0xcd: { // jslt X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], bh = R[s + 1], bl = R[s];
        pc = ah < bh || (ah === bh && (al >>> 0) < (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0xd5: { // jsle K
        const d = words[b + 1];
        const ah = R[d + 1], al = R[d], bh = words[b + 5], bl = words[b + 4];
        pc = ah < bh || (ah === bh && (al >>> 0) <= (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0xdd: { // jsle X
        const d = words[b + 1]; const s = words[b + 2];
        const ah = R[d + 1], al = R[d], bh = R[s + 1], bl = R[s];
        pc = ah < bh || (ah === bh && (al >>> 0) <= (bl >>> 0)) ? words[b + 6] : pc + 8; continue;
      }
      case 0x16: { // jeq32 K
        const d = words[b + 1];
        const a = R[d], v = words[b + 4];
        pc = a === v ? words[b + 6] : pc + 8; continue;
      }
      case 0x1e: { // jeq32 X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], v = R[s];
        pc = a === v ? words[b + 6] : pc + 8; continue;
      }
      case 0x26: { // jgt32 K
        const d = words[b + 1];
        const a = R[d], v = words[b + 4];
        pc = (a >>> 0) > (v >>> 0) ? words[b + 6] : pc + 8; continue;
      }
      case 0x2e: { // jgt32 X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], v = R[s];
        pc = (a >>> 0) > (v >>> 0) ? words[b + 6] : pc + 8; continue;
      }
      case 0x36: { // jge32 K
        const d = words[b + 1];
        const a = R[d], v = words[b + 4];
        pc = (a >>> 0) >= (v >>> 0) ? words[b + 6] : pc + 8; continue;
      }
      case 0x3e: { // jge32 X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], v = R[s];
        pc = (a >>> 0) >= (v >>> 0) ? words[b + 6] : pc + 8; continue;
      }
      case 0x46: { // jset32 K
        const d = words[b + 1];
        const a = R[d], v = words[b + 4];
        pc = (a & v) !== 0 ? words[b + 6] : pc + 8; continue;
      }
      case 0x4e: { // jset32 X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], v = R[s];
        pc = (a & v) !== 0 ? words[b + 6] : pc + 8; continue;
      }
      case 0x56: { // jne32 K
        const d = words[b + 1];
        const a = R[d], v = words[b + 4];
        pc = a !== v ? words[b + 6] : pc + 8; continue;
      }
      case 0x5e: { // jne32 X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], v = R[s];
        pc = a !== v ? words[b + 6] : pc + 8; continue;
      }
      case 0x66: { // jsgt32 K
        const d = words[b + 1];
        const a = R[d], v = words[b + 4];
        pc = a > v ? words[b + 6] : pc + 8; continue;
      }
      case 0x6e: { // jsgt32 X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], v = R[s];
        pc = a > v ? words[b + 6] : pc + 8; continue;
      }
      case 0x76: { // jsge32 K
        const d = words[b + 1];
        const a = R[d], v = words[b + 4];
        pc = a >= v ? words[b + 6] : pc + 8; continue;
      }
      case 0x7e: { // jsge32 X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], v = R[s];
        pc = a >= v ? words[b + 6] : pc + 8; continue;
      }
      case 0xa6: { // jlt32 K
        const d = words[b + 1];
        const a = R[d], v = words[b + 4];
        pc = (a >>> 0) < (v >>> 0) ? words[b + 6] : pc + 8; continue;
      }
      case 0xae: { // jlt32 X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], v = R[s];
        pc = (a >>> 0) < (v >>> 0) ? words[b + 6] : pc + 8; continue;
      }
      case 0xb6: { // jle32 K
        const d = words[b + 1];
        const a = R[d], v = words[b + 4];
        pc = (a >>> 0) <= (v >>> 0) ? words[b + 6] : pc + 8; continue;
      }
      case 0xbe: { // jle32 X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], v = R[s];
        pc = (a >>> 0) <= (v >>> 0) ? words[b + 6] : pc + 8; continue;
      }
      case 0xc6: { // jslt32 K
        const d = words[b + 1];
        const a = R[d], v = words[b + 4];
        pc = a < v ? words[b + 6] : pc + 8; continue;
      }
      case 0xce: { // jslt32 X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], v = R[s];
        pc = a < v ? words[b + 6] : pc + 8; continue;
      }
      case 0xd6: { // jsle32 K
        const d = words[b + 1];
        const a = R[d], v = words[b + 4];
        pc = a <= v ? words[b + 6] : pc + 8; continue;
      }
      case 0xde: { // jsle32 X
        const d = words[b + 1]; const s = words[b + 2];
        const a = R[d], v = R[s];
        pc = a <= v ? words[b + 6] : pc + 8; continue;
      }
      case 0x150: { // lsh64 K, 1..31
        const d = words[b + 1], k = words[b + 4];
        R[d + 1] = (R[d + 1] << k) | (R[d] >>> (32 - k)); R[d] <<= k;
        pc += 8; continue;
      }
      case 0x151: { // rsh64 K, 1..31
        const d = words[b + 1], k = words[b + 4];
        R[d] = (R[d] >>> k) | (R[d + 1] << (32 - k)); R[d + 1] = R[d + 1] >>> k;
        pc += 8; continue;
      }
      case 0x152: { // arsh64 K, 1..31
        const d = words[b + 1], k = words[b + 4];
        R[d] = (R[d] >>> k) | (R[d + 1] << (32 - k)); R[d + 1] >>= k;
        pc += 8; continue;
      }
      case 0x153: { // lsh64 K, 32..63
        const d = words[b + 1];
        R[d + 1] = R[d] << words[b + 4]; R[d] = 0;
        pc += 8; continue;
      }
      case 0x154: { // rsh64 K, 32..63
        const d = words[b + 1];
        R[d] = R[d + 1] >>> words[b + 4]; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x155: { // arsh64 K, 32..63
        const d = words[b + 1];
        const h = R[d + 1];
        R[d] = h >> words[b + 4]; R[d + 1] = h >> 31;
        pc += 8; continue;
      }
      case 0x156: // shift by 0
        pc += 8; continue;
      case 0x84: { // neg32
        const d = words[b + 1];
        R[d] = -R[d] | 0; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x87: { // neg64
        const d = words[b + 1];
        const l = R[d];
        R[d] = -l | 0; R[d + 1] = (~R[d + 1] + (l === 0 ? 1 : 0)) | 0;
        pc += 8; continue;
      }
      case 0x108: { // movsx8 (32-bit)
        const d = words[b + 1], s = words[b + 2];
        R[d] = (R[s] << 24) >> 24; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x109: { // movsx16 (32-bit)
        const d = words[b + 1], s = words[b + 2];
        R[d] = (R[s] << 16) >> 16; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x10a: { // movsx8 (64-bit)
        const d = words[b + 1], s = words[b + 2];
        const v = (R[s] << 24) >> 24;
        R[d] = v; R[d + 1] = v >> 31;
        pc += 8; continue;
      }
      case 0x10b: { // movsx16 (64-bit)
        const d = words[b + 1], s = words[b + 2];
        const v = (R[s] << 16) >> 16;
        R[d] = v; R[d + 1] = v >> 31;
        pc += 8; continue;
      }
      case 0x10c: { // movsx32 (64-bit)
        const d = words[b + 1], s = words[b + 2];
        const v = R[s];
        R[d] = v; R[d + 1] = v >> 31;
        pc += 8; continue;
      }
      case 0x110: { // le16
        const d = words[b + 1];
        R[d] &= 0xffff; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x111: { // le32
        R[words[b + 1] + 1] = 0;
        pc += 8; continue;
      }
      case 0x112: // le64
        pc += 8; continue;
      case 0x113: case 0x116: { // be16, bswap16
        const d = words[b + 1];
        R[d] = bswap16(R[d]); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x114: case 0x117: { // be32, bswap32
        const d = words[b + 1];
        R[d] = bswap32(R[d]); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x115: case 0x118: { // be64, bswap64
        const d = words[b + 1];
        const l = R[d];
        R[d] = bswap32(R[d + 1]); R[d + 1] = bswap32(l);
        pc += 8; continue;
      }
      case 0x05: // ja
        pc = words[b + 6]; continue;
      case 0x06: // gotol (JMP32 ja, 32-bit imm)
        pc = words[b + 6]; continue;
      case 0x18: { // lddw (constant resolved at load)
        const d = words[b + 1];
        R[d] = words[b + 4]; R[d + 1] = words[b + 5];
        pc += 16; continue;
      }
      // ---- loads and stores ----
      case 0x61: { // ldxw
        const s = words[b + 2];
        let h = R[s + 1];
        let o = (R[s] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 4 > rg.readEnd) { rg = ex.retryAccess(pc >> 3, h, o, 4, 1); h = ex.accHi; o = ex.accOff; }
        const d = words[b + 1];
        if (h === ctxHookId && o < ex.ctxFields.length && ex.ctxFields[o] !== CtxField.PLAIN) ctxLoad(ex, d, ex.ctxFields[o]!);
        else { R[d] = rg.view.getInt32(o, true); R[d + 1] = 0; }
        pc += 8; continue;
      }
      case 0x69: { // ldxh
        const s = words[b + 2];
        const h = R[s + 1];
        let o = (R[s] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 2 > rg.readEnd) { rg = ex.retryAccess(pc >> 3, h, o, 2, 1); o = ex.accOff; }
        const d = words[b + 1];
        R[d] = rg.view.getUint16(o, true); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x71: { // ldxb
        const s = words[b + 2];
        const h = R[s + 1];
        let o = (R[s] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 1 > rg.readEnd) { rg = ex.retryAccess(pc >> 3, h, o, 1, 1); o = ex.accOff; }
        const d = words[b + 1];
        R[d] = rg.bytes[o]!; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x79: { // ldxdw
        const s = words[b + 2];
        const h = R[s + 1];
        let o = (R[s] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 8 > rg.readEnd) { rg = ex.retryAccess(pc >> 3, h, o, 8, 1); o = ex.accOff; }
        const d = words[b + 1];
        const v = rg.view;
        R[d] = v.getInt32(o, true); R[d + 1] = v.getInt32(o + 4, true);
        pc += 8; continue;
      }
      case 0x81: { // ldxsw
        const s = words[b + 2];
        const h = R[s + 1];
        let o = (R[s] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 4 > rg.readEnd) { rg = ex.retryAccess(pc >> 3, h, o, 4, 1); o = ex.accOff; }
        const d = words[b + 1];
        const x = rg.view.getInt32(o, true);
        R[d] = x; R[d + 1] = x >> 31;
        pc += 8; continue;
      }
      case 0x89: { // ldxsh
        const s = words[b + 2];
        const h = R[s + 1];
        let o = (R[s] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 2 > rg.readEnd) { rg = ex.retryAccess(pc >> 3, h, o, 2, 1); o = ex.accOff; }
        const d = words[b + 1];
        const x = rg.view.getInt16(o, true);
        R[d] = x; R[d + 1] = x >> 31;
        pc += 8; continue;
      }
      case 0x91: { // ldxsb
        const s = words[b + 2];
        const h = R[s + 1];
        let o = (R[s] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 1 > rg.readEnd) { rg = ex.retryAccess(pc >> 3, h, o, 1, 1); o = ex.accOff; }
        const d = words[b + 1];
        const x = rg.view.getInt8(o);
        R[d] = x; R[d + 1] = x >> 31;
        pc += 8; continue;
      }
      case 0x62: { // stw
        const d = words[b + 1];
        const h = R[d + 1];
        let o = (R[d] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 4 > rg.writeEnd) { rg = ex.retryAccess(pc >> 3, h, o, 4, 2); o = ex.accOff; }
        rg.view.setInt32(o, words[b + 4], true);
        pc += 8; continue;
      }
      case 0x6a: { // sth
        const d = words[b + 1];
        const h = R[d + 1];
        let o = (R[d] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 2 > rg.writeEnd) { rg = ex.retryAccess(pc >> 3, h, o, 2, 2); o = ex.accOff; }
        rg.view.setInt16(o, words[b + 4], true);
        pc += 8; continue;
      }
      case 0x72: { // stb
        const d = words[b + 1];
        const h = R[d + 1];
        let o = (R[d] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 1 > rg.writeEnd) { rg = ex.retryAccess(pc >> 3, h, o, 1, 2); o = ex.accOff; }
        rg.bytes[o] = words[b + 4];
        pc += 8; continue;
      }
      case 0x7a: { // stdw
        const d = words[b + 1];
        const h = R[d + 1];
        let o = (R[d] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 8 > rg.writeEnd) { rg = ex.retryAccess(pc >> 3, h, o, 8, 2); o = ex.accOff; }
        const v = rg.view; v.setInt32(o, words[b + 4], true); v.setInt32(o + 4, words[b + 5], true);
        pc += 8; continue;
      }
      case 0x63: { // stxw
        const d = words[b + 1];
        const h = R[d + 1];
        let o = (R[d] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 4 > rg.writeEnd) { rg = ex.retryAccess(pc >> 3, h, o, 4, 2); o = ex.accOff; }
        const s = words[b + 2]; rg.view.setInt32(o, R[s], true);
        pc += 8; continue;
      }
      case 0x6b: { // stxh
        const d = words[b + 1];
        const h = R[d + 1];
        let o = (R[d] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 2 > rg.writeEnd) { rg = ex.retryAccess(pc >> 3, h, o, 2, 2); o = ex.accOff; }
        const s = words[b + 2]; rg.view.setInt16(o, R[s], true);
        pc += 8; continue;
      }
      case 0x73: { // stxb
        const d = words[b + 1];
        const h = R[d + 1];
        let o = (R[d] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 1 > rg.writeEnd) { rg = ex.retryAccess(pc >> 3, h, o, 1, 2); o = ex.accOff; }
        const s = words[b + 2]; rg.bytes[o] = R[s];
        pc += 8; continue;
      }
      case 0x7b: { // stxdw
        const d = words[b + 1];
        const h = R[d + 1];
        let o = (R[d] >>> 0) + words[b + 3];
        let rg = rgn(regions, h);
        if (rg === undefined || o < 0 || o + 8 > rg.writeEnd) { rg = ex.retryAccess(pc >> 3, h, o, 8, 2); o = ex.accOff; }
        const s = words[b + 2]; const v = rg.view; v.setInt32(o, R[s], true); v.setInt32(o + 4, R[s + 1], true);
        pc += 8; continue;
      }
      case 0x140: { // ldxw (r10-relative)
        const d = words[b + 1], o = words[b + 3];
        R[d] = sv.getInt32(o, true); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x141: { // ldxh (r10-relative)
        const d = words[b + 1], o = words[b + 3];
        R[d] = sv.getUint16(o, true); R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x142: { // ldxb (r10-relative)
        const d = words[b + 1], o = words[b + 3];
        R[d] = sbytes[o]!; R[d + 1] = 0;
        pc += 8; continue;
      }
      case 0x143: { // ldxdw (r10-relative)
        const d = words[b + 1], o = words[b + 3];
        R[d] = sv.getInt32(o, true); R[d + 1] = sv.getInt32(o + 4, true);
        pc += 8; continue;
      }
      case 0x144: { // ldxsw (r10-relative)
        const d = words[b + 1], o = words[b + 3];
        const x = sv.getInt32(o, true); R[d] = x; R[d + 1] = x >> 31;
        pc += 8; continue;
      }
      case 0x145: { // ldxsh (r10-relative)
        const d = words[b + 1], o = words[b + 3];
        const x = sv.getInt16(o, true); R[d] = x; R[d + 1] = x >> 31;
        pc += 8; continue;
      }
      case 0x146: { // ldxsb (r10-relative)
        const d = words[b + 1], o = words[b + 3];
        const x = sv.getInt8(o); R[d] = x; R[d + 1] = x >> 31;
        pc += 8; continue;
      }
      case 0x148: { // stw (r10-relative)
        const o = words[b + 3];
        sv.setInt32(o, words[b + 4], true);
        pc += 8; continue;
      }
      case 0x149: { // sth (r10-relative)
        const o = words[b + 3];
        sv.setInt16(o, words[b + 4], true);
        pc += 8; continue;
      }
      case 0x14a: { // stb (r10-relative)
        const o = words[b + 3];
        sbytes[o] = words[b + 4];
        pc += 8; continue;
      }
      case 0x14b: { // stdw (r10-relative)
        const o = words[b + 3];
        sv.setInt32(o, words[b + 4], true); sv.setInt32(o + 4, words[b + 5], true);
        pc += 8; continue;
      }
      case 0x14c: { // stxw (r10-relative)
        const o = words[b + 3], s = words[b + 2];
        sv.setInt32(o, R[s], true);
        pc += 8; continue;
      }
      case 0x14d: { // stxh (r10-relative)
        const o = words[b + 3], s = words[b + 2];
        sv.setInt16(o, R[s], true);
        pc += 8; continue;
      }
      case 0x14e: { // stxb (r10-relative)
        const o = words[b + 3], s = words[b + 2];
        sbytes[o] = R[s];
        pc += 8; continue;
      }
      case 0x14f: { // stxdw (r10-relative)
        const o = words[b + 3], s = words[b + 2];
        sv.setInt32(o, R[s], true); sv.setInt32(o + 4, R[s + 1], true);
        pc += 8; continue;
      }
      case 0xc3: case 0xdb: case 0xcb: case 0xd3: // atomics, load-acquire, store-release
        atomic(ex, words, b, pc >> 3);
        pc += 8; continue;
      // ---- legacy packet access ----
      case 0x20: case 0x28: case 0x30: case 0x40: case 0x48: case 0x50: {
        const code = words[b];
        let off = words[b + 4];
        if ((code & 0xe0) === 0x40) off = (R[words[b + 2]] + off) | 0;
        const size = (code & 0x18) === 0 ? 4 : (code & 0x18) === 0x08 ? 2 : 1;
        if (!ldAbs(ex, off, size)) {
          // Out of bounds: the kernel's bpf_skb_load_helper fails and the program exits with r0 = 0.
          R[0] = 0; R[1] = 0;
          ex.insns = n;
          return;
        }
        pc += 8; continue;
      }
      // ---- calls ----
      case 0x85: { // call helper
        ex.insns = n;
        if (ex.callHelper(words[b + 4], pc >> 3)) return;
        pc += 8; continue;
      }
      case 0x8d: { // callx: helper id in the register
        ex.insns = n;
        if (ex.callHelper(R[words[b + 1]], pc >> 3)) return;
        pc += 8; continue;
      }
      case 0x122: { // bpf_tail_call
        const t = ex.tailCall();
        if (t === undefined) { pc += 8; continue; }
        if (!t.writesR10 && (R[20] !== STACK_SIZE || R[21] !== ex.stackIds[fp])) {
          throw ex.fault(ErrorCode.Unsupported, 'tail call with a modified frame pointer (r10) is not supported', pc >> 3);
        }
        image = t;
        words = t.words;
        pc = 0;
        continue;
      }
      case 0x120: { // bpf-to-bpf call
        if (fp + 1 >= MAX_CALL_FRAMES) throw ex.fault(ErrorCode.CallDepth, `call stack is too deep: more than ${MAX_CALL_FRAMES} frames`, pc >> 3);
        const f = fp * FRAME_WORDS;
        frames[f] = pc + 8;
        for (let i = 0; i < 10; i++) frames[f + 1 + i] = R[12 + i]!;
        ex.frameImages[fp] = image;
        fp++;
        const st = regions[ex.stackIds[fp]!]!;
        st.bytes.fill(0);
        sbytes = st.bytes; sv = st.view;
        R[20] = STACK_SIZE; R[21] = ex.stackIds[fp]!;
        pc = words[b + 6];
        continue;
      }
      case 0x157: // Op.BAD_INSN: reserved fields or registers the kernel rejects when it explores the slot
        throw badInsn(ex, image, pc >> 3);
      case 0x121: // kfunc call
        throw ex.fault(ErrorCode.Unsupported, `kfunc calls are not supported (btf id ${words[b + 4]})`, pc >> 3);
      case 0x95: { // exit
        if (fp === 0) { ex.insns = n; return; }
        fp--;
        const f = fp * FRAME_WORDS;
        pc = frames[f]!;
        for (let i = 0; i < 10; i++) R[12 + i] = frames[f + 1 + i]!;
        const st = regions[ex.stackIds[fp]!]!;
        sbytes = st.bytes; sv = st.view;
        const img = ex.frameImages[fp]!;
        if (img !== image) { image = img; words = img.words; }
        continue;
      }
      default:
        throw ex.fault(ErrorCode.BadOpcode, `unknown opcode ${(words[b + 7]! & 0xff).toString(16).padStart(2, '0')}`, pc >> 3);
    }
  }
}
