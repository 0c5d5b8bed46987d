/**
 * Hand-written verifier vectors: kernel-syntax source, options, and the
 * expected outcome (`accept` or the kernel's error line). Vectors marked
 * `kernel: true` are also checked against the running kernel by
 * checks.test.ts (koracle), so their messages are the kernel's own.
 */
import type { MapSpec } from '../../src/maps/spec.js';
import type { ProgTypeName } from '../../src/isa/prog-types.js';

/** One vector. */
export interface Vector {
  name: string;
  src: string;
  expect: 'accept' | string;
  progType?: ProgTypeName;
  maps?: MapSpec[];
  flags?: number;
  /** Also compare with the running kernel (socket_filter / xdp only). */
  kernel?: boolean;
}

const hash8: MapSpec = { type: 'hash', keySize: 8, valueSize: 8, maxEntries: 4, flags: 0 };
const arr48: MapSpec = { type: 'array', keySize: 4, valueSize: 48, maxEntries: 1, flags: 0 };
const LOOKUP8 = `r1 = 0
*(u64 *)(r10 -8) = r1
r2 = r10
r2 += -8
r1 = map[id:0]
call bpf_map_lookup_elem#1`;
const LOOKUP4 = `r1 = 0
*(u32 *)(r10 -4) = r1
r2 = r10
r2 += -4
r1 = map[id:0]
call bpf_map_lookup_elem#1`;

