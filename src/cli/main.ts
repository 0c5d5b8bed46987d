/** `bpfsim` entry point: dispatches to the command table. */
import { COMMANDS } from './commands.js';
import { type CliIo, processIo, reportError } from './io.js';

function help(io: CliIo): void {
  const rows = Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(10)} ${v.summary}`);
  io.stdout(`usage: bpfsim <command> [options]\n\ncommands:\n${rows.join('\n')}\n\nRun 'bpfsim <command> --help' for a command's options.\n`);
}

/** Runs the command line `argv` (without node and script) and returns the exit status. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    help(io);
    return cmd === undefined ? 2 : 0;
  }
  const row = COMMANDS[cmd];
  if (row === undefined) {
    io.stderr(`bpfsim: unknown command '${cmd}' (try 'bpfsim help')\n`);
    return 2;
  }
  try {
    const mod = await row.load();
    return await mod.default(rest, io);
  } catch (e) {
    return reportError(e, io);
  }
}
