/**
 * A fake {@link CliIo} for CLI tests: records what a command writes to
 * stdout/stderr (in `out` / `err`) and serves `stdin` to `readStdin` and, split
 * at newlines, to `stdinLines`.
 */
import type { CliIo } from '../../src/cli/io.js';

/** A CliIo whose output is collected in `out` and `err`. */
export interface FakeIo extends CliIo {
  /** Everything written to stdout so far. */
  out: string;
  /** Everything written to stderr so far. */
  err: string;
  isTTY: boolean;
}

/**
 * A fresh fake I/O. The methods write into this object, so a copy
 * (`{ ...fakeIo(), isTTY: true }`) still records into the original.
 */
export function fakeIo(stdin = '', isTTY = false): FakeIo {
  const io: FakeIo = {
    out: '', err: '', isTTY,
    stdout(t: string) { io.out += t; },
    stderr(t: string) { io.err += t; },
    readStdin: async () => stdin,
    stdinLines: async function* () { yield* stdin.split('\n'); },
  };
  return io;
}
