/**
 * Test oracle: a deliberately small, BigInt-based eBPF evaluator covering the
 * instructions bpf_convert_filter emits (ALU32/ALU64, LDX/STX MEM, JMP, END,
 * CALL of the classic kernel functions, EXIT). Independent of src/vm so that
 * translation bugs cannot hide behind a shared implementation.
 */
import { Memory, Perm, regionAddress } from '../../src/vm/memory.js';
import type { Insn } from '../../src/isa/insn.js';
import type { CbpfContext } from '../../src/cbpf/index.js';
import { cbpfKernelFunctions, installPacketContext } from '../../src/vm/cbpf-skb.js';

const M64 = (1n << 64n) - 1n;
const M32 = 0xffffffffn;
const s64 = (v: bigint) => BigInt.asIntN(64, v);

export function runEbpf(insns: readonly Insn[], ctx: CbpfContext): number {
  const mem = new Memory();
  const stack = mem.add(new Uint8Array(512), Perm.RW, 'stack', 'stack');
  const r = new Array<bigint>(11).fill(0n);
  r[10] = regionAddress(stack.id, 512);
  if (ctx.kind === 'seccomp') r[1] = regionAddress(mem.add(ctx.data, Perm.READ, 'ctx', 'seccomp_data').id);
  else r[1] = installPacketContext(mem, ctx);
  const helpers = new Map(cbpfKernelFunctions().map((h) => [h.id, h]));
  const load = (addr: bigint, size: number): bigint => {
    const a = mem.resolve(addr, size, Perm.READ);
    if (!a) throw new Error(`bad load at 0x${addr.toString(16)}`);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(a.region.bytes[a.offset + i]!);
    return v;
  };
  const store = (addr: bigint, size: number, v: bigint) => {
    const a = mem.resolve(addr, size, Perm.WRITE);
    if (!a) throw new Error(`bad store at 0x${addr.toString(16)}`);
    for (let i = 0; i < size; i++) a.region.bytes[a.offset + i] = Number((v >> BigInt(8 * i)) & 0xffn);
  };
  const SZ: Record<number, number> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };
  let pc = 0;
  for (let steps = 0; steps < 100000; steps++) {
    const x = insns[pc]!;
    if (!x) throw new Error(`pc ${pc} out of program`);
    const cls = x.code & 7, op = x.code & 0xf0, isX = (x.code & 8) !== 0;
    const imm = BigInt(x.imm);
    switch (cls) {
      case 4: case 7: { // ALU / ALU64
        const is64 = cls === 7;
        const mask = is64 ? M64 : M32;
        if (op === 0xd0) { // END to BE (host is LE)
          const bits = x.imm;
          let v = r[x.dst]! & ((1n << BigInt(bits)) - 1n), o = 0n;
          for (let i = 0; i < bits / 8; i++) { o = (o << 8n) | (v & 0xffn); v >>= 8n; }
          r[x.dst] = o;
          break;
        }
        const a = r[x.dst]! & mask;
        const b = (isX ? r[x.src]! : (is64 ? imm & M64 : imm & M32)) & mask;
        let v: bigint;
        switch (op) {
          case 0x00: v = a + b; break; case 0x10: v = a - b; break; case 0x20: v = a * b; break;
          case 0x30: v = b === 0n ? 0n : a / b; break; case 0x90: v = b === 0n ? a : a % b; break;
          case 0x40: v = a | b; break; case 0x50: v = a & b; break; case 0xa0: v = a ^ b; break;
          case 0x60: v = a << (b & (is64 ? 63n : 31n)); break; case 0x70: v = a >> (b & (is64 ? 63n : 31n)); break;
          case 0x80: v = -a; break; case 0xb0: v = b; break;
          default: throw new Error(`alu op ${op.toString(16)}`);
        }
        r[x.dst] = v & mask;
        break;
      }
      case 1: r[x.dst] = load(r[x.src]! + BigInt(x.off), SZ[x.code & 0x18]!); break;
      case 3: store(r[x.dst]! + BigInt(x.off), SZ[x.code & 0x18]!, r[x.src]!); break;
      case 5: {
        if (op === 0x90) return Number(r[0]! & M32);
        if (op === 0x80) {
          const h = helpers.get(x.imm);
          if (!h) throw new Error(`unknown call ${x.imm}`);
          r[0] = BigInt.asUintN(64, h.fn({ mem, pc } as unknown as Parameters<typeof h.fn>[0], r[1]!, r[2]!, r[3]!, r[4]!, r[5]!));
          break;
        }
        if (op === 0x00) { pc += x.off; break; }
        const a = r[x.dst]!, b = isX ? r[x.src]! : imm & M64;
        let c: boolean;
        switch (op) {
          case 0x10: c = a === b; break; case 0x50: c = a !== b; break; case 0x20: c = a > b; break; case 0x30: c = a >= b; break;
          case 0xa0: c = a < b; break; case 0xb0: c = a <= b; break; case 0x40: c = (a & b) !== 0n; break;
          case 0x70: c = s64(a) >= s64(b); break; case 0xc0: c = s64(a) < s64(b); break;
          default: throw new Error(`jmp op ${op.toString(16)}`);
        }
        if (c) pc += x.off;
        break;
      }
      default: throw new Error(`class ${cls}`);
    }
    pc++;
  }
  throw new Error('step limit');
}
