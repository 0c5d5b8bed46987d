/**
 * `bpfsim plugin [MEM] [OPTIONS]`: the bpf_conformance plugin protocol
 * (github.com/Alan-Jowett/bpf_conformance, src/bpf_conformance.cc): the runner
 * starts the plugin with the input memory as hex bytes in argv[1] (bytes
 * separated by spaces, may be empty) and its plugin options in argv[2],
 * writes the program as hex bytes to stdin, and reads r0 as hex from stdout
 * (parsed with base 16; the runner compares the low 32 bits). On an error the
 * plugin exits non-zero; the runner compares stdout with a vector's expected
 * error text, so the message goes to stdout as well as to stderr.
 *
 * Options (also accepted inside one space-separated argv string):
 * `--program HEX` (instead of stdin), `--engine E`, `--budget N`,
 * `--helpers linux|conformance` (default conformance: the uBPF test helpers
 * the runner's plugins provide).
 */
import { BpfError } from '../errors.js';
import { hexToBytes } from '../isa/insn.js';
import { registerJitEngine } from '../vm/jit/index.js';
import { Vm, getEngine } from '../vm/vm.js';
import { type CliIo, usage } from './io.js';
import { helperSet } from './run.js';


// Both engines are available on the command line (--engine interp|jit).
registerJitEngine();
const HELP = `usage: bpfsim plugin [MEM_HEX] [--program HEX] [--engine E] [--budget N] [--helpers conformance|linux]

bpf_conformance plugin: reads the program as hex bytes from stdin (or --program),
runs it with r1 = MEM (r2 = its length) and prints r0 as hex. Errors: exit 1,
message on stdout and stderr. Use with the runner:
  bpf_conformance_runner --test_file_directory tests --plugin_path bpfsim-plugin.sh
where the script runs: exec bpfsim plugin "$@"
`;

/** The `plugin` command. */
export default async function pluginCommand(argv: string[], io: CliIo): Promise<number> {
  // The runner passes the options as one argument; split every argument on whitespace.
  const args: string[] = [];
  let memHex = '';
  argv.forEach((a, i) => {
    if (i === 0 && !a.trimStart().startsWith('--') && a !== '-h') memHex = a;
    else args.push(...a.split(/\s+/).filter((x) => x !== ''));
  });
  let program: string | undefined, engine = 'interp', budget: number | undefined, helpers = 'conformance';
  for (let i = 0; i < args.length; i++) {
    const k = args[i]!;
    const val = (): string => {
      const v = args[++i];
      if (v === undefined) throw usage(`${k} needs a value`);
      return v;
    };
    if (k === '--help' || k === '-h') { io.stdout(HELP); return 0; }
    else if (k === '--program') program = val();
    else if (k === '--engine') engine = val();
    else if (k === '--budget') {
      const v = val();
      if (!/^\d+$/.test(v)) throw usage(`--budget must be a non-negative integer, not '${v}'`);
      budget = Number(v);
    } else if (k === '--helpers') helpers = val();
    else if (k === '--interpret') engine = 'interp';
    else if (k === '--jit') engine = 'jit';
    else throw usage(`unknown plugin option ${k}`);
  }
  try {
    getEngine(engine);
    const mem = hexToBytes(memHex);
    const text = program ?? (await io.readStdin());
    const bytes = hexToBytes(text);
    const vm = new Vm({ helpers: helperSet(helpers), engine, ...(budget !== undefined ? { budget } : {}) });
    const r = vm.load(bytes).run({ mem });
    io.stdout(r.r0.toString(16) + '\n');
    return 0;
  } catch (e) {
    if (!(e instanceof BpfError)) throw e;
    io.stdout(e.message + '\n');
    io.stderr(`bpfsim: ${e.message}\n`);
    return 1;
  }
}
