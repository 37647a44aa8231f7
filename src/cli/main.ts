// The `ipvs-conform` command: dispatches subcommands and maps every error to an exit code in one
// place (src/errors.ts EXIT, with the order that picks one of several: EXIT_PRECEDENCE).
import { ConformError, EXIT, KernelFinding, UsageError } from '../errors.js';
import { diskTrouble } from './disk-error.js';

export const HELP = `Usage: ipvs-conform <command> [options]

Commands:
  run        generate cases, run them on real kernels and the model, shrink and save divergences
  replay     run saved cases again and show the verdict and diff
  check      run a scenario written by hand on the kernel and the model, event by event
  report     merge the summaries of sharded runs (report merge DIR...)
  vm         build and check the guest images (vm build|smoke ...)
  golden     the golden corpus (golden --diff K1 K2: what changed between two kernels)
  kernels    the pinned kernels and those Debian's package index offers, with their semantics

Run \`ipvs-conform <command> --help\` for a command's options and an example.

Example:
  ipvs-conform run --kernel 6.1,6.12 --scheduler hprio --cases 300 --seed 7`;

type Command = (argv: string[]) => Promise<number>;

/** Each command is imported when it is asked for: help and usage errors load none of them. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run-command.js')).runCommand,
  replay: async () => (await import('./replay-command.js')).replayCommand,
  check: async () => (await import('./check-command.js')).checkCommand,
  report: async () => (await import('./report-command.js')).reportCommand,
  vm: async () => (await import('./vm-command.js')).vmCommand,
  golden: async () => (await import('./golden-command.js')).goldenCommand,
  kernels: async () => (await import('./kernels-command.js')).kernelsCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd !== undefined && Object.hasOwn(COMMANDS, cmd)) return await (await COMMANDS[cmd]!())(rest);
    if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
      process.stdout.write(HELP + '\n');
      return cmd === undefined ? EXIT.usage : EXIT.ok;
    }
    throw new UsageError('IPVS_CONFORM_USAGE', `Expected a command (${Object.keys(COMMANDS).join(', ')}), got \`${cmd}\`. See \`ipvs-conform --help\``);
  } catch (thrown) {
    const e = diskTrouble(thrown) ?? thrown;
    if (e instanceof ConformError) {
      process.stderr.write(`ipvs-conform: ${e.message}\n`);
      const log = (e as { log?: unknown }).log;
      if (typeof log === 'string' && log) process.stderr.write(`--- log ---\n${log.slice(-4000)}\n`);
      if (e instanceof KernelFinding) process.stderr.write(`--- guest console (last lines) ---\n${e.consoleLog.split('\n').slice(-60).join('\n')}\n`);
      return e.exitCode;
    }
    // Not one of ours: a bug in the harness. Say so, with the stack (exit 7, like a model crash).
    process.stderr.write(`ipvs-conform: internal error (a bug in the harness, please report it):\n${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT.harness;
  }
}

// Run when loaded as the program (bin/ipvs-conform.mjs imports this file).
const isEntry = process.argv[1] && /ipvs-conform(\.mjs)?$|src[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (isEntry) {
  process.exitCode = await main(process.argv.slice(2));
  // A signal after the command has finished must not replace its exit code with the signal's.
  const exitNow = () => process.exit();
  process.on('SIGINT', exitNow);
  process.on('SIGTERM', exitNow);
  // Everything is closed by now; if a stray handle still holds the loop, do not hang CI over it.
  setTimeout(() => process.exit(), 5000).unref();
}
