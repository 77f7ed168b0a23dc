import { describe, expect, it } from 'vitest';
import type { InspectedDisk } from '../../../recovery/disks/inspect-disks.js';
import type { HelperDisk } from '../../../recovery/helper/protocol.js';
import { drive, expectFitsConsole, fixtureDisks, KEY, testBackend } from './harness.js';

const GiB = 2 ** 30;

/** The laptop fixture as inspectDisks would fill it: filesystems with used and free space. */
function inspectedLaptop(): InspectedDisk[] {
  return fixtureDisks('laptop-sata-nvme').map((disk) => ({
    ...disk,
    filesystem: null,
    inspectProblem: null,
    partitionTableWarnings: disk.name === 'sda' ? ['The primary GPT is damaged; the backup copy at the end of the disk was used.'] : [],
    partitions: disk.partitions.map((part) => ({
      ...part,
      filesystemProblem: null,
      filesystem:
        part.name === 'nvme0n1p2'
          ? {
              type: 'ext4' as const,
              version: '1.0',
              label: 'root',
              uuid: null,
              sizeBytes: 100 * GiB,
              blockSizeBytes: 4096,
              usedBytes: 40 * GiB,
              freeBytes: 60 * GiB,
              dirty: true,
              dirtyReason: 'needs journal recovery',
            }
          : part.name === 'nvme0n1p1'
            ? {
                type: 'vfat' as const,
                version: 'FAT32',
                label: 'ESP',
                uuid: null,
                sizeBytes: 512 * 2 ** 20,
                blockSizeBytes: 4096,
                usedBytes: 32 * 2 ** 20,
                freeBytes: 480 * 2 ** 20,
                dirty: false,
                dirtyReason: null,
              }
            : null,
    })),
  }));
}

describe('the Disks screen', () => {
  it('lists every disk with its flags, and shows the helper list at once while filesystems are read', async () => {
    let finish: (disks: InspectedDisk[]) => void = () => undefined;
    const load = (_options: unknown, onListed?: (disks: HelperDisk[]) => void) => {
      onListed?.(fixtureDisks('laptop-sata-nvme'));
      return new Promise<InspectedDisk[]>((resolve) => (finish = resolve));
    };
    const app = drive({ backend: { ...testBackend(() => []), loadDisks: load }, initialRoute: 'disks' });
    const early = await app.waitFor('/dev/nvme0n1');
    expect(early).toContain('Reading partition tables and filesystems...');
    expect(early).toMatch(/\/dev\/nvme0n1 +931\.5 GiB +nvme .*system, mounted/);
    expect(early).toMatch(/\/dev\/loop0 .*mounted, read-only/);
    expectFitsConsole(early);
    finish(inspectedLaptop());
    await app.waitFor((f) => !f.includes('Reading partition tables'));
    app.unmount();
  });

  it('shows one disk in detail: identity, geometry, flags, partitions with filesystems, used and free space', async () => {
    const app = drive({ backend: testBackend(inspectedLaptop), initialRoute: 'disks' });
    await app.waitFor('/dev/nvme0n1');
    await app.press('2', KEY.enter);
    const detail = await app.waitFor('FLAGS, MOUNTS');
    expect(detail).toContain('/dev/nvme0n1  Samsung SSD 970 EVO Plus 1TB');
    expect(detail).toMatch(/Serial \S+/);
    expect(detail).toContain('931.5 GiB (1000204886016 bytes), nvme, solid state');
    expect(detail).toContain('512-byte sectors (512 physical)');
    expect(detail).toContain('Partition table GPT; flags: system, mounted');
    expect(detail).toMatch(/nvme0n1p1 +512\.0 MiB +FAT32 +"ESP" +32\.0 MiB +480\.0 MiB +\/boot\/efi/);
    expect(detail).toMatch(/nvme0n1p2 +915\.0 GiB +ext4 +"root" +40\.0 GiB +60\.0 GiB +dirty \//);
    expectFitsConsole(detail);
    await app.press(KEY.escape);
    await app.waitFor('Enter: details');
    await app.press('3', KEY.enter);
    const sda = await app.waitFor('FLAGS, MOUNTS');
    expect(sda).toContain('The primary GPT is damaged; the backup copy at the end of the disk was used.');
    await app.press(KEY.escape);
    await app.waitFor('Enter: details');
    await app.press(KEY.escape);
    await app.waitFor('What do you want to do?');
    app.unmount();
  });
});
