import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { LIFEBOAT_VERSION } from '../core/version.js';
import { LifeboatError } from '../core/errors.js';
import { checkFailpointEnvironment } from '../core/failpoints/failpoint.js';
import { failpointText } from '../core/failpoints/failpoint-table.js';
import { captureCommand } from './commands/capture.js';
import { checkCommand } from './commands/check.js';
import { forgetCommand } from './commands/forget.js';
import { pruneCommand } from './commands/prune.js';
import { repairCommand } from './commands/repair.js';
import { cloneCommand } from './commands/clone.js';
import { disksCommand } from './commands/disks.js';
import { inspectCommand } from './commands/inspect.js';
import { mediaWriteCommand } from './commands/media.js';
import { jobCommand } from './commands/job.js';
import { restoreCommand } from './commands/restore.js';
import { inspectSnapshotCommand, snapshotsCommand } from './commands/snapshots.js';
import { verifyCommand } from './commands/verify.js';
import { reportError } from './report-error.js';
import { ReportedFailure } from './reported-failure.js';

interface GlobalOptions {
  debug?: boolean;
  sysroot?: string;
  listFailpoints?: boolean;
}

/** The command tree. Only wiring lives here: every command calls into the engine. */
export function buildProgram(): Command {
  const program = new Command('lifeboat')
    .description('Capture, restore, clone and verify disks. With no command, opens the terminal UI.')
    .version(LIFEBOAT_VERSION, '-V, --version', 'print the version and exit')
    .option('--debug', 'show stack traces and helper details on errors')
    .addOption(new Option('--sysroot <dir>', 'enumerate disks from a captured /sys + /proc tree (testing)').hideHelp())
    .option('--list-failpoints', 'list the crash points LIFEBOAT_FAILPOINT=NAME:N can arm (docs/failpoints.md) and exit')
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
    .description('show a disk or image file (what a capture would copy), or a snapshot in a repository (--repo)')
    .argument('[disk-or-image]', 'a disk (/dev/sdb) or a raw image file')
    .option('--repo <dir>', 'show a snapshot of this repository instead')
    .option('--snapshot <id>', 'with --repo: the snapshot (an id prefix, or latest)', 'latest')
    .option('--json', 'print a JSON document (lifeboat.inspect/1, or lifeboat.snapshot-inspect/1 with --repo)')
    .option('--map', 'with --json: include every used-block run')
    .addOption(sectorSizeOption())
    .allowExcessArguments(false)
    .action(async (target: string | undefined, options: { json?: boolean; map?: boolean; sectorSize?: string; repo?: string; snapshot: string }) => {
      if (options.repo !== undefined) {
        if (target !== undefined) throw usage('inspect takes either a disk or --repo, not both.');
        await inspectSnapshotCommand({ repo: options.repo, snapshot: options.snapshot, json: Boolean(options.json) });
        return;
      }
      if (target === undefined) throw usage('inspect needs a disk or image file, or --repo DIR.');
      await inspectCommand(target, {
        json: Boolean(options.json),
        map: Boolean(options.map),
        ...(options.sectorSize ? { sectorSize: Number(options.sectorSize) } : {}),
      });
    });

  program
    .command('capture')
    .description('capture a disk (or one partition) into a snapshot in a repository directory')
    .requiredOption('--source <disk>', 'the disk or image file to read (/dev/sda, disk.img)')
    .requiredOption('--repo <dir>', 'the repository directory (created when new or empty)')
    .option('--partition <n>', 'capture only this partition', positiveInt)
    .option('--level <n>', 'zstd compression level, 1-19', positiveInt, 3)
    .option('--note <text>', 'a note stored with the snapshot')
    .option('--chunk-size <bytes>', 'chunk size of a new repository (power of two, 64 KiB-64 MiB; default 1 MiB)', positiveInt)
    .option('--pack-size <bytes>', 'largest pack file (default 512 MiB, below 4 GiB)', positiveInt)
    .option('--rescue', 'go on past unreadable sectors: retry them with smaller reads, store zeros for the rest and list them')
    .addOption(sectorSizeOption())
    .option('--json', 'progress and result as JSON lines (lifeboat.progress/1)')
    .allowExcessArguments(false)
    .action(
      async (options: {
        source: string;
        repo: string;
        partition?: number;
        level: number;
        note?: string;
        chunkSize?: number;
        packSize?: number;
        rescue?: boolean;
        sectorSize?: string;
        json?: boolean;
      }) => {
        const { sectorSize, ...rest } = options;
        await captureCommand({ ...rest, json: Boolean(options.json), ...(sectorSize ? { sectorSize: Number(sectorSize) } : {}) });
      },
    );

  program
    .command('restore')
    .description('restore a snapshot onto a disk, or one partition onto a partition')
    .requiredOption('--repo <dir>', 'the repository directory')
    .option('--snapshot <id>', 'snapshot id prefix, or latest (default: latest; with --resume the one being resumed)')
    .requiredOption('--target <disk>', 'the disk, partition or image file to overwrite')
    .option('--partition <n>', 'restore only this partition of the snapshot', positiveInt)
    .option('--verify', 'read back everything written and compare')
    .option('--no-precheck', 'skip proving every chunk before the first write (each is still proven before it is written)')
    .option('--resume', 'continue an interrupted restore of this target from its last checkpoint')
    .option('--grow-last', 'grow the last partition and its ext2/3/4 or NTFS filesystem to the end of a larger target')
    .option('--discard', 'discard (TRIM) the free space: every range no used data occupies')
    .option('--yes', 'do not ask; needs --confirm-target')
    .option('--confirm-target <name>', "with --yes: the target's kernel name (sdb) or path, repeated")
    .addOption(sectorSizeOption())
    .option('--json', 'plan, progress and result as JSON lines (lifeboat.progress/1)')
    .allowExcessArguments(false)
    .action(
      async (options: {
        repo: string;
        snapshot?: string;
        target: string;
        partition?: number;
        verify?: boolean;
        precheck: boolean;
        yes?: boolean;
        confirmTarget?: string;
        sectorSize?: string;
        json?: boolean;
        resume?: boolean;
        growLast?: boolean;
        discard?: boolean;
      }) => {
        const { sectorSize, ...rest } = options;
        await restoreCommand({
          ...rest,
          verify: Boolean(options.verify),
          resume: Boolean(options.resume),
          growLast: Boolean(options.growLast),
          discard: Boolean(options.discard),
          yes: Boolean(options.yes),
          json: Boolean(options.json),
          ...(sectorSize ? { sectorSize: Number(sectorSize) } : {}),
        });
      },
    );

  program
    .command('verify')
    .description('re-hash every chunk of a snapshot (all snapshots without --snapshot), or compare a disk with one (--against)')
    .requiredOption('--repo <dir>', 'the repository directory')
    .option('--snapshot <id>', 'snapshot id prefix, or latest')
    .option('--against <disk>', 'compare this disk (or image file) with the snapshot (default latest)')
    .option('--partition <n>', 'with --against: compare only this partition', positiveInt)
    .addOption(sectorSizeOption())
    .option('--json', 'progress and result as JSON lines (lifeboat.progress/1)')
    .allowExcessArguments(false)
    .action(async (options: { repo: string; snapshot?: string; against?: string; partition?: number; sectorSize?: string; json?: boolean }) => {
      const { sectorSize, ...rest } = options;
      await verifyCommand({ ...rest, json: Boolean(options.json), ...(sectorSize ? { sectorSize: Number(sectorSize) } : {}) });
    });

  program
    .command('clone')
    .description('copy a disk onto another disk (used blocks only, partition table last)')
    .requiredOption('--source <disk>', 'the disk or image file to read')
    .requiredOption('--target <disk>', 'the disk or image file to overwrite')
    .option('--verify', 'read back everything written and compare')
    .option('--yes', 'do not ask; needs --confirm-target')
    .option('--confirm-target <name>', "with --yes: the target's kernel name (sdb) or path, repeated")
    .option('--json', 'plan, progress and result as JSON lines (lifeboat.progress/1)')
    .allowExcessArguments(false)
    .action(async (options: { source: string; target: string; verify?: boolean; yes?: boolean; confirmTarget?: string; json?: boolean }) => {
      await cloneCommand({ ...options, verify: Boolean(options.verify), yes: Boolean(options.yes), json: Boolean(options.json) });
    });

  const media = program.command('media').description('make Lifeboat boot media').allowExcessArguments(false);
  media
    .command('write')
    .description('write the live image to a USB stick (or an image file) and add an exFAT data partition behind it')
    .requiredOption('--to <disk>', 'the disk or image file to overwrite (/dev/sdb, stick.img)')
    .option('--image <file>', 'the live image (default: lifeboat-live.iso beside the program, in dist/, or on the live medium)')
    .option('--no-data-partition', 'write the image only, without the exFAT data partition')
    .option('--yes', 'do not ask; needs --confirm-target')
    .option('--confirm-target <name>', "with --yes: the target's kernel name (sdb) or path, repeated")
    .option('--json', 'plan, progress and result as JSON lines (lifeboat.progress/1)')
    .allowExcessArguments(false)
    .action(async (options: { to: string; image?: string; dataPartition: boolean; yes?: boolean; confirmTarget?: string; json?: boolean }) => {
      await mediaWriteCommand({ ...options, yes: Boolean(options.yes), json: Boolean(options.json) });
    });

  const job = program.command('job').description('unattended jobs of the live image (docs/live-image.md)').allowExcessArguments(false);
  job
    .command('run')
    .description('run a job: lifeboat commands one after the other, logged next to the image')
    .option('--file <file>', 'a job file (lifeboat-job.txt)')
    .option('--steps <text>', 'the job inline, steps separated by ";" (the kernel command line\'s lifeboat.job)')
    .option('--check', 'only check the job and say what it would do')
    .option('--outcome-file <file>', "write what should happen next (poweroff, reboot, menu, shell), ok or failed, and the log's path to this file")
    .allowExcessArguments(false)
    .action(async (options: { file?: string; steps?: string; check?: boolean; outcomeFile?: string }) => {
      await jobCommand({ ...options, checkOnly: Boolean(options.check) });
    });

  program
    .command('snapshots')
    .description('list the snapshots of a repository')
    .requiredOption('--repo <dir>', 'the repository directory')
    .option('--json', 'print a JSON document (schema lifeboat.snapshots/1)')
    .allowExcessArguments(false)
    .action(async (options: { repo: string; json?: boolean }) => {
      await snapshotsCommand({ repo: options.repo, json: Boolean(options.json) });
    });

  program
    .command('check')
    .description('check a repository: structure, packs, index and snapshots (--read-data: re-hash every chunk)')
    .requiredOption('--repo <dir>', 'the repository directory')
    .option('--read-data', 'also read every chunk, check its CRC-32C, decompress and re-hash it')
    .option('--json', 'print one JSON document (schema lifeboat.check/1)')
    .allowExcessArguments(false)
    .action(async (options: { repo: string; readData?: boolean; json?: boolean }) => {
      await checkCommand({ repo: options.repo, readData: Boolean(options.readData), json: Boolean(options.json) });
    });

  program
    .command('repair')
    .description("rebuild a repository's index from its packs, keeping every readable chunk")
    .requiredOption('--repo <dir>', 'the repository directory')
    .option('--read-data', 'also prove every chunk, and drop damaged ones so a new capture stores them again')
    .option('--json', 'print one JSON document (schema lifeboat.repair/1)')
    .allowExcessArguments(false)
    .action(async (options: { repo: string; readData?: boolean; json?: boolean }) => {
      await repairCommand({ repo: options.repo, readData: Boolean(options.readData), json: Boolean(options.json) });
    });

  program
    .command('forget')
    .description('remove one snapshot from a repository (its chunks stay until prune)')
    .requiredOption('--repo <dir>', 'the repository directory')
    .requiredOption('--snapshot <id>', 'snapshot id prefix, or latest')
    .option('--json', 'print one JSON document (schema lifeboat.forget/1)')
    .allowExcessArguments(false)
    .action(async (options: { repo: string; snapshot: string; json?: boolean }) => {
      await forgetCommand({ repo: options.repo, snapshot: options.snapshot, json: Boolean(options.json) });
    });

  program
    .command('prune')
    .description('free the chunks no snapshot references (rewrites packs that hold some)')
    .requiredOption('--repo <dir>', 'the repository directory')
    .option('--json', 'print one JSON document (schema lifeboat.prune/1)')
    .allowExcessArguments(false)
    .action(async (options: { repo: string; json?: boolean }) => {
      await pruneCommand({ repo: options.repo, json: Boolean(options.json) });
    });

  program.action(async () => {
    // The root takes no arguments; anything left over is a mistyped command, not an argument.
    if (program.args.length > 0) program.error(`error: unknown command '${program.args[0]}'`, { exitCode: 2, code: 'lifeboat.unknownCommand' });
    const global = program.opts<GlobalOptions>();
    if (global.listFailpoints) {
      process.stdout.write(`${failpointText()}\n`);
      return;
    }
    const helperOptions = global.sysroot ? { sysroot: global.sysroot } : {};
    // Without a terminal (output piped or redirected) nobody can drive screens: print the
    // first screen's content as plain text rather than terminal drawing codes.
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      await disksCommand({ json: false, ...helperOptions });
      return;
    }
    const { runTui } = await import('../ui/run-tui.js');
    await runTui(helperOptions, { debug: Boolean(global.debug) });
  });

  return program;
}

function usage(sentence: string): LifeboatError {
  return new LifeboatError('USAGE', sentence);
}

function positiveInt(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number <= 0) throw new InvalidArgumentError('a positive whole number is needed.');
  return number;
}

function sectorSizeOption(): Option {
  return new Option('--sector-size <bytes>', 'logical sector size of an image file').choices(['512', '1024', '2048', '4096']);
}

/** Runs the CLI and returns the process exit code: 0 done, 1 failed, 2 usage error. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    // A mistyped failpoint would silently arm nothing, and a crash test would then pass for the wrong reason.
    checkFailpointEnvironment();
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    const wantsJson = argv.includes('--json');
    // Its JSON document is already out: a second one would break `--json` consumers.
    if (error instanceof ReportedFailure && wantsJson) return 1;
    reportError(error, { json: wantsJson, debug: argv.includes('--debug') });
    return error instanceof LifeboatError && error.code === 'USAGE' ? 2 : 1;
  }
}
