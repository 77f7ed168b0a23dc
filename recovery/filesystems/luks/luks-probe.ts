/**
 * LUKS detection. Both versions start with "LUKS\xBA\xBE" and a big-endian u16 version at 6.
 *   LUKS1: 168 uuid[40] (text, printed by blkid as stored); no label.
 *   LUKS2 binary header (512 bytes, big-endian): 8 hdr_size u64 (binary header + JSON area, 16 KiB
 *   to 4 MiB)   24 label[48]   72 checksum_alg[32]   168 uuid[40]   208 subsystem[48]
 *   256 hdr_offset u64 (this copy's own offset)   448 csum[64] (digest of hdr_size bytes with csum zeroed).
 *   A second copy, magic "SKUL\xBA\xBE", follows at hdr_offset = hdr_size of the first (16 KiB ... 4 MiB).
 * When the primary LUKS2 header is missing or fails its checksum the secondary one answers, as
 * cryptsetup would use it; when every copy present fails, the header is damaged.
 */
import { createHash } from 'node:crypto';
import type { ByteSource } from '../../core/byte-source.js';
import { dataView, isAllZero } from '../../core/bytes.js';
import type { FilesystemInfo, Prober } from '../filesystem-types.js';
import { bytesAt, detectCorrupt, detected, labelText, readIfPresent } from '../detect-only-helpers.js';

const PRIMARY_MAGIC = Uint8Array.of(0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe);
const SECONDARY_MAGIC = Uint8Array.of(0x53, 0x4b, 0x55, 0x4c, 0xba, 0xbe);
/** Where a LUKS2 secondary header may start: one per allowed primary header size. */
export const LUKS2_SECONDARY_OFFSETS = [0x4000, 0x8000, 0x10000, 0x20000, 0x40000, 0x80000, 0x100000, 0x200000, 0x400000] as const;
const BINARY_HEADER_BYTES = 512;
const CSUM_OFFSET = 448;
const CSUM_FIELD_BYTES = 64;
/** Digests cryptsetup may name in checksum_alg, mapped to node:crypto's names. */
const DIGESTS: Record<string, { name: string; bytes: number }> = {
  sha1: { name: 'sha1', bytes: 20 },
  sha256: { name: 'sha256', bytes: 32 },
  sha512: { name: 'sha512', bytes: 64 },
};
const ADVICE = 'Restore the LUKS header from a backup (cryptsetup luksHeaderRestore), or copy the whole partition instead.';

type Checked = { info: FilesystemInfo } | { damaged: string };

function luks2Info(header: Uint8Array): FilesystemInfo {
  return detected('crypto_LUKS', {
    version: '2',
    label: labelText(header.subarray(24, 72)),
    uuid: labelText(header.subarray(168, 208)),
  });
}

/** Validates one LUKS2 header copy at `offsetBytes` whose first 512 bytes are `header`. */
async function checkLuks2(source: ByteSource, header: Uint8Array, offsetBytes: number): Promise<Checked> {
  const view = dataView(header);
  const headerBytes = Number(view.getBigUint64(8, false));
  const where = `the LUKS2 header at byte ${offsetBytes}`;
  if (!(LUKS2_SECONDARY_OFFSETS as readonly number[]).includes(headerBytes)) return { damaged: `${where} gives an impossible size (${headerBytes} bytes)` };
  const digest = DIGESTS[labelText(header.subarray(72, 104)) ?? ''];
  // An unknown digest is left unchecked: cryptsetup may know it even if Lifeboat does not.
  if (digest === undefined) return { info: luks2Info(header) };
  const area = await readIfPresent(source, offsetBytes, headerBytes);
  if (area === null) return { damaged: `${where} runs past the end of the partition` };
  const copy = area.slice();
  const stored = copy.slice(CSUM_OFFSET, CSUM_OFFSET + digest.bytes);
  if (!isAllZero(copy.subarray(CSUM_OFFSET + digest.bytes, CSUM_OFFSET + CSUM_FIELD_BYTES))) return { damaged: `${where} has a malformed checksum field` };
  copy.fill(0, CSUM_OFFSET, CSUM_OFFSET + CSUM_FIELD_BYTES);
  const computed = createHash(digest.name).update(copy).digest();
  if (!bytesAt(computed, 0, stored)) return { damaged: `${where} fails its ${digest.name} checksum` };
  return { info: luks2Info(header) };
}

async function probeLuks(source: ByteSource): Promise<FilesystemInfo | null> {
  const problems: string[] = [];
  const primary = await readIfPresent(source, 0, BINARY_HEADER_BYTES);
  if (primary === null) return null;
  const primaryView = dataView(primary);
  // LUKS2 demands hdr_offset 0 here; blkid ignores a primary header that says otherwise.
  if (bytesAt(primary, 0, PRIMARY_MAGIC) && !(primaryView.getUint16(6, false) === 2 && primaryView.getBigUint64(256, false) !== 0n)) {
    const version = primaryView.getUint16(6, false);
    if (version === 1) return detected('crypto_LUKS', { version: '1', uuid: labelText(primary.subarray(168, 208)) });
    // A future version: blkid reports its number and nothing else, and so do we.
    if (version !== 2) return detected('crypto_LUKS', { version: String(version) });
    const checked = await checkLuks2(source, primary, 0);
    if ('info' in checked) return checked.info;
    problems.push(checked.damaged);
  }
  for (const offsetBytes of LUKS2_SECONDARY_OFFSETS) {
    const header = await readIfPresent(source, offsetBytes, BINARY_HEADER_BYTES);
    if (header === null) break;
    const view = dataView(header);
    if (!bytesAt(header, 0, SECONDARY_MAGIC) || view.getUint16(6, false) !== 2 || view.getBigUint64(256, false) !== BigInt(offsetBytes)) continue;
    const checked = await checkLuks2(source, header, offsetBytes);
    if ('info' in checked) return checked.info;
    problems.push(checked.damaged);
  }
  if (problems.length === 0) return null;
  throw detectCorrupt('LUKS', `${problems.join('; ')}`, ADVICE, 0);
}

export const luksProber: Prober = {
  type: 'crypto_LUKS',
  magics: [{ offsetBytes: 0, bytes: PRIMARY_MAGIC }, ...LUKS2_SECONDARY_OFFSETS.map((offsetBytes) => ({ offsetBytes, bytes: SECONDARY_MAGIC }))],
  probe: probeLuks,
};
