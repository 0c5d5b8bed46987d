/**
 * `bpfsim start` (`npm start`): simulates the embedded default container
 * profile over the bundled real trace and prints the report.
 */
import { fileURLToPath } from 'node:url';
import { type CliIo, parseArgs } from './io.js';
import { runSimulation } from './seccomp.js';

/** Path of the bundled trace (works from src/ and dist/). */
export const BUNDLED_TRACE: string = fileURLToPath(new URL('../../data/traces/example.strace', import.meta.url));

/** `bpfsim start [--form F] [--json]` */
export default async function start(argv: string[], io: CliIo): Promise<number> {
  const { opts } = parseArgs(argv, { form: { value: true }, json: {}, help: {}, trace: { value: true } });
  if (opts.help) {
    io.stdout('usage: bpfsim start [--form linear|tree|array] [--json] [--trace FILE]\nSimulates the embedded default seccomp profile over the bundled strace trace.\n');
    return 0;
  }
  const trace = typeof opts.trace === 'string' ? opts.trace : BUNDLED_TRACE;
  const status = await runSimulation(io, undefined, trace, opts);
  // start is a demonstration: a denial is reported, not a failure
  return status === 2 ? 0 : status;
}
