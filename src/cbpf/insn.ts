/**
 * `struct sock_filter` (include/uapi/linux/filter.h): the classic BPF
 * instruction as user space hands it to the kernel (SO_ATTACH_FILTER,
 * seccomp(SECCOMP_SET_MODE_FILTER)) and as libseccomp's seccomp_export_bpf
 * writes it: 8 bytes in native (here little-endian) byte order.
 *
 * ```
 *   bytes 0-1       byte 2   byte 3   bytes 4-7
 *   +-------------+--------+--------+-------------------+
 *   | code u16    | jt u8  | jf u8  | k u32             |
 *   +-------------+--------+--------+-------------------+
 * ```
 */
import { BpfError, ErrorCode } from '../errors.js';
import { bytesToHex, hexToBytes } from '../isa/insn.js';

/** One classic instruction. `code` u16, `jt`/`jf` u8, `k` u32 (unsigned). */
export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Size of one `struct sock_filter` in bytes. */
export const SOCK_FILTER_SIZE = 8;

/** Builds a normalised instruction (fields masked to their widths, k unsigned). */
export function sockFilter(code: number, jt: number, jf: number, k: number): SockFilter {
  return { code: code & 0xffff, jt: jt & 0xff, jf: jf & 0xff, k: k >>> 0 };
}

/**
 * Decodes raw little-endian `struct sock_filter` bytes.
 * @throws BpfError TRUNCATED when the length is not a multiple of 8.
 */
export function decodeFilter(bytes: Uint8Array): SockFilter[] {
  if (bytes.length % SOCK_FILTER_SIZE !== 0) {
    throw new BpfError(ErrorCode.Truncated, `classic filter is ${bytes.length} bytes, not a multiple of ${SOCK_FILTER_SIZE}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: SockFilter[] = [];
  for (let o = 0; o < bytes.length; o += SOCK_FILTER_SIZE) {
    out.push({ code: dv.getUint16(o, true), jt: bytes[o + 2]!, jf: bytes[o + 3]!, k: dv.getUint32(o + 4, true) });
  }
  return out;
}

/** Encodes instructions as little-endian bytes (fields taken modulo their widths). */
export function encodeFilter(filter: readonly SockFilter[]): Uint8Array {
  const out = new Uint8Array(filter.length * SOCK_FILTER_SIZE);
  const dv = new DataView(out.buffer);
  filter.forEach((f, i) => {
    const o = i * SOCK_FILTER_SIZE;
    dv.setUint16(o, f.code & 0xffff, true);
    out[o + 2] = f.jt & 0xff;
    out[o + 3] = f.jf & 0xff;
    dv.setUint32(o + 4, f.k >>> 0, true);
  });
  return out;
}

/** Lower-case hex of the encoded filter (koracle's program format). */
export function filterToHex(filter: readonly SockFilter[]): string {
  return bytesToHex(encodeFilter(filter));
}

/**
 * Parses hex text (whitespace, `_`, `,`, `0x` ignored) into instructions.
 * @throws BpfError PARSE / TRUNCATED.
 */
export function filterFromHex(hex: string): SockFilter[] {
  return decodeFilter(hexToBytes(hex));
}

/** The kernel's C initialiser form `{ 0x28, 0, 0, 0x0000000c }` (bpf_asm -c, tcpdump -dd). */
export function formatSockFilterC(f: SockFilter): string {
  return `{ 0x${f.code.toString(16).padStart(2, '0')}, ${f.jt}, ${f.jf}, 0x${(f.k >>> 0).toString(16).padStart(8, '0')} }`;
}
