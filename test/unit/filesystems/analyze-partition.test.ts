import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../recovery/core/byte-source.js';
import { analyzePartition } from '../../../recovery/filesystems/analyze-partition.js';
import { probeFilesystem } from '../../../recovery/filesystems/filesystem-registry.js';

const HOSTILE = path.resolve(import.meta.dirname, '../../fixtures/hostile');
const MiB = 1024 * 1024;

function base(area: string, name: string): Uint8Array {
  return new Uint8Array(gunzipSync(readFileSync(path.join(HOSTILE, area, `${name}.img.gz`))));
}

/** A minimal version-1 swap header (mkswap's layout) for a 4 KiB page. */
function swapArea(sizeBytes: number): Uint8Array {
  const bytes = new Uint8Array(sizeBytes);
  const view = new DataView(bytes.buffer);
  view.setUint32(1024, 1, true); // version
  view.setUint32(1028, sizeBytes / 4096 - 1, true); // last page
  bytes.set(new TextEncoder().encode('SWAPSPACE2'), 4096 - 10);
  return bytes;
}

describe('what a capture copies of a partition', () => {
  it('copies only the used blocks of a filesystem it can map', async () => {
    const analysis = await analyzePartition(bufferSource(base('ext', 'base-ext4')));
    expect(analysis.coverage).toBe('filesystem');
    expect(analysis.reason).toBeNull();
    // dumpe2fs of this base: 71 used 1 KiB blocks of 1024 (test/fixtures/hostile/ext/README.md).
    expect(analysis.map.used.totalBlocks).toBe(71);
    expect(analysis.map.blockSizeBytes).toBe(1024);
  });

  it('copies only the header page of swap', async () => {
    const analysis = await analyzePartition(bufferSource(swapArea(MiB)));
    expect(analysis.info?.type).toBe('swap');
    expect(analysis.coverage).toBe('header');
    expect(analysis.map.used.toJSON()).toEqual([[0, 1]]);
    expect(analysis.map.blockSizeBytes * analysis.map.used.totalBlocks).toBe(4096);
  });

  it('copies a partition it does not recognise whole, and says so', async () => {
    const analysis = await analyzePartition(bufferSource(new Uint8Array(MiB).fill(0x5a)));
    expect(analysis.info).toBeNull();
    expect(analysis.coverage).toBe('whole');
    expect(analysis.map.used.totalBlocks * analysis.map.blockSizeBytes).toBe(MiB);
    expect(analysis.reason).toMatch(/no filesystem Lifeboat knows/);
  });

  it('copies a filesystem whose allocation data is damaged whole, naming the damage', async () => {
    const bytes = base('ext', 'base-ext4');
    // Point group 0's block bitmap (64-bit descriptors start at block 2 with 1 KiB blocks) far outside the filesystem.
    new DataView(bytes.buffer).setUint32(2048, 0x00ffffff, true);
    const analysis = await analyzePartition(bufferSource(bytes));
    expect(analysis.info?.type).toBe('ext4');
    expect(analysis.coverage).toBe('whole');
    expect(analysis.reason).toMatch(/^This partition is copied whole: its ext4 allocation data is damaged/);
  });

  it('refuses to guess between two filesystem signatures and copies the partition whole', async () => {
    const fat = base('fat', 'fat32-base');
    const ext = base('ext', 'base-ext4');
    // An ext4 superblock left in FAT32's reserved sectors, as after a reformat that did not wipe.
    fat.set(ext.subarray(1024, 2048), 1024);
    await expect(probeFilesystem(bufferSource(fat))).rejects.toMatchObject({ code: 'CORRUPT_FILESYSTEM', message: expect.stringMatching(/ext4 and vfat/) });
    const analysis = await analyzePartition(bufferSource(fat));
    expect(analysis.coverage).toBe('whole');
    expect(analysis.reason).toMatch(/cannot tell which one is real/);
  });
});
