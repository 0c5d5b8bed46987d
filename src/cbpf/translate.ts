/**
 * Classic → eBPF translation as the kernel does it (net/core/filter.c:
 * bpf_convert_filter, convert_bpf_ld_abs, convert_bpf_extensions), for the
 * two contexts: socket filter (ctx = sk_buff, see skb-model.ts) and seccomp
 * (ctx = struct seccomp_data, after seccomp_check_filter's rewrite).
 *
 * Register mapping (include/linux/filter.h): A = r0, X = r7, TMP = r2,
 * D (skb->data) = r8, H (headlen) = r9, CTX = r6, frame pointer r10; M[k] is
 * the word at r10 - (4k + 4). Prologue: `w0 ^= w0; w7 ^= w7; r6 = r1`, plus,
 * when the program loads packet bytes, `r8 = skb->data; w9 = skb->len;
 * w2 = skb->data_len; w9 -= w2`. Jump offsets are recomputed from the
 * per-instruction expansion (addrs[]), exactly as the kernel's two passes.
 *
 * Deviations (documented): internal function calls use the immediates of
 * {@link CBPF_KFUNC} instead of kernel addresses; sk_buff field offsets are
 * the model's; the kernel's convert_skb_access sequences for #type and
 * #vlan_avail are emitted in their x86-64 little-endian form.
 */
import { BpfError, ErrorCode } from '../errors.js';
import { type Insn, Program, programFromInsns } from '../isa/insn.js';
import { AluOp, Cls, JmpOp, Mode, Size, Src } from '../isa/opcodes.js';
import { type SockFilter } from './insn.js';
import { BPF_MAXINSNS, CAluOp, CJmpOp, SECCOMP_LD_ABS_CODE, SKF_AD, SKF_AD_OFF, cbpfOpcode } from './opcodes.js';
import { checkClassic, seccompRewrite } from './check.js';
import { CBPF_KFUNC, NETDEV, SKB } from './skb-model.js';

const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;
const A = R0, X = R7, TMP = R2, D = R8, H = R9, CTX = R6, FP = R10;

const ins = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm: imm | 0 });
const alu32Reg = (op: number, d: number, s: number) => ins(Cls.ALU | op | Src.X, d, s, 0, 0);
const alu32Imm = (op: number, d: number, imm: number) => ins(Cls.ALU | op | Src.K, d, 0, 0, imm);
const alu64Imm = (op: number, d: number, imm: number) => ins(Cls.ALU64 | op | Src.K, d, 0, 0, imm);
const mov64Reg = (d: number, s: number) => ins(Cls.ALU64 | AluOp.MOV | Src.X, d, s, 0, 0);
const mov64Imm = (d: number, imm: number) => ins(Cls.ALU64 | AluOp.MOV | Src.K, d, 0, 0, imm);
const mov32Reg = (d: number, s: number) => ins(Cls.ALU | AluOp.MOV | Src.X, d, s, 0, 0);
const mov32Imm = (d: number, imm: number) => ins(Cls.ALU | AluOp.MOV | Src.K, d, 0, 0, imm);
const ldx = (size: number, d: number, s: number, off: number) => ins(Cls.LDX | size | Mode.MEM, d, s, off, 0);
const stx = (size: number, d: number, s: number, off: number) => ins(Cls.STX | size | Mode.MEM, d, s, off, 0);
const jmpImm = (op: number, d: number, imm: number, off: number) => ins(Cls.JMP | op | Src.K, d, 0, off, imm);
const ja = (off: number) => ins(Cls.JMP | JmpOp.JA, 0, 0, off, 0);
const exit = () => ins(Cls.JMP | JmpOp.EXIT, 0, 0, 0, 0);
const call = (imm: number) => ins(Cls.JMP | JmpOp.CALL, 0, 0, 0, imm);
const toBe = (d: number, bits: number) => ins(Cls.ALU | AluOp.END | 0x08, d, 0, 0, bits);

