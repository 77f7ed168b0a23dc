import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../recovery/core/byte-source.js';
import { LifeboatError } from '../../../recovery/core/errors.js';
import { DATA_LABEL, MIN_DATA_PARTITION_BYTES, planMedium } from '../../../recovery/media/medium-plan.js';
import { hybridImage } from './memory-disks.js';

const SECTOR = 512;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function image(bytes: Uint8Array) {
  return { path: '/images/live.iso', sizeBytes: bytes.length, source: bufferSource(bytes) };
}

const target = (sizeBytes: number, logicalSectorSize = SECTOR) => ({ path: '/dev/sdz', sizeBytes, logicalSectorSize });

async function refusal(run: () => Promise<unknown>): Promise<LifeboatError> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LifeboatError);
  return error as LifeboatError;
}

describe('planning a media write', () => {
  it("adds the data partition in slot 3 from the next MiB boundary to the end, and keeps the image's two partitions", async () => {
    const bytes = hybridImage();
    const plan = await planMedium(image(bytes), target(128 * MiB), { dataPartition: true });
    expect(plan.imageTable.partitions.map((p) => [p.number, p.type])).toEqual([
      [1, '0x83'],
      [2, '0xef'],
    ]);
    expect(plan.dataPartition).toEqual({
      number: 3,
      startBytes: 4 * MiB,
      sizeBytes: 124 * MiB,
      typeByte: 7,
      filesystem: 'exfat',
      label: DATA_LABEL,
      capped: false,
    });
    expect(plan.requiredBytes).toBe(4 * MiB + MIN_DATA_PARTITION_BYTES);
    expect(Buffer.from(plan.firstSector.subarray(0, 446 + 32)).equals(Buffer.from(bytes.subarray(0, 446 + 32)))).toBe(true);
    expect(plan.warnings).toEqual([]);
  });

  it("without a data partition writes the image's own sector 0 and needs only the image's size", async () => {
    const bytes = hybridImage();
    const plan = await planMedium(image(bytes), target(bytes.length), { dataPartition: false });
    expect(plan.dataPartition).toBeNull();
    expect(plan.requiredBytes).toBe(bytes.length);
    expect(Buffer.from(plan.firstSector).equals(Buffer.from(bytes.subarray(0, SECTOR)))).toBe(true);
  });

  it('refuses a target too small for the image and a 64 MiB data partition, saying by how much and what else to do', async () => {
    const error = await refusal(() => planMedium(image(hybridImage()), target(60 * MiB), { dataPartition: true }));
    expect(error.code).toBe('OUT_OF_RANGE');
    expect(error.message).toContain(`${4 * MiB + MIN_DATA_PARTITION_BYTES - 60 * MiB} bytes) too small`);
    expect(error.message).toContain('--no-data-partition');
    const bare = await refusal(() => planMedium(image(hybridImage()), target(3 * MiB), { dataPartition: false }));
    expect(bare.code).toBe('OUT_OF_RANGE');
  });

  it('says the image cannot take a data partition before it says the target is too small', async () => {
    const error = await refusal(() => planMedium(image(hybridImage({ gpt: true })), target(8 * MiB), { dataPartition: true }));
    expect(error.code).toBe('MEDIA_NO_FREE_SLOT');
    // The same image is fine without one.
    await expect(planMedium(image(hybridImage({ gpt: true })), target(8 * MiB), { dataPartition: false })).resolves.toBeTruthy();
  });

  it('refuses an image that is not whole sectors, and a target whose sectors are not 512 bytes', async () => {
    expect((await refusal(() => planMedium(image(new Uint8Array(1000)), target(GiB), { dataPartition: true }))).code).toBe('MEDIA_IMAGE_INVALID');
    const error = await refusal(() => planMedium(image(hybridImage()), target(128 * MiB, 4096), { dataPartition: true }));
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toContain('4096-byte sectors');
  });

  it('warns when the data partition is capped at the MBR limit of a disk larger than 2 TiB', async () => {
    const plan = await planMedium(image(hybridImage()), target(3 * 1024 * GiB), { dataPartition: true });
    expect(plan.dataPartition?.capped).toBe(true);
    expect((plan.dataPartition?.startBytes ?? 0) + (plan.dataPartition?.sizeBytes ?? 0)).toBe(2 * 1024 * GiB);
    expect(plan.warnings.join(' ')).toContain('2 TiB');
  });
});
