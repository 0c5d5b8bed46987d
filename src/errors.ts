/**
 * The BpfError family: every error bpfsim raises on bad input or at run time.
 *
 * Bad input never surfaces as a TypeError or RangeError: decoders, parsers,
 * loaders and the VM throw one of these, with a `code` from {@link ErrorCode}
 * and, where it applies, the instruction slot (`pc`), the source line, the
 * ELF section or the JSON path at which things went wrong.
 */

/** Machine-readable error codes. */
export const ErrorCode = {
  /** An opcode byte (or opcode/field combination) that is not an instruction. */
  BadOpcode: 'BAD_OPCODE',
  /** A register number above 10, or a register that may not be used here. */
  BadRegister: 'BAD_REGISTER',
  /** A field the instruction does not use is non-zero. */
  ReservedField: 'RESERVED_FIELD',
  /** Program bytes are not a whole number of instructions, or ld_imm64 lacks its second slot. */
  Truncated: 'TRUNCATED',
  /** A jump or call target outside the program. */
  BadJump: 'BAD_JUMP',
  /** Generic malformed program (empty, too long, ...). */
  BadProgram: 'BAD_PROGRAM',
  /** Assembler syntax error. */
  AsmSyntax: 'ASM_SYNTAX',
  /** Memory access outside every region, or against a region's permissions. */
  MemFault: 'MEM_FAULT',
  /** The instruction budget ran out. */
  Budget: 'BUDGET',
  /** Call depth above the limit (8 frames). */
  CallDepth: 'CALL_DEPTH',
  /** A helper that is unknown, not available, or that failed. */
  Helper: 'HELPER',
  /** Any other run-time fault. */
  Runtime: 'RUNTIME',
  /** The verifier rejected the program. */
  Verifier: 'VERIFIER',
  /** A map operation failed; the error carries the kernel's errno name. */
  Map: 'MAP',
  /** Malformed ELF object. */
  Elf: 'ELF',
  /** Unsupported feature (CO-RE, kfuncs, ...). */
  Unsupported: 'UNSUPPORTED',
  /** Malformed JSON/text input (profile, trace, batch line, CLI argument). */
  Parse: 'PARSE',
  /** Classic BPF program rejected by the kernel's checks. */
  CbpfCheck: 'CBPF_CHECK',
  /** Seccomp policy/profile error. */
  Seccomp: 'SECCOMP',
  /** Invalid CLI usage. */
  Usage: 'USAGE',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every error bpfsim throws on purpose. */
export class BpfError extends Error {
  /** What kind of error this is. */
  readonly code: ErrorCodeValue;
  /** Instruction slot (ld_imm64 takes two) where it went wrong, when known. */
  readonly pc: number | undefined;

  constructor(code: ErrorCodeValue, message: string, pc?: number) {
    super(pc === undefined ? message : `pc ${pc}: ${message}`);
    this.name = 'BpfError';
    this.code = code;
    this.pc = pc;
    /** The message without the `pc N: ` prefix. */
    this.detail = message;
  }

  /** The message without the location prefix. */
  readonly detail: string;

  /** A plain object for JSON output: `{code, message, pc?}`. */
  toJSON(): Record<string, unknown> {
    const o: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.pc !== undefined) o.pc = this.pc;
    return o;
  }
}

/** Assembler error: names the line and column (1-based) of the source. */
export class AsmError extends BpfError {
  readonly line: number;
  readonly column: number;
  constructor(message: string, line: number, column = 1) {
    super(ErrorCode.AsmSyntax, `line ${line}, column ${column}: ${message}`);
    this.name = 'AsmError';
    this.line = line;
    this.column = column;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), line: this.line, column: this.column };
  }
}

/** A fault while a program runs (memory, budget, call depth, helper). */
export class RuntimeFault extends BpfError {
  /** Faulting address as an unsigned 64-bit value, for memory faults. */
  readonly address: bigint | undefined;
  /** Access size in bytes, for memory faults. */
  readonly size: number | undefined;
  constructor(code: ErrorCodeValue, message: string, pc: number, address?: bigint, size?: number) {
    super(code, message, pc);
    this.name = 'RuntimeFault';
    this.address = address;
    this.size = size;
  }
  override toJSON(): Record<string, unknown> {
    const o = super.toJSON();
    if (this.address !== undefined) o.address = '0x' + this.address.toString(16);
    if (this.size !== undefined) o.size = this.size;
    return o;
  }
}

/** The verifier rejected a program; carries the whole log. */
export class VerifierError extends BpfError {
  readonly log: string;
  constructor(message: string, pc: number | undefined, log: string) {
    super(ErrorCode.Verifier, message, pc);
    this.name = 'VerifierError';
    this.log = log;
  }
}

/** Kernel errno names used by map operations and checks. */
export type ErrnoName =
  | 'EPERM' | 'ENOENT' | 'E2BIG' | 'EINVAL' | 'EEXIST' | 'ENOMEM' | 'EBUSY'
  | 'EFAULT' | 'EACCES' | 'ENOSPC' | 'ENOTSUPP' | 'EOPNOTSUPP' | 'ERANGE' | 'EBADF';

/** A map or other kernel-style operation failed with an errno. */
export class ErrnoError extends BpfError {
  readonly errno: ErrnoName;
  constructor(errno: ErrnoName, message: string, code: ErrorCodeValue = ErrorCode.Map) {
    super(code, `${errno}: ${message}`);
    this.name = 'ErrnoError';
    this.errno = errno;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), errno: this.errno };
  }
}

/** Malformed ELF object: names the section and byte offset where known. */
export class ElfError extends BpfError {
  readonly section: string | undefined;
  readonly offset: number | undefined;
  constructor(message: string, section?: string, offset?: number, code: ErrorCodeValue = ErrorCode.Elf) {
    const where = [
      section !== undefined ? `section ${section}` : undefined,
      offset !== undefined ? `offset 0x${offset.toString(16)}` : undefined,
    ].filter(Boolean).join(', ');
    super(code, where ? `${where}: ${message}` : message);
    this.name = 'ElfError';
    this.section = section;
    this.offset = offset;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), section: this.section, offset: this.offset };
  }
}

/**
 * Malformed JSON or text input (profiles, traces, batch lines): names the JSON
 * path (`$.syscalls[3].args[0].op`) and/or the 1-based line number.
 */
export class InputError extends BpfError {
  readonly path: string | undefined;
  readonly line: number | undefined;
  constructor(message: string, where: { path?: string; line?: number; file?: string } = {}, code: ErrorCodeValue = ErrorCode.Parse) {
    const parts: string[] = [];
    if (where.file !== undefined) parts.push(where.file);
    if (where.line !== undefined) parts.push(`line ${where.line}`);
    if (where.path !== undefined) parts.push(where.path);
    super(code, parts.length ? `${parts.join(': ')}: ${message}` : message);
    this.name = 'InputError';
    this.path = where.path;
    this.line = where.line;
  }
  override toJSON(): Record<string, unknown> {
    const o = super.toJSON();
    if (this.path !== undefined) o.path = this.path;
    if (this.line !== undefined) o.line = this.line;
    return o;
  }
}

/** True for errors bpfsim raised on purpose. */
export function isBpfError(e: unknown): e is BpfError {
  return e instanceof BpfError;
}
