/**
 * Linux swap detection. The signature is the last 10 bytes of the first page, so its offset
 * depends on the page size of the machine that ran mkswap: "SWAPSPACE2" (version 1) or the
 * ancient "SWAP-SPACE" (version 0, no label or UUID) at page size - 10, for 4, 8, 16, 32 and
 * 64 KiB pages. The version-1 header starts at byte 1024:
 *   0 version u32 (1, in the writer's byte order)   4 last_page u32   8 nr_badpages u32
 *   12 uuid[16]   28 label[16]   44 padding[117 u32]
 * blkid trusts the UUID and label only when padding words 32 and 33 are zero, and ignores the
 * signature when TuxOnIce's magic sits at byte 0 (a hibernation image, not swap).
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView } from '../../core/bytes.js';
import { LifeboatError } from '../../core/errors.js';
import { magic, type FilesystemInfo, type Prober } from '../filesystem-types.js';
import { bytesAt, detected, exactProduct, labelText, readIfPresent, uuidOrNull } from '../detect-only-helpers.js';

export const SWAP_PAGE_SIZES = [4096, 8192, 16384, 32768, 65536] as const;
const SIGNATURE_BYTES = 10;
const V1 = magic('SWAPSPACE2');
const V0 = magic('SWAP-SPACE');
const TUXONICE = Uint8Array.of(0xed, 0xc3, 0x02, 0xe9, 0x98, 0x56, 0xe5, 0x0c);
const HEADER_OFFSET = 1024;
const HEADER_BYTES = 44 + 117 * 4;
/** mkswap refuses fewer than 10 pages, and blkid does not look for swap in anything smaller. */
const MIN_SWAP_BYTES = 10 * 4096;

async function probeSwap(source: ByteSource): Promise<FilesystemInfo | null> {
  if (source.sizeBytes < MIN_SWAP_BYTES) return null;
  const first = await readIfPresent(source, 0, TUXONICE.length);
  if (first === null || bytesAt(first, 0, TUXONICE)) return null;
  for (const pageSize of SWAP_PAGE_SIZES) {
    const signature = await readIfPresent(source, pageSize - SIGNATURE_BYTES, SIGNATURE_BYTES);
    if (signature === null) return null;
    if (bytesAt(signature, 0, V0)) return detected('swap', { version: '0', sizeBytes: null, blockSizeBytes: pageSize });
    if (bytesAt(signature, 0, V1)) return swapV1(source, pageSize);
  }
  return null;
}

async function swapV1(source: ByteSource, pageSize: number): Promise<FilesystemInfo | null> {
  const header = await readIfPresent(source, HEADER_OFFSET, HEADER_BYTES);
  if (header === null) return null;
  const view = dataView(header);
  // The header is in the byte order of the machine that wrote it; version 1 tells which.
  const littleEndian = view.getUint32(0, true) === 1;
  if (!littleEndian && view.getUint32(0, false) !== 1) return null;
  const lastPage = view.getUint32(4, littleEndian);
  if (lastPage === 0) return null;
  const trusted = view.getUint32(44 + 32 * 4, true) === 0 && view.getUint32(44 + 33 * 4, true) === 0;
  return detected('swap', {
    version: '1',
    label: trusted ? labelText(header.subarray(28, 44)) : null,
    uuid: trusted ? uuidOrNull(header, 12) : null,
    // Pages 0 (the header) through last_page make up the swap area.
    sizeBytes: exactProduct(lastPage + 1, pageSize, 'swap', 'the swap area size'),
    blockSizeBytes: pageSize,
  });
}

export const swapProber: Prober = {
  type: 'swap',
  magics: SWAP_PAGE_SIZES.flatMap((pageSize) => [
    { offsetBytes: pageSize - SIGNATURE_BYTES, bytes: V1 },
    { offsetBytes: pageSize - SIGNATURE_BYTES, bytes: V0 },
  ]),
  probe: probeSwap,
};

/**
 * The bytes that hold the swap header: its first page (the page size is the signature's
 * position + 10, kept in blockSizeBytes). Everything after it is scratch space the kernel
 * rewrites on use, so copying only this page is enough to restore a working swap area.
 */
export function swapHeaderSizeBytes(info: FilesystemInfo): number {
  if (info.type !== 'swap' || info.blockSizeBytes === null || !(SWAP_PAGE_SIZES as readonly number[]).includes(info.blockSizeBytes)) {
    throw new LifeboatError(
      'INTERNAL',
      `Lifeboat asked for the swap header size of a ${info.type} partition (block size ${String(info.blockSizeBytes)}); only swap areas have one. Report this with --debug output.`,
    );
  }
  return info.blockSizeBytes;
}
