/**
 * BitLocker detection, from the volume header that replaces the boot sector (libbde's
 * documentation of the BDE format; blkid reads the same fields):
 *   Vista: EB 52 90 "-FVE-FS-" at 0. Nothing more is read.
 *   Windows 7 and later: EB 58 90 "-FVE-FS-"; 67 volume serial u32; 176 FVE metadata offset u64.
 *   BitLocker To Go: EB 58 90 "MSWIN4.1" (a FAT boot sector); 440 FVE metadata offset u64.
 * The FVE metadata block must start with "-FVE-FS-"; its u16 at 10 is blkid's VERSION. blkid's
 * UUID is the Windows 7 header's volume serial printed as a signed decimal in 16 places (so a
 * zero serial, the usual case, gives no UUID). To Go shares its first bytes with FAT32, which is
 * why the FAT and NTFS probers should ask isBitLocker() first, as blkid's do.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView } from '../../core/bytes.js';
import { magic, type FilesystemInfo, type Prober } from '../filesystem-types.js';
import { bytesAt, detected, readIfPresent } from '../detect-only-helpers.js';

const FVE = magic('-FVE-FS-');
const VISTA = Uint8Array.of(0xeb, 0x52, 0x90, ...FVE);
const WIN7 = Uint8Array.of(0xeb, 0x58, 0x90, ...FVE);
const TO_GO = Uint8Array.of(0xeb, 0x58, 0x90, ...magic('MSWIN4.1'));
const HEADER_BYTES = 512;

type Header = { kind: 'vista' } | { kind: 'win7' | 'to-go'; header: Uint8Array; fveVersion: number };

async function readHeaders(source: ByteSource): Promise<Header | null> {
  const header = await readIfPresent(source, 0, HEADER_BYTES);
  if (header === null) return null;
  if (bytesAt(header, 0, VISTA)) return { kind: 'vista' };
  const kind = bytesAt(header, 0, WIN7) ? 'win7' : bytesAt(header, 0, TO_GO) ? 'to-go' : null;
  if (kind === null) return null;
  const metadataOffset = dataView(header).getBigUint64(kind === 'win7' ? 176 : 440, true);
  if (metadataOffset === 0n || metadataOffset > BigInt(source.sizeBytes)) return null;
  const fve = await readIfPresent(source, Number(metadataOffset), 12);
  if (fve === null || !bytesAt(fve, 0, FVE)) return null;
  return { kind, header, fveVersion: dataView(fve).getUint16(10, true) };
}

/** True when the partition is BitLocker-encrypted (what FAT and NTFS probers must rule out first). */
export async function isBitLocker(source: ByteSource): Promise<boolean> {
  return (await readHeaders(source)) !== null;
}

/** blkid's "%016d" of the serial read as a signed 32-bit number; null when it is zero. */
function serialUuid(header: Uint8Array): string | null {
  const serial = dataView(header).getInt32(67, true);
  if (serial === 0) return null;
  const digits = String(Math.abs(serial));
  return serial < 0 ? `-${digits.padStart(15, '0')}` : digits.padStart(16, '0');
}

async function probeBitLocker(source: ByteSource): Promise<FilesystemInfo | null> {
  const found = await readHeaders(source);
  if (found === null) return null;
  if (found.kind === 'vista') return detected('BitLocker', {});
  return detected('BitLocker', {
    version: String(found.fveVersion),
    uuid: found.kind === 'win7' ? serialUuid(found.header) : null,
  });
}

export const bitlockerProber: Prober = {
  type: 'BitLocker',
  magics: [
    { offsetBytes: 0, bytes: VISTA },
    { offsetBytes: 0, bytes: WIN7 },
    { offsetBytes: 0, bytes: TO_GO },
  ],
  probe: probeBitLocker,
};
