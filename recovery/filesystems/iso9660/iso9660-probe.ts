/**
 * ISO9660 detection. Volume descriptors are 2048-byte sectors from byte 32768; the list ends at
 * type 255 and blkid reads at most 16. Fields of the primary (type 1) and Joliet supplementary
 * (type 2 with escape sequence "%/@", "%/C" or "%/E" at 88) descriptors:
 *   1 "CD001"   40 volume_id[32] (label)   80 volume space size u32 LE (blocks)
 *   128 logical block size u16 LE   813 creation date[17]   830 modification date[17]
 * The High Sierra predecessor has "CDROM" at 32768 + 9 and its volume id at 32768 + 48.
 * VERSION is "Joliet Extension" when a Joliet descriptor exists, as blkid prints it.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView } from '../../core/bytes.js';
import { magic, type FilesystemInfo, type Prober } from '../filesystem-types.js';
import { bytesAt, detected, exactProduct, labelText, readIfPresent } from '../detect-only-helpers.js';
import { dateUuid, isoLabel } from './iso9660-text.js';

const FIRST_DESCRIPTOR = 32768;
const SECTOR_BYTES = 2048;
/** blkid looks at no more than 16 descriptors, so a list with no terminator costs 32 KiB at most. */
const MAX_DESCRIPTORS = 16;
const CD001 = magic('CD001');
const CDROM = magic('CDROM');
const JOLIET_ESCAPES = ['%/@', '%/C', '%/E'].map(magic);
const TYPE_PRIMARY = 1;
const TYPE_SUPPLEMENTARY = 2;
const TYPE_END = 255;

async function findDescriptors(source: ByteSource): Promise<{ pvd: Uint8Array | null; joliet: Uint8Array | null }> {
  let pvd: Uint8Array | null = null;
  let joliet: Uint8Array | null = null;
  for (let i = 0; i < MAX_DESCRIPTORS && (pvd === null || joliet === null); i++) {
    const descriptor = await readIfPresent(source, FIRST_DESCRIPTOR + i * SECTOR_BYTES, SECTOR_BYTES);
    if (descriptor === null || descriptor[0] === TYPE_END) break;
    if (pvd === null && descriptor[0] === TYPE_PRIMARY) pvd = descriptor;
    else if (joliet === null && descriptor[0] === TYPE_SUPPLEMENTARY && JOLIET_ESCAPES.some((sequence) => bytesAt(descriptor, 88, sequence)))
      joliet = descriptor;
  }
  return { pvd, joliet };
}

async function probeIso9660(source: ByteSource): Promise<FilesystemInfo | null> {
  const first = await readIfPresent(source, FIRST_DESCRIPTOR, SECTOR_BYTES);
  if (first === null) return null;
  if (bytesAt(first, 9, CDROM)) {
    return detected('iso9660', { version: 'High Sierra', label: labelText(first.subarray(48, 80)), blockSizeBytes: SECTOR_BYTES });
  }
  if (!bytesAt(first, 1, CD001)) return null;

  const { pvd, joliet } = await findDescriptors(source);
  if (pvd === null) return null;
  const view = dataView(pvd);
  const blockSize = view.getUint16(128, true);
  const modified = dateUuid(pvd.subarray(830, 847));
  const uuid = modified === 'unset' ? dateUuid(pvd.subarray(813, 830)) : modified;
  return detected('iso9660', {
    version: joliet === null ? null : 'Joliet Extension',
    label: isoLabel(pvd.subarray(40, 72), joliet === null ? null : joliet.subarray(40, 72)),
    uuid: uuid === 'unset' ? null : uuid,
    sizeBytes: blockSize === 0 ? null : exactProduct(view.getUint32(80, true), blockSize, 'ISO9660', 'the volume size'),
    blockSizeBytes: blockSize === 0 ? SECTOR_BYTES : blockSize,
  });
}

export const iso9660Prober: Prober = {
  type: 'iso9660',
  magics: [
    { offsetBytes: FIRST_DESCRIPTOR + 1, bytes: CD001 },
    { offsetBytes: FIRST_DESCRIPTOR + 9, bytes: CDROM },
  ],
  probe: probeIso9660,
};
