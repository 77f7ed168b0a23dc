/**
 * The live image's terminal UI, driven over the serial console as a technician with only a serial
 * cable would: dist/lifeboat-live.iso boots in a virtual PC (SeaBIOS, then OVMF) with two virtio
 * disks made here (a GPT disk holding one small ext4 partition, and a blank one). The test waits
 * for the home menu on ttyS0, walks to Disks with arrow keys, reads the list and one disk's
 * details, goes back with Esc, opens the shell from the menu and runs `lifeboat disks --json`
 * there, comes back with `exit`, and powers the machine off from the menu. The oracles are the
 * sizes given to the disks, and dumpe2fs for the filesystem's label, UUID and free space.
 * `npm test` builds the ISO before the suite runs (build-scripts/build-live.sh).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { formatBytes } from '../../recovery/core/format-bytes.js';
import { LIFEBOAT_VERSION } from '../../recovery/core/version.js';
import { attachAt } from '../helpers/exfat-files.js';
import { useScratch } from '../helpers/loop-device.js';
import { Machine, OVMF_CODE, visible, type Firmware } from '../helpers/qemu-machine.js';
import { describeWith } from '../helpers/requirements.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ISO = path.join(ROOT, 'dist/lifeboat-live.iso');
const MiB = 1024 * 1024;

const GPT_DISK_BYTES = 48 * MiB;
const PART_START_BYTES = MiB;
const PART_BYTES = 32 * MiB;
const BLANK_DISK_BYTES = 24 * MiB;
/** Short enough for the details table's 10-character label column with its quotes. */
const LABEL = 'lbserial';

/**
 * Software emulation on two loaded cores: the first frame came 42-111 s after power-on
 * (bench/live-boot.ts). The deadline is several times that, so only a boot that never reaches the
 * menu fails here, however busy the machine.
 */
const BOOT_MS = 600_000;
/** One screen after a key: a second or two under emulation; only a key that is never answered reaches this. */
const KEY_MS = 120_000;
const TEST_MS = BOOT_MS + 600_000;

/** Keys as a vt100 serial terminal sends them. */
const DOWN = '\x1b[B';
const UP = '\x1b[A';
const ENTER = '\r';
const ESC = '\x1b';

const HOME_ITEMS = ['Capture a disk', 'Restore an image', 'Clone a disk', 'Verify an image', 'Disks', 'Open a shell', 'Reboot / Power off', 'Quit'];

const NEEDS = ['root', 'loop-devices', 'tool:qemu-system-x86_64', 'tool:sgdisk', 'tool:mkfs.ext4', 'tool:dumpe2fs'] as const;

interface Ext4Facts {
  uuid: string;
  label: string;
  sizeBytes: number;
  freeBytes: number;
}

describeWith([...NEEDS], 'the live image on the serial console', () => {
  const scratch = useScratch('each');

  for (const firmware of ['bios', 'uefi'] as Firmware[]) {
    it(
      `on ${firmware === 'bios' ? 'BIOS (SeaBIOS)' : 'UEFI (OVMF)'}: shows the disks, runs lifeboat disks --json in the menu's shell, powers off from the menu`,
      async () => {
        if (!existsSync(ISO)) throw new Error(`${ISO} is missing: npm test builds it (bash build-scripts/build-live.sh).`);
        if (firmware === 'uefi' && !existsSync(OVMF_CODE)) throw new Error(`${OVMF_CODE} is missing: apt-get install ovmf.`);
        const gptDisk = await scratch().sparseFile('gpt.img', GPT_DISK_BYTES);
        await execa('sgdisk', ['-n', `1:${PART_START_BYTES / 512}:+${PART_BYTES / MiB}M`, '-t', '1:8300', '-c', '1:serial data', gptDisk]);
        const ext4 = await makeExt4(gptDisk);
        const blankDisk = await scratch().sparseFile('blank.img', BLANK_DISK_BYTES);

        const machine = await Machine.start({ firmware, cdrom: ISO, workDir: scratch().dir, disks: [{ file: gptDisk }, { file: blankDisk }] });
        try {
          // Home, once both disks and their filesystems are read (the count loses its "reading" note).
          await machine.waitForText(/What do you want to do\?[\s\S]*2 disk\(s\) found\./, BOOT_MS);
          process.stderr.write(`serial TUI (${firmware}): home menu with both disks read ${seconds(machine)} s after power-on\n`);

          // Down four times, one key at a time, each move seen on the screen.
          for (const item of HOME_ITEMS.slice(1, 5)) await press(machine, DOWN, new RegExp(`> ${escapeRegExp(item)} `));
          const list = await press(
            machine,
            ENTER,
            new RegExp(`Lifeboat ${escapeRegExp(LIFEBOAT_VERSION)} \\| Disks[\\s\\S]*Enter: details {2}r: read again {2}Esc: back`),
          );
          expect(list).toMatch(new RegExp(`> /dev/vda +${escapeRegExp(formatBytes(GPT_DISK_BYTES))} +virtio`));
          expect(list).toMatch(new RegExp(`/dev/vdb +${escapeRegExp(formatBytes(BLANK_DISK_BYTES))} +virtio`));
          expect(list).toContain('1 partition(s)');

          // The highlighted disk's details: serial number, size in bytes, the ext4 partition's row
          // (name, size, filesystem, label, used, free).
          const details = await press(
            machine,
            ENTER,
            new RegExp(`vda1 +${escapeRegExp(formatBytes(PART_BYTES))} +ext4 +"${LABEL}" +\\S+ \\S+ +${escapeRegExp(formatBytes(ext4.freeBytes))}`),
          );
          expect(details).toContain('Serial LB-DISK-0');
          expect(details).toContain(`${formatBytes(GPT_DISK_BYTES)} (${GPT_DISK_BYTES} bytes), virtio`);
          expect(details).toContain('Partition table GPT');

          // Esc: back to the list, then back to the home menu, highlight on its first item again.
          await press(machine, ESC, /Enter: details {2}r: read again {2}Esc: back/);
          const home = await press(machine, ESC, /What do you want to do\?[\s\S]*Enter: open {2}q: quit/);
          expect(home).toMatch(/> Capture a disk /);

          // Open a shell: keys faster than the screen redraws (five Downs 0.1 s apart) all count.
          await press(machine, Array<string>(5).fill(DOWN), /> Open a shell /);
          await press(machine, ENTER, /Type exit to return to Lifeboat\./);
          // The shell computes the markers, so its echo of the command line never matches them.
          const shell = await press(
            machine,
            `lifeboat disks --json > /tmp/disks.json; echo "<<$((6*7))>>"; cat /tmp/disks.json; echo "<<$((6*8))>>"${ENTER}`,
            /<<42>>\n[\s\S]*<<48>>/,
          );
          expectDisksJson(JSON.parse(/<<42>>\n([\s\S]*?)<<48>>/.exec(shell)?.[1] ?? '') as DisksDocument, ext4);

          // exit: the TUI starts again on the serial console.
          await press(machine, `exit${ENTER}`, /What do you want to do\?[\s\S]*2 disk\(s\) found\./);

          // An arrow key cut between two reads is joined within the 50 ms hold; that is proven on a
          // fake clock (test/unit/ui/escape-holding-stdin.test.ts), not here, where a host too busy
          // to run the guest for 30 ms would split a sequence typed 20 ms apart. Down, then:
          await press(machine, DOWN, /> Restore an image /);
          // Reboot / Power off: Up and six Downs in one burst, more than QEMU's 16-byte serial FIFO
          // holds, so the line splits sequences (once read as Esc plus "[B" before the TUI held them).
          await press(machine, [UP, ...Array<string>(6).fill(DOWN)].join(''), /> Reboot \/ Power off/);
          await press(machine, ENTER, /Lifeboat unmounts what it mounted first\.[\s\S]*> Reboot/);
          await press(machine, DOWN, /> Power off/);
          machine.type(ENTER);
          await machine.waitForPowerOff(90_000);
          expect(machine.exit).toEqual({ code: 0, signal: null });
          process.stderr.write(`serial TUI (${firmware}): powered off from the menu ${seconds(machine)} s after power-on\n`);
        } finally {
          await machine.kill();
        }
      },
      TEST_MS,
    );
  }
});

