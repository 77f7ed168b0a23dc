import { LifeboatError } from '../../core/errors.js';

/** What a person can do about a damaged FAT volume, appended to every FAT error. */
const FAT_ADVICE = 'Check it with fsck.fat (or chkdsk in Windows), or copy the whole partition instead of only its used sectors.';
const EXFAT_ADVICE = 'Check it with fsck.exfat (or chkdsk in Windows), or copy the whole partition instead of only its used sectors.';

/** A CORRUPT_FILESYSTEM error about a FAT12/16/32 volume; `what` is a sentence without its full stop. */
export function fatCorrupt(what: string, offsetBytes?: number): LifeboatError {
  return new LifeboatError('CORRUPT_FILESYSTEM', `FAT: ${what}. ${FAT_ADVICE}`, offsetBytes === undefined ? {} : { details: { offsetBytes } });
}

/** A CORRUPT_FILESYSTEM error about an exFAT volume; `what` is a sentence without its full stop. */
export function exfatCorrupt(what: string, offsetBytes?: number): LifeboatError {
  return new LifeboatError('CORRUPT_FILESYSTEM', `exFAT: ${what}. ${EXFAT_ADVICE}`, offsetBytes === undefined ? {} : { details: { offsetBytes } });
}

/** The filesystem says it is bigger than the partition or image holding it. */
export function filesystemTruncated(kind: 'FAT' | 'exFAT', fsBytes: number, sourceBytes: number): LifeboatError {
  return new LifeboatError(
    'TRUNCATED',
    `${kind}: the filesystem says it is ${fsBytes} bytes long but the partition or image holds only ${sourceBytes} bytes; it was cut short. Copy the whole partition, or recover it from a complete copy.`,
  );
}
