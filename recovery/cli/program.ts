import { Command, CommanderError, Option } from 'commander';
import { LIFEBOAT_VERSION } from '../core/version.js';
import { disksCommand } from './commands/disks.js';
import { inspectCommand } from './commands/inspect.js';
import { reportError } from './report-error.js';

interface GlobalOptions {
  debug?: boolean;
  sysroot?: string;
}

/** The command tree. Only wiring lives here: every command calls into the engine. */
export function buildProgram(): Command {
  const program = new Command('lifeboat')
    .description('Capture, restore, clone and verify disks. With no command, opens the terminal UI.')
    .version(LIFEBOAT_VERSION, '-V, --version', 'print the version and exit')
    .option('--debug', 'show stack traces and helper details on errors')
    .addOption(new Option('--sysroot <dir>', 'enumerate disks from a captured /sys + /proc tree (testing)').hideHelp())
    .showHelpAfterError('(run `lifeboat --help` for usage)')
    .exitOverride()
    // Leftover words reach the root action, which names them as an unknown command.
    .allowExcessArguments(true);

  program
    .command('disks')
    .description('list the disks and partitions of this machine')
    .option('--json', 'print a JSON document (schema lifeboat.disks/1, see docs/disks-json.md)')
    .allowExcessArguments(false)
    .action(async (options: { json?: boolean }) => {
      const global = program.opts<GlobalOptions>();
      await disksCommand({ json: Boolean(options.json), ...(global.sysroot ? { sysroot: global.sysroot } : {}) });
    });

  program
    .command('inspect')
    .description('show a disk or image file: its partition table, filesystems, and what a capture would copy')
    .argument('<disk-or-image>', 'a disk (/dev/sdb) or a raw image file')
    .option('--json', 'print a JSON document (schema lifeboat.inspect/1, see docs/inspect-json.md)')
    .option('--map', 'with --json: include every used-block run')
    .addOption(new Option('--sector-size <bytes>', 'logical sector size of an image file').choices(['512', '1024', '2048', '4096']))
    .allowExcessArguments(false)
    .action(async (target: string, options: { json?: boolean; map?: boolean; sectorSize?: string }) => {
      await inspectCommand(target, {
        json: Boolean(options.json),
        map: Boolean(options.map),
        ...(options.sectorSize ? { sectorSize: Number(options.sectorSize) } : {}),
      });
    });

  program.action(async () => {
    // The root takes no arguments; anything left over is a mistyped command, not an argument.
    if (program.args.length > 0) program.error(`error: unknown command '${program.args[0]}'`, { exitCode: 2, code: 'lifeboat.unknownCommand' });
    const global = program.opts<GlobalOptions>();
    const helperOptions = global.sysroot ? { sysroot: global.sysroot } : {};
    // Without a terminal (output piped or redirected) nobody can drive screens: print the
    // first screen's content as plain text rather than terminal drawing codes.
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      await disksCommand({ json: false, ...helperOptions });
      return;
    }
    const { runTui } = await import('../ui/run-tui.js');
    await runTui(helperOptions);
  });

  return program;
}

/** Runs the CLI and returns the process exit code: 0 done, 1 failed, 2 usage error. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    const wantsJson = argv.includes('--json');
    reportError(error, { json: wantsJson, debug: argv.includes('--debug') });
    return 1;
  }
}
