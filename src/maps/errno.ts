/**
 * Errno numbers (include/uapi/asm-generic/errno-base.h, errno.h and the
 * kernel-internal ENOTSUPP of include/linux/errno.h) for the names map
 * operations raise, and the small helpers that raise them.
 */
import { ErrnoError, type ErrnoName } from '../errors.js';

/** Positive errno value per name. */
export const ERRNO: Readonly<Record<ErrnoName, number>> = {
  EPERM: 1, ENOENT: 2, E2BIG: 7, EBADF: 9, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16,
  EEXIST: 17, EINVAL: 22, ENOSPC: 28, ERANGE: 34, EOPNOTSUPP: 95, ENOTSUPP: 524,
};

/** Throws an {@link ErrnoError} (never returns). */
export function fail(errno: ErrnoName, message: string): never {
  throw new ErrnoError(errno, message);
}

/**
 * Runs a map operation as a helper would: 0 on success, the negative errno
 * (as an unsigned 64-bit value) when it throws an ErrnoError.
 * @throws anything that is not an ErrnoError (faults) unchanged.
 */
export function errnoResult(op: () => void): bigint {
  try {
    op();
    return 0n;
  } catch (e) {
    if (e instanceof ErrnoError) return BigInt.asUintN(64, -BigInt(ERRNO[e.errno]));
    throw e;
  }
}

/** -errno as an unsigned 64-bit register value. */
export function negErrno(errno: ErrnoName): bigint {
  return BigInt.asUintN(64, -BigInt(ERRNO[errno]));
}
