import { LifeboatError } from '../core/errors.js';

/**
 * Checks that an I/O request is whole sectors inside the disk. Block devices opened for direct
 * access reject anything else, and a request that is not aligned is always a bug upstream, so it
 * is caught here with a sentence that names the numbers.
 */
export function checkRange(disk: { path: string; sizeBytes: number; logicalSectorSize: number }, offsetBytes: number, lengthBytes: number): void {
  const sector = disk.logicalSectorSize;
  if (!Number.isSafeInteger(offsetBytes) || !Number.isSafeInteger(lengthBytes) || offsetBytes < 0 || lengthBytes < 0) {
    throw new LifeboatError('OUT_OF_RANGE', `Invalid I/O range (offset ${offsetBytes}, length ${lengthBytes}) on ${disk.path}.`, {
      details: { device: disk.path },
    });
  }
  if (offsetBytes % sector !== 0 || lengthBytes % sector !== 0) {
    throw new LifeboatError(
      'UNALIGNED_IO',
      `I/O on ${disk.path} at byte ${offsetBytes} for ${lengthBytes} bytes is not aligned to its ${sector}-byte sectors.`,
      { details: { device: disk.path, offsetBytes } },
    );
  }
  if (offsetBytes + lengthBytes > disk.sizeBytes) {
    throw new LifeboatError(
      'OUT_OF_RANGE',
      `I/O on ${disk.path} at byte ${offsetBytes} for ${lengthBytes} bytes goes past its end (${disk.sizeBytes} bytes).`,
      { details: { device: disk.path, offsetBytes } },
    );
  }
}
