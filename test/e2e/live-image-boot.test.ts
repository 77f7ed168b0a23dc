/**
 * The live image, booted: dist/lifeboat-live.iso as a CD in a virtual PC (SeaBIOS, then OVMF)
 * with a source disk (GPT: FAT32 ESP, NTFS, ext4), a larger empty target and an exFAT data disk
 * holding lifeboat-job.txt. The job captures the source to the data disk, restores it onto the
 * target and powers the machine off, with nobody at the keyboard; the network card gets its
 * address by DHCP on its own. The host then checks the target
 * with the usual oracles and reads the job's log from the data disk.
 * `npm test` builds the ISO before the suite runs (build-scripts/build-live.sh).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { attachAt, withExfat } from '../helpers/exfat-files.js';
import { sfdiskDump, sgdiskVerify } from '../helpers/fs-checkers.js';
import { useScratch } from '../helpers/loop-device.js';
import { Machine, OVMF_CODE, type Firmware } from '../helpers/qemu-machine.js';
import { describeWith } from '../helpers/requirements.js';
import { expectSameFilesystems, withoutLastLba } from '../helpers/round-trip-checks.js';
import { buildGptDisk } from '../helpers/source-disks.js';
import { MiB } from '../integration/pipeline/cli-pipeline.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ISO = path.join(ROOT, 'dist/lifeboat-live.iso');
const DATA_OFFSET = MiB;
const DATA_SIZE = 511 * MiB;
const BOOT_AND_JOB_TIMEOUT_MS = 20 * 60_000;

const NEEDS = [
  'root',
  'loop-devices',
  'fuse',
  'tool:qemu-system-x86_64',
  'tool:sgdisk',
  'tool:sfdisk',
  'tool:mkfs.exfat',
  'tool:fsck.exfat',
  'tool:mount.exfat-fuse',
  'tool:mkntfs',
  'tool:mkfs.fat',
  'tool:ntfs-3g',
  'tool:e2fsck',
  'tool:ntfsfix',
  'tool:fsck.fat',
  'tool:mcopy',
] as const;

const JOB = [
  '# the e2e test: capture the source onto this data disk, restore it onto the larger disk, power off',
  'capture --source /dev/vda --repo images/pc1 --note "live e2e"',
  'verify --repo images/pc1',
  'restore --repo images/pc1 --target /dev/vdb --yes --confirm-target vdb --verify',
  'then poweroff',
  '',
].join('\n');

describeWith([...NEEDS], 'the live image boots and runs an unattended capture and restore', () => {
  const scratch = useScratch('each');

  for (const firmware of ['bios', 'uefi'] as Firmware[]) {
    it(
      `on ${firmware === 'bios' ? 'BIOS (SeaBIOS)' : 'UEFI (OVMF)'}: capture to the data disk, restore to the target, power off`,
      async () => {
        if (!existsSync(ISO)) throw new Error(`${ISO} is missing: npm test builds it (bash build-scripts/build-live.sh).`);
        if (firmware === 'uefi' && !existsSync(OVMF_CODE)) throw new Error(`${OVMF_CODE} is missing: apt-get install ovmf.`);
        const source = await buildGptDisk(scratch(), 'source.img', 192 * MiB);
        const target = await scratch().sparseFile('target.img', 320 * MiB);
        const data = await makeDataDisk(scratch().dir);

        const machine = await Machine.start({
          firmware,
          cdrom: ISO,
          workDir: scratch().dir,
          disks: [{ file: source.file, readOnly: true }, { file: target }, { file: data }],
          network: true,
        });
        try {
          await machine.waitForPowerOff(BOOT_AND_JOB_TIMEOUT_MS);
        } finally {
          await machine.kill();
        }
        const seconds = (Date.now() - machine.startedMs) / 1000;
        process.stderr.write(`live image (${firmware}): booted, captured, restored and powered off in ${seconds.toFixed(0)} s\n`);
        expect(machine.serial).toContain('Job finished');
        expect(machine.serial).toContain('lifeboat: poweroff now.');

        const log = await readDataDisk(data);
        expect(log.names.some((name) => /^lifeboat-job-\d{8}-\d{6}\.log$/.test(name))).toBe(true);
        expect(log.text).toMatch(/== step 1 succeeded/);
        expect(log.text).toMatch(/== step 3 succeeded/);
        expect(log.text).toMatch(/Job finished .*; next: poweroff\./);
        // DHCP came up by itself on QEMU's user network before the job started.
        expect(log.text).toMatch(/^Network: eth0 10\.0\.2\.15\/24$/m);

        const restored = await scratch().attachPartitioned(target);
        expect(withoutLastLba(await sfdiskDump(restored))).toBe(withoutLastLba(await sfdiskDump(source.device)));
        const gpt = await sgdiskVerify(restored);
        expect(gpt.ok, gpt.output).toBe(true);
        await expectSameFilesystems(source, restored);
      },
      BOOT_AND_JOB_TIMEOUT_MS + 120_000,
    );
  }
});

/** A 512 MiB disk with one exFAT partition labelled LIFEBOAT that holds the job file. */
async function makeDataDisk(dir: string): Promise<string> {
  const file = path.join(dir, 'data.img');
  await execa('truncate', ['-s', String(DATA_OFFSET + DATA_SIZE), file]);
  await execa('sfdisk', ['--quiet', file], { input: `label: dos\nstart=${DATA_OFFSET / 512}, type=7\n` });
  const { device, detach } = await attachAt(file, DATA_OFFSET, DATA_SIZE);
  try {
    await execa('mkfs.exfat', ['-L', 'LIFEBOAT', device]);
    await withExfat(device, (root) => writeFile(path.join(root, 'lifeboat-job.txt'), JOB));
  } finally {
    await detach();
  }
  return file;
}

/** The job's log, read back from the data disk after the machine is off; the disk must be clean. */
async function readDataDisk(file: string): Promise<{ names: string[]; text: string }> {
  const { device, detach } = await attachAt(file, DATA_OFFSET, DATA_SIZE);
  try {
    const fsck = await execa('fsck.exfat', ['-n', device], { reject: false, all: true });
    expect(fsck.exitCode, fsck.all).toBe(0);
    return await withExfat(device, async (root) => {
      const names = await readdir(path.join(root, 'images'));
      const logName = names.find((name) => name.endsWith('.log'));
      return { names, text: logName ? await readFile(path.join(root, 'images', logName), 'utf8') : '' };
    });
  } finally {
    await detach();
  }
}
