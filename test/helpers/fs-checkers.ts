/**
 * Debian's own checkers as oracles for "the restored disk is sound": e2fsck, fsck.fat and ntfsfix
 * for filesystems, sfdisk and sgdisk for partition tables. All of them only read (-n, -d, -v).
 */
import { execa } from 'execa';

export type CheckedFs = 'ext4' | 'vfat' | 'ntfs';

export interface CheckResult {
  ok: boolean;
  /** Everything the tool printed, stdout and stderr interleaved. */
  output: string;
}

/** ntfsfix -n can exit 0 yet report a problem it would have fixed: these words mean one. */
const NTFSFIX_TROUBLE = /FAILED|BAD|corrupt|error|does not match|unclean|dirty/i;

/** Runs the filesystem's checker without letting it change anything. `device` may be an image file. */
export async function checkFilesystem(device: string, fs: CheckedFs): Promise<CheckResult> {
  const [tool, args] = fs === 'ext4' ? ['e2fsck', ['-f', '-n', device]] : fs === 'vfat' ? ['fsck.fat', ['-n', device]] : ['ntfsfix', ['-n', device]];
  const result = await execa(tool, args, { reject: false, all: true, stdin: 'ignore' });
  const output = result.all ?? '';
  const ok = result.exitCode === 0 && (fs !== 'ntfs' || !NTFSFIX_TROUBLE.test(output));
  return { ok, output: `${tool} ${args.join(' ')} exited ${String(result.exitCode)}\n${output}` };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `sfdisk -d` with the disk's own path replaced: the `device:` line says `<disk>` and partition
 * lines start `<disk>pN`, whether the table was read from a loop device (/dev/loop3p1) or an
 * image file (disk.img1). Two disks with the same table then give the same text.
 */
export async function sfdiskDump(device: string): Promise<string> {
  const { stdout } = await execa('sfdisk', ['--dump', device]);
  const partitionLine = new RegExp(`^${escapeRegExp(device)}p?(\\d+)(\\s*:)`, 'gm');
  return stdout.replace(/^device: .*$/m, 'device: <disk>').replace(partitionLine, '<disk>p$1$2');
}

/**
 * `sgdisk -v`: ok when it found no problem and warned about nothing. sgdisk prints "No problems
 * found" even after falling back to a damaged header's backup, so its warnings count too, except
 * the alignment caution, which is about where partitions start, not about the table. On an MBR
 * disk it reports converting the table in memory, which is not ok: use it on GPT disks.
 */
export async function sgdiskVerify(device: string): Promise<CheckResult> {
  const result = await execa('sgdisk', ['--verify', device], { reject: false, all: true, stdin: 'ignore' });
  const output = result.all ?? '';
  const concerns = output.replace(/Caution: Partition \d+ doesn't (begin|end) on a \d+-sector boundary\./g, '');
  const ok = result.exitCode === 0 && output.includes('No problems found') && !/warning|caution|error|invalid|converting/i.test(concerns);
  return { ok, output };
}