export const VECTORS: Vector[] = [
  // ---- structure
  { name: 'exit only: R0 !read_ok', src: 'exit', expect: 'R0 !read_ok', kernel: true },
  { name: 'minimal accepted', src: 'r0 = 0\nexit', expect: 'accept', kernel: true },
  { name: 'unreachable insn', src: 'r0 = 0\nexit\nr0 = 1\nexit', expect: 'unreachable insn 2', kernel: true },
  { name: 'falls off the end', src: 'r0 = 0', expect: 'last insn is not an exit or jmp', kernel: true },
  { name: 'jump out of range', src: 'r0 = 0\ngoto pc+5\nexit', expect: 'jump out of range from insn 1 to 7', kernel: true },
  { name: 'write to r10', src: 'r10 = 0\nr0 = 0\nexit', expect: 'frame pointer is read only', kernel: true },
  { name: 'div by constant zero', src: 'r0 = 1\nr0 /= 0\nexit', expect: 'div by zero', kernel: true },
  { name: 'mod32 by constant zero', src: 'w0 = 1\nw0 %= 0\nexit', expect: 'div by zero', kernel: true },
  { name: 'shift by 64', src: 'r0 = 1\nr0 <<= 64\nexit', expect: 'invalid shift 64', kernel: true },
  { name: 'shift32 by 32', src: 'w0 = 1\nw0 >>= 32\nexit', expect: 'invalid shift 32', kernel: true },
  { name: 'div by register zero is defined', src: 'r0 = 1\nr1 = 0\nr0 /= r1\nexit', expect: 'accept', kernel: true },
  { name: 'uninitialised source register', src: 'r0 = r2\nexit', expect: 'R2 !read_ok', kernel: true },
  { name: 'bounded loop is explored', src: 'r0 = 0\nr0 += 1\nif r0 < 0x10 goto pc-2\nexit', expect: 'accept', kernel: true },
  { name: 'infinite loop', src: 'r0 = 0\ngoto pc-1', expect: 'infinite loop detected at insn 1', kernel: false },
  { name: 'decided branch skips dead code', src: 'r0 = 0\nif r0 == 0x0 goto pc+1\nr0 = *(u64 *)(r0 +0)\nexit', expect: 'accept', kernel: true },
  // ---- registers and pointers
  { name: 'scalar dereference', src: 'r0 = 0\nr1 = 8\nr0 = *(u64 *)(r1 +0)\nexit', expect: "R1 invalid mem access 'scalar'", kernel: true },
  { name: 'pointer += pointer', src: 'r1 += r10\nr0 = 0\nexit', expect: 'R1 pointer += pointer prohibited', kernel: true },
  { name: 'pointer - pointer is a scalar', src: 'r0 = r10\nr0 -= r10\nexit', expect: 'accept', kernel: true },
  { name: 'bitwise on pointer', src: 'r1 &= 7\nr0 = 0\nexit', expect: 'R1 bitwise operator &= on pointer prohibited', kernel: true },
  { name: 'multiply pointer', src: 'r1 *= 2\nr0 = 0\nexit', expect: 'R1 pointer arithmetic with *= operator prohibited', kernel: true },
  { name: '32-bit pointer arithmetic', src: 'w1 += 2\nr0 = 0\nexit', expect: 'R1 32-bit pointer arithmetic prohibited', kernel: true },
  { name: 'scalar minus pointer', src: 'r0 = 0\nr0 -= r1\nexit', expect: 'R0 tried to subtract pointer from scalar', kernel: true },
  { name: 'subtraction from stack pointer', src: 'r1 = r10\nr2 = 8\nr1 -= r2\nr0 = 0\nexit', expect: 'R1 subtraction from stack pointer prohibited', kernel: true },
  { name: 'root may return a pointer', src: 'r0 = r10\nexit', expect: 'accept', kernel: true },
  { name: 'root may compare pointers', src: 'r0 = 0\nif r1 == r10 goto pc+0\nexit', expect: 'accept', kernel: true },
  { name: 'unbounded min in pointer math', src: `${LOOKUP8}\nif r0 == 0x0 goto pc+4\nr1 = *(u64 *)(r0 +0)\nr0 += r1\nr0 = 0\nexit\nr0 = 0\nexit`, maps: [hash8], expect: 'math between map_value pointer and register with unbounded min value is not allowed', kernel: true },
  { name: '32-bit division gives a fully unknown scalar', src: 'r2 = 5\nw2 /= 3\nr1 = r10\nr1 += r2\nr0 = 0\nexit', expect: 'math between fp pointer and register with unbounded min value is not allowed', kernel: true },
  { name: 'negating a pointer gives a scalar (root)', src: 'w1 = -w1\nr0 = r1\nexit', expect: 'accept', kernel: true },
  // ---- stack
  { name: 'spill and fill a pointer', src: '*(u64 *)(r10 -8) = r1\nr2 = *(u64 *)(r10 -8)\nr0 = *(u32 *)(r2 +0)\nexit', expect: 'accept', kernel: true },
  { name: 'stack out of bounds', src: 'r0 = 0\n*(u64 *)(r10 -520) = r0\nexit', expect: 'invalid write to stack R10 off=-520 size=8', kernel: true },
  { name: 'stack above frame', src: 'r0 = 0\n*(u64 *)(r10 +0) = r0\nexit', expect: 'invalid write to stack R10 off=0 size=8', kernel: true },
  { name: 'misaligned stack access', src: 'r0 = 0\n*(u64 *)(r10 -12) = r0\nexit', expect: 'misaligned stack access off 0+0+-12 size 8', kernel: true },
  { name: 'root reads uninitialised stack', src: 'r0 = *(u64 *)(r10 -8)\nexit', expect: 'accept', kernel: true },
  { name: 'partial fill of a spilled pointer', src: '*(u64 *)(r10 -8) = r1\nr0 = *(u32 *)(r10 -8)\nexit', expect: 'invalid size of register fill', kernel: true },
  { name: 'narrow pointer spill', src: '*(u32 *)(r10 -8) = r1\nr0 = 0\nexit', expect: 'invalid size of register spill', kernel: true },
  { name: 'spilled constant keeps its value', src: 'r1 = 4\n*(u64 *)(r10 -8) = r1\nr2 = *(u64 *)(r10 -8)\nr0 = r10\nr0 += -8\nr0 -= r2\nr0 = 0\nexit', expect: 'R0 subtraction from stack pointer prohibited', kernel: true },
  // ---- context
  { name: 'socket_filter reads len', src: 'r0 = *(u32 *)(r1 +0)\nexit', expect: 'accept', kernel: true },
  { name: 'socket_filter narrow read', src: 'r0 = *(u8 *)(r1 +1)\nexit', expect: 'accept', kernel: true },
  { name: 'socket_filter may not read data', src: 'r0 = *(u32 *)(r1 +76)\nexit', expect: 'invalid bpf_context access off=76 size=4', kernel: true },
  { name: 'socket_filter may not write mark', src: 'r0 = 0\n*(u32 *)(r1 +8) = r0\nexit', expect: 'invalid bpf_context access off=8 size=4', kernel: true },
  { name: 'socket_filter writes cb[0]', src: 'r0 = 0\n*(u32 *)(r1 +48) = r0\nexit', expect: 'accept', kernel: true },
  { name: 'ctx beyond the struct', src: 'r0 = *(u32 *)(r1 +192)\nexit', expect: 'invalid bpf_context access off=192 size=4', kernel: true },
  { name: 'modified ctx pointer', src: 'r1 += 4\nr0 = *(u32 *)(r1 +0)\nexit', expect: 'dereference of modified ctx ptr R1 off=4 disallowed', kernel: true },
  { name: 'strict alignment on ctx', src: 'r0 = *(u32 *)(r1 +2)\nexit', flags: 1, expect: 'misaligned context access off 0+0+2 size 4', kernel: true },
  { name: 'atomic on ctx', src: 'r2 = 1\nlock *(u32 *)(r1 +48) += w2\nr0 = 0\nexit', expect: 'BPF_ATOMIC stores into R1 ctx is not allowed', kernel: true },
  { name: 'xdp packet access after a range check', progType: 'xdp', src: 'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 8\nr0 = 0\nif r4 > r3 goto pc+1\nr0 = *(u64 *)(r2 +0)\nexit', expect: 'accept', kernel: true },
  { name: 'xdp packet access without a check', progType: 'xdp', src: 'r2 = *(u32 *)(r1 +0)\nr0 = *(u8 *)(r2 +0)\nexit', expect: 'R2 offset is outside of the packet', kernel: true },
  { name: 'xdp packet access past the checked range', progType: 'xdp', src: 'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 8\nr0 = 0\nif r4 > r3 goto pc+1\nr0 = *(u64 *)(r2 +4)\nexit', expect: 'R2 offset is outside of the packet', kernel: true },
  { name: 'LD_ABS needs ctx in r6', src: 'r0 = *(u8 *)skb[0]\nexit', expect: 'R6 !read_ok', kernel: true },
  { name: 'LD_ABS clobbers r1-r5', src: 'r6 = r1\nr0 = *(u8 *)skb[0]\nr0 = r2\nexit', expect: 'R2 !read_ok', kernel: true },
  { name: 'LD_ABS accepted', src: 'r6 = r1\nr0 = *(u16 *)skb[12]\nexit', expect: 'accept', kernel: true },
  // ---- helpers and maps
  { name: 'lookup result must be null-checked', src: `${LOOKUP8}\nr0 = *(u64 *)(r0 +0)\nexit`, maps: [hash8], expect: "R0 invalid mem access 'map_value_or_null'", kernel: true },
  { name: 'lookup with null check', src: `${LOOKUP8}\nif r0 == 0x0 goto pc+1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit`, maps: [hash8], expect: 'accept', kernel: true },
  { name: 'map value out of bounds', src: `${LOOKUP8}\nif r0 == 0x0 goto pc+1\nr0 = *(u64 *)(r0 +4)\nr0 = 0\nexit`, maps: [hash8], expect: 'R0 min value is outside of the allowed memory range', kernel: true },
  { name: 'variable offset bounded by AND', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+4\nr1 = *(u32 *)(r0 +0)\nr1 &= 31\nr0 += r1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit`, maps: [arr48], expect: 'accept', kernel: true },
  { name: 'variable offset too large', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+4\nr1 = *(u32 *)(r0 +0)\nr1 &= 63\nr0 += r1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit`, maps: [arr48], expect: 'R0 max value is outside of the allowed memory range', kernel: true },
  { name: 'variable offset unbounded', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+3\nr1 = *(u32 *)(r0 +0)\nr0 += r1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit`, maps: [arr48], expect: 'R0 unbounded memory access, make sure to bounds check any such access', kernel: true },
  { name: 'bounds from a branch', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+5\nr1 = *(u32 *)(r0 +0)\nif r1 > 0x28 goto pc+3\nr0 += r1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit`, maps: [arr48], expect: 'accept', kernel: true },
  { name: 'bounds from a branch off by one', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+5\nr1 = *(u32 *)(r0 +0)\nif r1 > 0x29 goto pc+3\nr0 += r1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit`, maps: [arr48], expect: 'R0 max value is outside of the allowed memory range', kernel: true },
  { name: 'write into a read-only map', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+2\nr1 = 1\n*(u32 *)(r0 +0) = r1\nr0 = 0\nexit`, maps: [{ ...arr48, flags: 0x80 }], expect: 'write into map forbidden, value_size=48 off=0 size=4', kernel: true },
  { name: 'read from a write-only map', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+1\nr0 = *(u32 *)(r0 +0)\nr0 = 0\nexit`, maps: [{ ...arr48, flags: 0x100 }], expect: 'read from map forbidden, value_size=48 off=0 size=4', kernel: true },
  { name: 'atomic add into a read-only map', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+2\nr1 = 1\nlock *(u32 *)(r0 +0) += w1\nr0 = 0\nexit`, maps: [{ ...arr48, flags: 0x80 }], expect: 'write into map forbidden, value_size=48 off=0 size=4', kernel: true },
  { name: 'helper reads a read-only map value', src: `r1 = map[id:0][0]+0\nr2 = 8\ncall bpf_trace_printk#6\nr0 = 0\nexit`, maps: [{ ...arr48, flags: 0x80 }], expect: 'accept', kernel: true },
  { name: 'update with a write-only map value as the value argument', src: `r1 = 0\n*(u32 *)(r10 -4) = r1\nr2 = r10\nr2 += -4\nr3 = map[id:1][0]+0\nr1 = map[id:0]\nr4 = 0\ncall bpf_map_update_elem#2\nr0 = 0\nexit`, maps: [arr48, { ...arr48, flags: 0x100 }], expect: 'read from map forbidden, value_size=48 off=0 size=48', kernel: true },
  { name: 'key must be initialised memory', src: 'r2 = 0\nr1 = map[id:0]\ncall bpf_map_lookup_elem#1\nr0 = 0\nexit', maps: [hash8], expect: 'R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_', kernel: true },
  { name: 'map argument must be a map', src: 'r1 = 0\nr2 = r10\nr2 += -8\ncall bpf_map_lookup_elem#1\nr0 = 0\nexit', expect: 'R1 type=scalar expected=map_ptr', kernel: true },
  { name: 'call clobbers r1-r5', src: 'call bpf_get_prandom_u32#7\nr0 = r1\nexit', expect: 'R1 !read_ok', kernel: true },
  { name: 'unknown helper id', src: 'call 1234567\nr0 = 0\nexit', expect: 'invalid func unknown#1234567', kernel: true },
  { name: 'helper not allowed for the type', progType: 'xdp', src: 'call bpf_get_socket_cookie#46\nr0 = 0\nexit', expect: 'program of this type cannot use helper bpf_get_socket_cookie#46', kernel: true },
  { name: 'direct value access', src: 'r1 = map[id:0][0]+40\nr0 = *(u64 *)(r1 +0)\nexit', maps: [arr48], expect: 'accept', kernel: true },
  { name: 'direct value access past the value', src: 'r1 = map[id:0][0]+44\nr0 = *(u64 *)(r1 +0)\nexit', maps: [arr48], expect: 'R1 min value is outside of the allowed memory range', kernel: true },
  { name: 'missing map', src: 'r1 = map[id:3]\nr0 = 0\nexit', expect: 'fd 3 is not pointing to valid bpf_map', kernel: false },
  { name: 'ringbuf reference leak', src: 'r1 = map[id:0]\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve#131\nr0 = 0\nexit', maps: [{ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 }], expect: 'BPF_EXIT instruction in main prog would lead to reference leak', kernel: true },
  { name: 'ringbuf reserve and submit', src: 'r1 = map[id:0]\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve#131\nif r0 == 0x0 goto pc+5\nr1 = 7\n*(u64 *)(r0 +0) = r1\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_submit#132\nr0 = 0\nexit', maps: [{ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 }], expect: 'accept', kernel: true },
  { name: 'ringbuf record out of bounds', src: 'r1 = map[id:0]\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve#131\nif r0 == 0x0 goto pc+5\nr1 = 7\n*(u64 *)(r0 +4) = r1\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_submit#132\nr0 = 0\nexit', maps: [{ type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 }], expect: 'R0 min value is outside of the allowed memory range', kernel: true },
  // ---- sockets and references (sched_cls, kernel-checked)
  { name: 'sk_lookup_tcp and sk_release', progType: 'sched_cls', src: 'r6 = r1\nr2 = 0\n*(u64 *)(r10 -16) = r2\n*(u64 *)(r10 -8) = r2\nr2 = r10\nr2 += -16\nr3 = 12\nr4 = 0\nr5 = 0\nr1 = r6\ncall bpf_sk_lookup_tcp#84\nif r0 == 0x0 goto pc+2\nr1 = r0\ncall bpf_sk_release#86\nr0 = 0\nexit', expect: 'accept', kernel: true },
  { name: 'socket reference leak', progType: 'sched_cls', src: 'r6 = r1\nr2 = 0\n*(u64 *)(r10 -16) = r2\n*(u64 *)(r10 -8) = r2\nr2 = r10\nr2 += -16\nr3 = 12\nr4 = 0\nr5 = 0\nr1 = r6\ncall bpf_sk_lookup_tcp#84\nr0 = 0\nexit', expect: 'BPF_EXIT instruction in main prog would lead to reference leak', kernel: true },
  { name: 'release an unchecked socket', progType: 'sched_cls', src: 'r6 = r1\nr2 = 0\n*(u64 *)(r10 -16) = r2\n*(u64 *)(r10 -8) = r2\nr2 = r10\nr2 += -16\nr3 = 12\nr4 = 0\nr5 = 0\nr1 = r6\ncall bpf_sk_lookup_tcp#84\nr1 = r0\ncall bpf_sk_release#86\nr0 = 0\nexit', expect: 'R1 type=sock_or_null expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_', kernel: true },
  { name: 'read a full socket field', progType: 'sched_cls', src: 'r6 = r1\nr2 = 0\n*(u64 *)(r10 -16) = r2\n*(u64 *)(r10 -8) = r2\nr2 = r10\nr2 += -16\nr3 = 12\nr4 = 0\nr5 = 0\nr1 = r6\ncall bpf_sk_lookup_tcp#84\nif r0 == 0x0 goto pc+3\nr2 = *(u32 *)(r0 +8)\nr1 = r0\ncall bpf_sk_release#86\nr0 = 0\nexit', expect: 'accept', kernel: true },
  { name: 'skb->sk needs a null check', progType: 'sched_cls', src: 'r1 = *(u64 *)(r1 +168)\nr0 = *(u32 *)(r1 +4)\nexit', expect: "R1 invalid mem access 'sock_common_or_null'", kernel: true },
  { name: 'skb->sk full-socket field', progType: 'sched_cls', src: 'r1 = *(u64 *)(r1 +168)\nr0 = 0\nif r1 == 0x0 goto pc+1\nr0 = *(u32 *)(r1 +8)\nexit', expect: 'R1 invalid sock_common access off=8 size=4', kernel: true },
  { name: 'tail call while holding a reference', progType: 'sched_cls', maps: [{ type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 }], src: 'r6 = r1\nr2 = 0\n*(u64 *)(r10 -16) = r2\n*(u64 *)(r10 -8) = r2\nr2 = r10\nr2 += -16\nr3 = 12\nr4 = 0\nr5 = 0\nr1 = r6\ncall bpf_sk_lookup_tcp#84\nr7 = r0\nr1 = r6\nr2 = map[id:0]\nr3 = 0\ncall bpf_tail_call#12\nif r7 == 0x0 goto pc+2\nr1 = r7\ncall bpf_sk_release#86\nr0 = 0\nexit', expect: 'tail_call would lead to reference leak', kernel: true },
  // ---- bpf-to-bpf calls
  { name: 'subprogram call', src: 'r1 = 1\ncall pc+2\nr0 += 1\nexit\nr0 = r1\nexit', expect: 'accept', kernel: true },
  { name: 'subprogram clobbers caller r1-r5', src: 'r1 = 1\ncall pc+2\nr0 = r1\nexit\nr0 = 0\nexit', expect: 'R1 !read_ok', kernel: true },
  { name: 'returning a stack pointer', src: 'call pc+2\nr0 = 0\nexit\nr0 = r10\nexit', expect: 'cannot return stack pointer to the caller', kernel: true },
  { name: 'recursion is too deep', src: 'call pc+2\nr0 = 0\nexit\ncall pc-1\nr0 = 0\nexit', expect: 'the call stack of 9 frames is too deep', kernel: false },
  // ---- more stack and bounds (kernel-checked)
  { name: 'variable-offset stack write and read', src: 'r2 = *(u32 *)(r1 +0)\nr2 &= 8\nr3 = r10\nr3 += -16\nr3 += r2\nr0 = 0\n*(u64 *)(r3 +0) = r0\nr0 = *(u64 *)(r3 +0)\nexit', expect: 'accept', kernel: true },
  { name: 'variable-offset stack access beyond the frame', src: 'r2 = *(u32 *)(r1 +0)\nr2 &= 16\nr3 = r10\nr3 += -8\nr3 += r2\nr0 = 0\n*(u64 *)(r3 +0) = r0\nexit', expect: 'invalid variable-offset write to stack R3 var_off=(0x0; 0x10) off=-8 size=8', kernel: true },
  { name: '32-bit spill and fill keeps bounds', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+7\nr1 = *(u8 *)(r0 +0)\n*(u32 *)(r10 -8) = r1\nr2 = *(u32 *)(r10 -8)\nr0 += r2\nr0 = *(u8 *)(r0 +0)\nr0 = 0\nexit\nr0 = 0\nexit`, maps: [{ ...arr48, valueSize: 256 }], expect: 'accept', kernel: true },
  { name: 'jmp32 refines the low word', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+6\nr1 = *(u32 *)(r0 +0)\nif w1 > 0x20 goto pc+4\nr0 += r1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit\nr0 = 0\nexit`, maps: [arr48], expect: 'accept', kernel: true },
  { name: 'signed check alone leaves the minimum open', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+6\nr1 = *(u64 *)(r0 +0)\nif r1 s> 0x20 goto pc+4\nr0 += r1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit\nr0 = 0\nexit`, maps: [arr48], expect: 'math between map_value pointer and register with unbounded min value is not allowed', kernel: true },
  { name: 'signed and unsigned checks together', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+7\nr1 = *(u64 *)(r0 +0)\nif r1 s> 0x20 goto pc+5\nif r1 s< 0x0 goto pc+4\nr0 += r1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit\nr0 = 0\nexit`, maps: [arr48], expect: 'accept', kernel: true },
  { name: 'linked registers refined together', src: `${LOOKUP4}\nif r0 == 0x0 goto pc+7\nr1 = *(u32 *)(r0 +0)\nr2 = r1\nif r2 > 0x20 goto pc+4\nr0 += r1\nr0 = *(u64 *)(r0 +0)\nr0 = 0\nexit\nr0 = 0\nexit`, maps: [arr48], expect: 'accept', kernel: true },
  { name: 'null check through a copy', src: `${LOOKUP8}\nr6 = r0\nif r6 == 0x0 goto pc+2\nr0 = *(u64 *)(r0 +0)\nexit\nr0 = 0\nexit`, maps: [hash8], expect: 'accept', kernel: true },
  { name: 'xdp packet access with a variable offset after a recheck', progType: 'xdp', src: 'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 1\nr0 = 0\nif r4 > r3 goto pc+9\nr5 = *(u8 *)(r2 +0)\nr5 &= 15\nr2 += r5\nr4 = r2\nr4 += 4\nif r4 > r3 goto pc+2\nr0 = *(u32 *)(r2 +0)\nexit\nr0 = 1\nexit', expect: 'accept', kernel: true },
  { name: 'xdp write into the packet', progType: 'xdp', src: 'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 1\nr0 = 0\nif r4 > r3 goto pc+1\n*(u8 *)(r2 +0) = 1\nexit', expect: 'accept', kernel: true },
  { name: 'xdp meta bounded by the data pointer', progType: 'xdp', src: 'r2 = *(u32 *)(r1 +8)\nr3 = *(u32 *)(r1 +0)\nr4 = r2\nr4 += 8\nr0 = 0\nif r4 > r3 goto pc+1\nr0 = *(u64 *)(r2 +0)\nexit', expect: 'accept', kernel: true },
  { name: 'xdp meta compared with a moved data pointer bounds nothing', progType: 'xdp', src: 'r2 = *(u32 *)(r1 +8)\nr3 = *(u32 *)(r1 +0)\nr0 = r3\nr0 += 8\nr4 = r2\nr4 += 8\nif r4 > r0 goto pc+1\nr0 = *(u8 *)(r2 +0)\nr0 = 0\nexit', expect: 'R2 offset is outside of the packet', kernel: true },
  { name: 'helper without packet access', progType: 'sched_cls', src: 'r6 = *(u32 *)(r1 +76)\nr7 = *(u32 *)(r1 +80)\nr3 = r6\nr6 += 8\nif r6 > r7 goto pc+3\nr2 = 0\nr4 = 4\ncall bpf_skb_load_bytes#26\nr0 = 0\nexit', expect: 'helper access to the packet is not allowed', kernel: true },
  { name: 'map lookup with a key in the packet', progType: 'xdp', maps: [hash8], src: 'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 8\nr0 = 0\nif r4 > r3 goto pc+3\nr1 = map[id:0]\ncall bpf_map_lookup_elem#1\nr0 = 0\nexit', expect: 'accept', kernel: true },
  { name: 'arithmetic on pkt_end', progType: 'xdp', src: 'r3 = *(u32 *)(r1 +4)\nr3 += 1\nr0 = 0\nexit', expect: 'R3 pointer arithmetic on pkt_end prohibited', kernel: true },
  { name: 'fetch atomic into the frame pointer', src: 'r0 = 0\n*(u64 *)(r10 -8) = r0\nr10 = atomic64_fetch_add((u64 *)(r10 -8), r10)\nexit', expect: 'frame pointer is read only', kernel: false },
  { name: 'cmpxchg needs r0', src: 'r1 = 0\n*(u64 *)(r10 -8) = r1\nr0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)\nexit', expect: 'R0 !read_ok', kernel: true },
  // ---- seccomp type (bpfsim's own)
  { name: 'seccomp: allow', progType: 'seccomp', src: 'r0 = 0x7fff0000 ll\nexit', expect: 'accept' },
  { name: 'seccomp: errno with data', progType: 'seccomp', src: 'r0 = *(u32 *)(r1 +0)\nr0 &= 0xfff\nr0 |= 0x50000\nexit', expect: 'accept' },
  { name: 'seccomp: invalid action', progType: 'seccomp', src: 'r0 = 0x12340000 ll\nexit', expect: 'At program exit the register R0 has value 0x12340000 should have been a valid seccomp action' },
  { name: 'seccomp: unknown action bits', progType: 'seccomp', src: 'r0 = *(u32 *)(r1 +0)\nexit', expect: 'At program exit the register R0 has unknown action bits var_off=(0x0; 0xffffffff) should have been a valid seccomp action' },
  { name: 'seccomp: seccomp_data is read-only', progType: 'seccomp', src: 'r0 = 0\n*(u32 *)(r1 +0) = r0\nr0 = 0x7fff0000 ll\nexit', expect: 'invalid bpf_context access off=0 size=4' },
  { name: 'seccomp: 8-byte args read', progType: 'seccomp', src: 'r2 = *(u64 *)(r1 +16)\nr0 = 0x7fff0000 ll\nexit', expect: 'accept' },
  { name: 'seccomp: misaligned read', progType: 'seccomp', src: 'r2 = *(u64 *)(r1 +12)\nr0 = 0x7fff0000 ll\nexit', expect: 'invalid bpf_context access off=12 size=8' },
  { name: 'seccomp: read past seccomp_data', progType: 'seccomp', src: 'r2 = *(u32 *)(r1 +64)\nr0 = 0x7fff0000 ll\nexit', expect: 'invalid bpf_context access off=64 size=4' },
  { name: 'seccomp: sealed map read is a constant', progType: 'seccomp', src: 'r1 = map[id:0][0]+0\nr0 = *(u32 *)(r1 +0)\nexit', maps: [{ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0x80, frozen: true, contents: [{ key: '00000000', value: '0000ff7f00000000' }] }], expect: 'accept' },
  { name: 'seccomp: unsealed map read', progType: 'seccomp', src: 'r1 = map[id:0][0]+0\nr0 = *(u32 *)(r1 +0)\nexit', maps: [{ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0x80, frozen: false }], expect: 'seccomp program may read only sealed maps (BPF_F_RDONLY_PROG and frozen): map 0 value_size=8 off=0 size=4' },
  { name: 'seccomp: write to a read-write map', progType: 'seccomp', src: 'r1 = map[id:0][0]+0\nr0 = 0\n*(u32 *)(r1 +0) = r0\nr0 = 0x7fff0000 ll\nexit', maps: [{ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 }], expect: 'seccomp program may write only BPF_F_WRONLY_PROG maps: map 0 value_size=8 off=0 size=4' },
  { name: 'seccomp: write to a write-only map', progType: 'seccomp', src: 'r1 = map[id:0][0]+0\nr0 = 0\n*(u32 *)(r1 +0) = r0\nr0 = 0x7fff0000 ll\nexit', maps: [{ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, flags: 0x100 }], expect: 'accept' },
  { name: 'seccomp: no LD_ABS', progType: 'seccomp', src: 'r6 = r1\nr0 = *(u8 *)skb[0]\nexit', expect: 'BPF_LD_[ABS|IND] instructions not allowed for this program type' },
  // ---- deliberate difference from Linux (fast-check counterexample, robustness.prop.test.ts):
  // Linux decides `if w1 != 0` for a non-NULL pointer r1; the low word of a pointer may be 0.
  { name: 'pointer low word compared with 0 is not decided', progType: 'raw', src: 'r0 = 0\nif w0 != w1 goto pc+1\nr0 = *(s16 *)(r0 +0)\nexit', expect: "R0 invalid mem access 'scalar'" },
  { name: '64-bit pointer compared with 0 is decided', progType: 'raw', src: 'r0 = 0\nif r0 != r1 goto pc+1\nr0 = *(s16 *)(r0 +0)\nexit', expect: 'accept' },
  // ---- raw type
  { name: 'raw: buffer access within r2', progType: 'raw', src: 'r0 = *(u64 *)(r1 +56)\nexit', expect: 'accept' },
  { name: 'raw: buffer access past the end', progType: 'raw', src: 'r0 = *(u64 *)(r1 +60)\nexit', expect: 'R1 min value is outside of the allowed memory range' },
  { name: 'raw: r2 is the length', progType: 'raw', src: 'r0 = r2\nr0 -= 64\nif r0 != 0x0 goto pc+1\nr0 = *(u8 *)(r1 +63)\nexit', expect: 'accept' },
];