const SIZE_OF: Record<number, number> = { 1: Size.B, 2: Size.H, 4: Size.W };

/** Result of {@link translateCbpf}. */
export interface Translation {
  /** The eBPF instructions. */
  insns: Insn[];
  /** The same as a Program (structural validation off: the kernel's converted code sets src_reg on K-form ALU ops). */
  program: Program;
  /** Bytes of stack M[] uses (aux->stack_depth). */
  stackDepth: number;
  /** The program loads packet bytes (prologue caches skb->data / headlen). */
  seenLdAbs: boolean;
  /** eBPF index of the first instruction of each classic instruction. */
  addrs: number[];
}

/** convert_bpf_ld_abs: a packet load of `size` bytes at k (ABS) or X + k (IND) into A. */
function ldAbs(out: Insn[], size: number, k: number, indirect: boolean): void {
  const offset = k | 0;
  const sz = SIZE_OF[size]!;
  const endian = size === 2 || size === 4;
  if (!indirect && offset >= 0) {
    const ldxOffOk = offset <= 0x7fff;
    out.push(mov64Reg(TMP, H));
    if (offset) out.push(alu64Imm(AluOp.SUB, TMP, offset));
    out.push(jmpImm(JmpOp.JSLT, TMP, size, 2 + (endian ? 1 : 0) + (ldxOffOk ? 0 : 2)));
    if (ldxOffOk) out.push(ldx(sz, A, D, offset));
    else out.push(mov64Reg(TMP, D), alu64Imm(AluOp.ADD, TMP, offset), ldx(sz, A, TMP, 0));
    if (endian) out.push(toBe(A, size * 8));
    out.push(ja(8));
  }
  out.push(mov64Reg(R1, CTX), mov64Reg(R2, D), mov64Reg(R3, H));
  if (!indirect) out.push(mov64Imm(R4, offset));
  else {
    out.push(mov64Reg(R4, X));
    if (k) out.push(alu64Imm(AluOp.ADD, R4, offset));
  }
  out.push(call(size === 1 ? CBPF_KFUNC.skb_load_helper_8 : size === 2 ? CBPF_KFUNC.skb_load_helper_16 : CBPF_KFUNC.skb_load_helper_32));
  out.push(jmpImm(JmpOp.JSGE, A, 0, 2), alu32Reg(AluOp.XOR, A, A), exit());
}

/** convert_bpf_extensions: true when k names an ancillary load (emitted into out). */
function extension(out: Insn[], k: number): boolean {
  const ad = (k | 0) - SKF_AD_OFF;
  if ((k | 0) < SKF_AD_OFF || (k | 0) >= 0) return false;
  switch (ad) {
    case SKF_AD.proto: out.push(ldx(Size.H, A, CTX, SKB.protocol), toBe(A, 16)); return true;
    case SKF_AD.type: out.push(ldx(Size.B, A, CTX, SKB.pkt_type), alu32Imm(AluOp.AND, A, 7)); return true;
    case SKF_AD.ifidx: case SKF_AD.hatype:
      out.push(ldx(Size.DW, TMP, CTX, SKB.dev), jmpImm(JmpOp.JNE, TMP, 0, 1), exit());
      out.push(ad === SKF_AD.ifidx ? ldx(Size.W, A, TMP, NETDEV.ifindex) : ldx(Size.H, A, TMP, NETDEV.type));
      return true;
    case SKF_AD.mark: out.push(ldx(Size.W, A, CTX, SKB.mark)); return true;
    case SKF_AD.rxhash: out.push(ldx(Size.W, A, CTX, SKB.hash)); return true;
    case SKF_AD.queue: out.push(ldx(Size.H, A, CTX, SKB.queue_mapping)); return true;
    case SKF_AD.vlan_tci: out.push(ldx(Size.H, A, CTX, SKB.vlan_tci)); return true;
    case SKF_AD.vlan_avail:
      out.push(ldx(Size.W, A, CTX, SKB.vlan_all), jmpImm(JmpOp.JEQ, A, 0, 1), mov32Imm(A, 1)); return true;
    case SKF_AD.vlan_tpid: out.push(ldx(Size.H, A, CTX, SKB.vlan_proto), toBe(A, 16)); return true;
    case SKF_AD.poff: case SKF_AD.nla: case SKF_AD.nlan: case SKF_AD.cpu: case SKF_AD.rand: {
      out.push(mov64Reg(R1, CTX), mov64Reg(R2, A), mov64Reg(R3, X));
      const f = ad === SKF_AD.poff ? CBPF_KFUNC.skb_get_pay_offset : ad === SKF_AD.nla ? CBPF_KFUNC.skb_get_nlattr
        : ad === SKF_AD.nlan ? CBPF_KFUNC.skb_get_nlattr_nest : ad === SKF_AD.cpu ? CBPF_KFUNC.get_raw_cpu_id : CBPF_KFUNC.user_rnd_u32;
      out.push(call(f));
      return true;
    }
    case SKF_AD.xor_x: out.push(alu32Reg(AluOp.XOR, A, X)); return true;
    default: return false;
  }
}

