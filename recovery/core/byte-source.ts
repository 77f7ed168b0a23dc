import { LifeboatError } from './errors.js';

/**
 * What every parser reads through: a size and positional reads at any byte offset. Parsers never
 * open files, so they run the same on a disk, a partition of it, an image or a byte array in a
 * fuzz test.
 */
export interface ByteSource {
  readonly sizeBytes: number;
  /**
   * Reads exactly `lengthBytes` at `offsetBytes`. A range that leaves the source throws
   * TRUNCATED, so a parser that trusts a hostile length gets our error, not a short buffer.
   */
  readAt(offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
}

/** The largest single read a parser may ask for; metadata is read in pieces no bigger than this. */
export const MAX_READ_BYTES = 64 * 1024 * 1024;

export function checkReadRange(source: { sizeBytes: number }, offsetBytes: number, lengthBytes: number, what = 'the data'): void {
  if (!Number.isSafeInteger(offsetBytes) || !Number.isSafeInteger(lengthBytes) || offsetBytes < 0 || lengthBytes < 0) {
    throw new LifeboatError(
      'TRUNCATED',
      `Lifeboat was asked to read ${what} at an impossible position (${offsetBytes}, ${lengthBytes} bytes); the metadata pointing there is damaged.`,
      {
        details: { offsetBytes: Number.isFinite(offsetBytes) ? offsetBytes : 0 },
      },
    );
  }
  if (lengthBytes > MAX_READ_BYTES) {
    throw new LifeboatError(
      'LIMIT_EXCEEDED',
      `Metadata asked for a ${lengthBytes}-byte read of ${what}; Lifeboat reads at most ${MAX_READ_BYTES} bytes at once, so the metadata is damaged or hostile.`,
      {
        details: { offsetBytes },
      },
    );
  }
  if (offsetBytes + lengthBytes > source.sizeBytes) {
    throw new LifeboatError(
      'TRUNCATED',
      `${capitalize(what)} at byte ${offsetBytes} (${lengthBytes} bytes) lies past the end (${source.sizeBytes} bytes): the disk or image is truncated or its metadata is damaged.`,
      {
        details: { offsetBytes },
      },
    );
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A byte array as a source: for tests, fuzzing and metadata already in memory. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    sizeBytes: bytes.length,
    readAt(offsetBytes, lengthBytes) {
      checkReadRange(this, offsetBytes, lengthBytes);
      return Promise.resolve(bytes.subarray(offsetBytes, offsetBytes + lengthBytes));
    },
  };
}

/** A window of another source, such as one partition of a disk. */
export function sliceSource(source: ByteSource, startBytes: number, sizeBytes: number): ByteSource {
  checkReadRange(source, startBytes, 0, 'a partition');
  const clamped = Math.max(0, Math.min(sizeBytes, source.sizeBytes - startBytes));
  return {
    sizeBytes: clamped,
    readAt(offsetBytes, lengthBytes) {
      checkReadRange(this, offsetBytes, lengthBytes);
      return source.readAt(startBytes + offsetBytes, lengthBytes);
    },
  };
}

/** The part of a Disk a ByteSource needs: reads that must be whole logical sectors. */
export interface SectorReader {
  readonly sizeBytes: number;
  readonly logicalSectorSize: number;
  readAt(offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
}

/**
 * Turns a sector-aligned reader (a Disk) into a ByteSource: each read is widened to whole
 * sectors and the requested bytes are cut out. Parsers ask for 2-byte fields and 4 KiB blocks
 * alike; block devices opened with O_DIRECT-like rules accept only whole sectors.
 */
export function sectorSource(reader: SectorReader): ByteSource {
  const sector = reader.logicalSectorSize;
  return {
    sizeBytes: reader.sizeBytes,
    async readAt(offsetBytes, lengthBytes) {
      checkReadRange(this, offsetBytes, lengthBytes);
      if (lengthBytes === 0) return new Uint8Array(0);
      const first = Math.floor(offsetBytes / sector) * sector;
      const end = Math.min(reader.sizeBytes, Math.ceil((offsetBytes + lengthBytes) / sector) * sector);
      const bytes = await reader.readAt(first, end - first);
      return bytes.subarray(offsetBytes - first, offsetBytes - first + lengthBytes);
    },
  };
}
