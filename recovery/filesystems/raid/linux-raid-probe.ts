/**
 * Linux software RAID member detection, in blkid's order: 0.90 and 1.0 at the end of the device
 * (0.90 wins when both are present), then 1.1 at byte 0, then 1.2 at 4 KiB. The end positions
 * depend on the partition's size, so the magics below list only the two fixed positions: a caller
 * that runs probers only where a magic matches must always run this one.
 */
import type { ByteSource } from '../../core/byte-source.js';
import type { FilesystemInfo, Prober } from '../filesystem-types.js';
import { MD_MAGIC, probeV090, probeV1, v090Offset, v10Offset } from './md-superblocks.js';

const MAGIC_BYTES = new Uint8Array(4);
new DataView(MAGIC_BYTES.buffer).setUint32(0, MD_MAGIC, true);

async function probeLinuxRaid(source: ByteSource): Promise<FilesystemInfo | null> {
  const v090At = v090Offset(source.sizeBytes);
  if (v090At !== null) {
    const found = await probeV090(source, v090At);
    if (found !== null) return found;
  }
  const v10At = v10Offset(source.sizeBytes);
  if (v10At !== null) {
    const found = await probeV1(source, v10At, '1.0');
    if (found !== null) return found;
  }
  return (await probeV1(source, 0, '1.1')) ?? (await probeV1(source, 4096, '1.2'));
}

export const linuxRaidProber: Prober = {
  type: 'linux_raid_member',
  magics: [
    { offsetBytes: 0, bytes: MAGIC_BYTES },
    { offsetBytes: 4096, bytes: MAGIC_BYTES },
  ],
  probe: probeLinuxRaid,
};