/**
 * Translates a classic program to eBPF. The program is first checked as the
 * kernel would (bpf_check_classic, and seccomp_check_filter + its rewrite for
 * the seccomp context).
 * @throws BpfError CBPF_CHECK when the kernel would reject the program;
 *   BAD_JUMP when a translated jump does not fit in the 16-bit offset.
 */
export function translateCbpf(filter: readonly SockFilter[], context: 'packet' | 'seccomp'): Translation {
  let prog: readonly SockFilter[];
  if (context === 'seccomp') prog = seccompRewrite(filter);
  else {
    const c = checkClassic(filter);
    if (!c.ok) throw new BpfError(ErrorCode.CbpfCheck, c.message, c.pc);
    prog = filter;
  }
  const len = prog.length;
  if (len <= 0 || len > BPF_MAXINSNS) throw new BpfError(ErrorCode.CbpfCheck, 'bad program length');
  const seenLdAbs = prog.some((f) => {
    const r = cbpfOpcode(f.code);
    return r !== undefined && (r.kind === 'ld_ind' || r.kind === 'ldx_msh' || (r.kind === 'ld_abs' && !extension([], f.k)));
  });
  let addrs: number[] = new Array(len).fill(0);
  let out: Insn[] = [];
  let stackDepth = 0;
  for (let pass = 0; pass < 2; pass++) {
    const next: number[] = new Array(len).fill(0);
    out = [alu32Reg(AluOp.XOR, A, A), alu32Reg(AluOp.XOR, X, X), mov64Reg(CTX, R1)];
    if (seenLdAbs) {
      out.push(ldx(Size.DW, D, CTX, SKB.data), ldx(Size.W, H, CTX, SKB.len), ldx(Size.W, TMP, CTX, SKB.data_len), alu32Reg(AluOp.SUB, H, TMP));
    }
    for (let i = 0; i < len; i++) {
      next[i] = out.length;
      const fp = prog[i]!;
      const tmp: Insn[] = [];
      const emitJmp = (insn: Insn, target: number): void => {
        if (target >= len || target < 0) throw new BpfError(ErrorCode.BadJump, `jump target ${target} out of range`, i);
        let off = addrs[target]! - addrs[i]! - 1;
        off -= tmp.length;
        if (off < -32768 || off > 32767) throw new BpfError(ErrorCode.BadJump, `translated jump offset ${off} does not fit in 16 bits`, i);
        insn.off = off;
        tmp.push(insn);
      };
      if (fp.code === SECCOMP_LD_ABS_CODE) {
        tmp.push(ldx(Size.W, A, CTX, fp.k));
      } else {
        const row = cbpfOpcode(fp.code);
        if (row === undefined) throw new BpfError(ErrorCode.BadOpcode, `unknown classic opcode 0x${fp.code.toString(16)}`, i);
        switch (row.kind) {
          case 'alu': case 'neg':
            if (row.src === 'X' && (row.op === CAluOp.DIV || row.op === CAluOp.MOD)) {
              tmp.push(mov32Reg(X, X), jmpImm(JmpOp.JNE, X, 0, 2), alu32Reg(AluOp.XOR, A, A), exit());
            }
            tmp.push(ins(fp.code, A, X, 0, fp.k));
            break;
          case 'ld_abs':
            if (!extension(tmp, fp.k)) ldAbs(tmp, row.size, fp.k, false);
            break;
          case 'ld_ind':
            ldAbs(tmp, row.size, fp.k, true);
            break;
          case 'ja':
            emitJmp(ins(Cls.JMP | JmpOp.JA, 0, 0, 0, 0), i + fp.k + 1);
            break;
          case 'jcond': {
            let src: number = row.src === 'X' ? Src.X : Src.K;
            const dst = A;
            let sreg = src === Src.X ? X : 0, imm = 0;
            if (src === Src.K && (fp.k | 0) < 0) {
              tmp.push(mov32Imm(TMP, fp.k));
              sreg = TMP;
              src = Src.X;
            } else if (src === Src.K) imm = fp.k;
            const mk = (op: number) => ins(Cls.JMP | op | src, dst, sreg, 0, imm);
            if (fp.jf === 0) {
              emitJmp(mk(row.op), i + fp.jt + 1);
              break;
            }
            if (fp.jt === 0 && (row.op === CJmpOp.JEQ || row.op === CJmpOp.JGT || row.op === CJmpOp.JGE)) {
              const inv = row.op === CJmpOp.JEQ ? JmpOp.JNE : row.op === CJmpOp.JGT ? JmpOp.JLE : JmpOp.JLT;
              emitJmp(mk(inv), i + fp.jf + 1);
              break;
            }
            emitJmp(mk(row.op), i + fp.jt + 1);
            emitJmp(ins(Cls.JMP | JmpOp.JA, 0, 0, 0, 0), i + fp.jf + 1);
            break;
          }
          case 'ldx_msh':
            tmp.push(mov64Reg(X, A));
            ldAbs(tmp, 1, fp.k, false);
            tmp.push(alu32Imm(AluOp.AND, A, 0xf), alu32Imm(AluOp.LSH, A, 2), mov64Reg(TMP, X), mov64Reg(X, A), mov64Reg(A, TMP));
            break;
          case 'ret_k':
            tmp.push(mov32Imm(R0, fp.k), exit());
            break;
          case 'ret_a':
            tmp.push(exit());
            break;
          case 'st': case 'stx': {
            const off = fp.k * 4 + 4;
            tmp.push(stx(Size.W, FP, row.kind === 'st' ? A : X, -off));
            stackDepth = Math.max(stackDepth, off);
            break;
          }
          case 'ld_mem': case 'ldx_mem':
            tmp.push(ldx(Size.W, row.kind === 'ld_mem' ? A : X, FP, -(fp.k * 4 + 4)));
            break;
          case 'ld_imm': case 'ldx_imm':
            tmp.push(mov32Imm(row.kind === 'ld_imm' ? A : X, fp.k));
            break;
          case 'tax': tmp.push(mov64Reg(X, A)); break;
          case 'txa': tmp.push(mov64Reg(A, X)); break;
          case 'ld_len': case 'ldx_len':
            tmp.push(ldx(Size.W, row.kind === 'ld_len' ? A : X, CTX, SKB.len));
            break;
        }
      }
      out.push(...tmp);
    }
    addrs = next;
  }
  const program = programFromInsns(out, { validate: false });
  return { insns: out, program, stackDepth, seenLdAbs, addrs };
}
