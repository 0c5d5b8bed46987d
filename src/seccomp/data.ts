/**
 * `struct seccomp_data` (include/uapi/linux/seccomp.h) with its exact 64-byte
 * layout, native little-endian:
 *
 * ```
 *   offset  0  int   nr                    (s32)
 *   offset  4  __u32 arch                  (AUDIT_ARCH_*)
 *   offset  8  __u64 instruction_pointer
 *   offset 16  __u64 args[6]               (args[i] at 16 + 8*i)
 * ```
 *
 * A classic seccomp filter reads it only with 32-bit loads at 4-byte aligned
 * offsets (kernel/seccomp.c seccomp_check_filter), so `args[i]` low half is at
 * 16 + 8*i and its high half at 20 + 8*i.
 */
import { InputError } from '../errors.js';
import { SECCOMP_DATA_SIZE } from '../cbpf/opcodes.js';

/** sizeof(struct seccomp_data), defined with the classic opcodes that bound their loads by it. */
export { SECCOMP_DATA_SIZE };
/** Field offsets in struct seccomp_data. */
export const SeccompDataOffset = { nr: 0, arch: 4, instruction_pointer: 8, args: 16 } as const;

/** A system call as a seccomp filter sees it. 64-bit values are BigInts (taken modulo 2^64). */
export interface SeccompDataInit {
  /** System call number (stored as s32; taken modulo 2^32). */
  nr: number;
  /** AUDIT_ARCH_* value (u32). */
  arch: number;
  /** instruction_pointer (u64); default 0. */
  ip?: bigint | number;
  /** Up to six arguments (u64 each); missing ones are 0. */
  args?: readonly (bigint | number)[];
}

function u64(v: bigint | number, what: string): bigint {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new InputError(`${what} is not an integer: ${v}`);
    return BigInt.asUintN(64, BigInt(v));
  }
  return BigInt.asUintN(64, v);
}

/**
 * Builds the 64 bytes of a struct seccomp_data.
 * @throws InputError for more than six args or non-integer values.
 */
export function buildSeccompData(d: SeccompDataInit): Uint8Array {
  const out = new Uint8Array(SECCOMP_DATA_SIZE);
  const dv = new DataView(out.buffer);
  if (!Number.isInteger(d.nr)) throw new InputError(`nr is not an integer: ${d.nr}`);
  if (!Number.isInteger(d.arch)) throw new InputError(`arch is not an integer: ${d.arch}`);
  dv.setInt32(0, d.nr | 0, true);
  dv.setUint32(4, d.arch >>> 0, true);
  dv.setBigUint64(8, u64(d.ip ?? 0n, 'ip'), true);
  const args = d.args ?? [];
  if (args.length > 6) throw new InputError(`seccomp_data has 6 args, got ${args.length}`);
  args.forEach((a, i) => dv.setBigUint64(16 + 8 * i, u64(a, `args[${i}]`), true));
  return out;
}

/** Decoded view of a struct seccomp_data. */
export interface SeccompData {
  nr: number;
  arch: number;
  ip: bigint;
  args: bigint[];
}

/**
 * Parses 64 bytes of struct seccomp_data.
 * @throws InputError when fewer than 64 bytes are given.
 */
export function parseSeccompData(bytes: Uint8Array): SeccompData {
  if (bytes.length < SECCOMP_DATA_SIZE) throw new InputError(`seccomp_data needs ${SECCOMP_DATA_SIZE} bytes, got ${bytes.length}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, SECCOMP_DATA_SIZE);
  const args: bigint[] = [];
  for (let i = 0; i < 6; i++) args.push(dv.getBigUint64(16 + 8 * i, true));
  return { nr: dv.getInt32(0, true), arch: dv.getUint32(4, true), ip: dv.getBigUint64(8, true), args };
}