/**
 * Types keys and waits for the screen they lead to; returns what the console showed since the
 * keys were typed (escape sequences removed), the whole new screen when `expected` ends it.
 */
async function press(machine: Machine, keys: string | string[], expected: RegExp, gapMs = 100): Promise<string> {
  // A lone Esc is read as the Escape key only when nothing follows it in the same read.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = machine.serial.length;
  if (typeof keys === 'string') machine.type(keys);
  else await machine.typeKeys(keys, gapMs);
  await machine.waitForText(expected, KEY_MS, before);
  return visible(machine.serial.slice(before));
}

function seconds(machine: Machine): string {
  return ((Date.now() - machine.startedMs) / 1000).toFixed(0);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** ext4 on the partition, through a loop device at its offset; dumpe2fs says what it holds. */
async function makeExt4(file: string): Promise<Ext4Facts> {
  const { device, detach } = await attachAt(file, PART_START_BYTES, PART_BYTES);
  try {
    await execa('mkfs.ext4', ['-q', '-F', '-L', LABEL, '-E', 'lazy_itable_init=0,lazy_journal_init=0', device]);
    const { stdout } = await execa('dumpe2fs', ['-h', device]);
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(stdout)?.[1]?.trim() ?? '';
    const blockBytes = Number(field('Block size'));
    return {
      uuid: field('Filesystem UUID'),
      label: field('Filesystem volume name'),
      sizeBytes: Number(field('Block count')) * blockBytes,
      freeBytes: Number(field('Free blocks')) * blockBytes,
    };
  } finally {
    await detach();
  }
}

interface DisksDocument {
  schema: string;
  disks: Array<{
    path: string;
    sizeBytes: number;
    transport: string;
    serial: string | null;
    partitions: Array<{
      number: number;
      startBytes: number;
      sizeBytes: number;
      type: string | null;
      filesystem: { type: string; label: string | null; uuid: string | null; sizeBytes: number; freeBytes: number | null } | null;
    }>;
    flags: string[];
  }>;
}

function expectDisksJson(doc: DisksDocument, ext4: Ext4Facts): void {
  expect(doc.schema).toBe('lifeboat.disks/1');
  expect(doc.disks.map((d) => d.path)).toEqual(['/dev/vda', '/dev/vdb']);
  const [gpt, blank] = doc.disks;
  expect(gpt).toMatchObject({ sizeBytes: GPT_DISK_BYTES, transport: 'virtio', serial: 'LB-DISK-0', flags: [] });
  expect(blank).toMatchObject({ sizeBytes: BLANK_DISK_BYTES, transport: 'virtio', serial: 'LB-DISK-1', partitions: [], flags: [] });
  expect(gpt?.partitions).toHaveLength(1);
  expect(gpt?.partitions[0]).toMatchObject({
    number: 1,
    startBytes: PART_START_BYTES,
    sizeBytes: PART_BYTES,
    type: '0fc63daf-8483-4772-8e79-3d69d8477de4',
    filesystem: { type: 'ext4', label: ext4.label, uuid: ext4.uuid, sizeBytes: ext4.sizeBytes, freeBytes: ext4.freeBytes },
  });
}
