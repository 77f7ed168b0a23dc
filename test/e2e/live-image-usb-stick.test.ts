/**
 * The live image as a USB stick: `lifeboat media write` puts dist/lifeboat-live.iso on a stick
 * image with its exFAT data partition, and a virtual PC boots from that stick alone (USB, no CD),
 * with SeaBIOS and with OVMF: the hybrid MBR's boot code on BIOS, the EFI partition on UEFI. The
 * job on the stick's own data partition lists the disks and powers off; the list must mark the
 * stick as the boot medium, and the log must be on the stick afterwards.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { attachAt, withExfat } from '../helpers/exfat-files.js';
import { useScratch } from '../helpers/loop-device.js';
import { Machine, OVMF_CODE, type Firmware } from '../helpers/qemu-machine.js';
import { describeWith } from '../helpers/requirements.js';
import { MiB } from '../integration/pipeline/cli-pipeline.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ISO = path.join(ROOT, 'dist/lifeboat-live.iso');
const MAIN = path.join(ROOT, 'build/recovery/cli/main.js');
const STICK_BYTES = 256 * MiB;
const TIMEOUT_MS = 20 * 60_000;
const NEEDS = [
  'root',
  'loop-devices',
  'fuse',
  'tool:qemu-system-x86_64',
  'tool:mkfs.exfat',
  'tool:fsck.exfat',
  'tool:mount.exfat-fuse',
  'tool:sfdisk',
  'tool:losetup',
] as const;

describeWith([...NEEDS], 'a USB stick written by media write boots on its own', () => {
  const scratch = useScratch('each');

  for (const firmware of ['bios', 'uefi'] as Firmware[]) {
    it(
      `on ${firmware === 'bios' ? 'BIOS (SeaBIOS)' : 'UEFI (OVMF)'}: boots from the stick, runs the job on its data partition, marks it as the boot medium`,
      async () => {
        if (!existsSync(ISO)) throw new Error(`${ISO} is missing: npm test builds it (bash build-scripts/build-live.sh).`);
        if (firmware === 'uefi' && !existsSync(OVMF_CODE)) throw new Error(`${OVMF_CODE} is missing: apt-get install ovmf.`);
        const stick = await scratch().sparseFile('stick.img', STICK_BYTES);
        const written = await execa(process.execPath, [MAIN, 'media', 'write', '--to', stick, '--image', ISO, '--yes', '--confirm-target', stick], {
          reject: false,
          all: true,
        });
        expect(written.exitCode, written.all).toBe(0);
        const data = await dataPartition(stick);
        await onData(stick, data, (root) => writeFile(path.join(root, 'lifeboat-job.txt'), '# the USB stick test\ndisks\nthen poweroff\n'));
        const blank = await scratch().sparseFile('blank.img', 64 * MiB);

        const machine = await Machine.start({ firmware, workDir: scratch().dir, disks: [{ file: stick, bus: 'usb' }, { file: blank }] });
        try {
          await machine.waitForPowerOff(TIMEOUT_MS);
        } finally {
          await machine.kill();
        }
        process.stderr.write(`USB stick (${firmware}): booted, ran the job and powered off in ${((Date.now() - machine.startedMs) / 1000).toFixed(0)} s\n`);
        expect(machine.serial).toContain('Job finished');
        const log = await onData(stick, data, async (root) => {
          const name = (await readdir(root)).find((entry) => /^lifeboat-job-\d{8}-\d{6}\.log$/.test(entry));
          return name ? readFile(path.join(root, name), 'utf8') : '';
        });
        expect(log).toMatch(/== step 1 succeeded/);
        // The stick is the boot medium (never offered as a target) and its data partition is mounted.
        expect(log).toMatch(/^\/dev\/sda +256\.0 MiB +usb .*\bboot\b/m);
        expect(log).toMatch(/^ +sda3 .*exfat .*"LIFEBOAT"/m);
        expect(log).toMatch(/^\/dev\/vda +64\.0 MiB +virtio/m);
      },
      TIMEOUT_MS + 120_000,
    );
  }
});

async function dataPartition(stick: string): Promise<{ offsetBytes: number; sizeBytes: number }> {
  const { stdout } = await execa('sfdisk', ['--json', stick]);
  const table = JSON.parse(stdout) as { partitiontable: { partitions: Array<{ node: string; start: number; size: number; type: string }> } };
  const third = table.partitiontable.partitions.find((p) => p.node.endsWith('3'));
  if (third?.type !== '7') throw new Error(`media write made no exFAT partition 3: ${stdout}`);
  return { offsetBytes: third.start * 512, sizeBytes: third.size * 512 };
}

/** Opens the stick's data partition on the host; it must be clean before and after the VM ran. */
async function onData<T>(stick: string, data: { offsetBytes: number; sizeBytes: number }, body: (root: string) => Promise<T>): Promise<T> {
  const { device, detach } = await attachAt(stick, data.offsetBytes, data.sizeBytes);
  try {
    const fsck = await execa('fsck.exfat', ['-n', device], { reject: false, all: true });
    expect(fsck.exitCode, fsck.all).toBe(0);
    return await withExfat(device, body);
  } finally {
    await detach();
  }
}
