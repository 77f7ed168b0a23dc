/**
 * LVM2 physical volume detection. pvcreate writes a 512-byte label into one of the first four
 * sectors (the second, by default), little-endian:
 *   0 "LABELONE"   8 sector_xl u64 (the sector it sits in)   16 crc_xl u32 (bytes 20..511)
 *   20 offset_xl u32 (where the PV header starts, from the label; 32)   24 type "LVM2 001"
 * and the PV header at offset_xl: 0 uuid[32] (text, printed 6-4-4-4-4-4-6 with dashes)
 * 32 device_size u64 (bytes). The CRC is LVM's own: CRC-32's table with the initial value
 * 0xf597a6cf and no final inversion.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView, u64 } from '../../core/bytes.js';
import { ascii, magic, type FilesystemInfo, type Prober } from '../filesystem-types.js';
import { bytesAt, detectCorrupt, detected, hex32, readIfPresent } from '../detect-only-helpers.js';

const LABEL_ID = magic('LABELONE');
const LVM2_TYPE = magic('LVM2 001');
const SECTOR_BYTES = 512;
const LABEL_SECTORS = 4;
const CRC_INITIAL = 0xf597a6cf;
const UUID_CHARS = 32;
/** Dashes go before these characters of the 32-character PV UUID. */
const UUID_DASHES = new Set([6, 10, 14, 18, 22, 26]);

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    table[i] = crc >>> 0;
  }
  return table;
})();

export function lvmLabelCrc(bytes: Uint8Array): number {
  let crc = CRC_INITIAL;
  for (const byte of bytes) crc = (CRC32_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return crc >>> 0;
}

function pvUuid(raw: Uint8Array): string {
  let text = '';
  for (let i = 0; i < UUID_CHARS; i++) text += (UUID_DASHES.has(i) ? '-' : '') + ascii(raw.subarray(i, i + 1));
  return text;
}

async function probeLvm(source: ByteSource): Promise<FilesystemInfo | null> {
  for (let sector = 0; sector < LABEL_SECTORS; sector++) {
    const label = await readIfPresent(source, sector * SECTOR_BYTES, SECTOR_BYTES);
    if (label === null) return null;
    if (!bytesAt(label, 0, LABEL_ID) || !bytesAt(label, 24, LVM2_TYPE)) continue;
    const view = dataView(label);
    const where = `the LVM2 label in sector ${sector}`;
    const advice = 'Restore the PV label with "pvcreate --restorefile" and "vgcfgrestore", or copy the whole partition instead.';
    // blkid ignores a label that names another sector or fails its CRC; both mean a damaged label here.
    if (view.getBigUint64(8, true) !== BigInt(sector))
      throw detectCorrupt('LVM2', `${where} says it belongs in sector ${view.getBigUint64(8, true)}`, advice, sector * SECTOR_BYTES);
    const stored = view.getUint32(16, true);
    const computed = lvmLabelCrc(label.subarray(20));
    if (stored !== computed)
      throw detectCorrupt('LVM2', `${where} fails its checksum (stored ${hex32(stored)}, computed ${hex32(computed)})`, advice, sector * SECTOR_BYTES);
    const headerAt = view.getUint32(20, true);
    // The PV header must fit in the label sector; pvcreate puts it right after the 32-byte label header.
    if (headerAt < 32 || headerAt + UUID_CHARS + 8 > SECTOR_BYTES)
      throw detectCorrupt('LVM2', `${where} puts the PV header at impossible offset ${headerAt}`, advice, sector * SECTOR_BYTES);
    return detected('LVM2_member', {
      version: ascii(LVM2_TYPE),
      uuid: pvUuid(label.subarray(headerAt, headerAt + UUID_CHARS)),
      sizeBytes: u64(view, headerAt + UUID_CHARS, 'the LVM2 PV device size') || null,
    });
  }
  return null;
}

export const lvmProber: Prober = {
  type: 'LVM2_member',
  magics: Array.from({ length: LABEL_SECTORS }, (_, sector) => ({ offsetBytes: sector * SECTOR_BYTES + 24, bytes: LVM2_TYPE })),
  probe: probeLvm,
};
