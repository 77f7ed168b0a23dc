/**
 * Debian's partclone as an oracle: `partclone.<tool> -c` images a filesystem into a file, and the
 * image's header and bitmap (FORMATS.md "partclone image v2") say which blocks partclone copies.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { BlockRangesBuilder, type BlockRanges } from '../../recovery/core/block-ranges.js';

/** What partclone put in the header and bitmap of an image it made. */
export interface PartcloneImage {
  blockSizeBytes: number;
  totalBlocks: number;
  /** The filesystem's own used count (total - free, from its superblock or equivalent). */
  usedBySuperblock: number;
  /** Bits set in partclone's bitmap. */
  usedByBitmap: number;
  /** The blocks partclone's bitmap marks used. */
  used: BlockRanges;
  /** Everything partclone printed (stdout and stderr as they came), then its log file. */
  output: string;
}

/** partclone declined to image the filesystem (it exited non-zero). */
export interface PartcloneRefusal {
  /** Everything partclone printed (stdout and stderr as they came), then its log file. */
  refusal: string;
  /** Its stderr alone. */
  stderr: string;
}

/** The partclone tools the tests use: partclone.extfs, partclone.fat, partclone.exfat, ... */
export type PartcloneTool = 'extfs' | 'fat' | 'exfat' | 'ntfs';

const HEADER_BYTES = 110;
const MAGIC = 'partclone-image';
const IMAGE_VERSION = '0002';

/** The header fields and bitmap of a partclone v2 image, as bytes read from its file. */
export function parsePartcloneImage(bytes: Uint8Array): Omit<PartcloneImage, 'output'> {
  const text = (at: number, length: number) => Buffer.from(bytes.subarray(at, at + length)).toString('latin1');
  if (bytes.length < HEADER_BYTES || text(0, 15) !== MAGIC) throw new Error('partclone wrote no image header');
  if (text(30, 4) !== IMAGE_VERSION) throw new Error(`partclone image version ${JSON.stringify(text(30, 4))}, expected ${IMAGE_VERSION}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const totalBlocks = Number(view.getBigUint64(60, true));
  const bitmapBytes = Math.ceil(totalBlocks / 8);
  if (bytes.length < HEADER_BYTES + bitmapBytes) throw new Error(`partclone image ends inside its ${bitmapBytes}-byte bitmap`);
  const builder = new BlockRangesBuilder(totalBlocks);
  builder.addBitmap(bytes.subarray(HEADER_BYTES, HEADER_BYTES + bitmapBytes), 0, totalBlocks);
  return {
    blockSizeBytes: view.getUint32(84, true),
    totalBlocks,
    usedBySuperblock: Number(view.getBigUint64(68, true)),
    usedByBitmap: Number(view.getBigUint64(76, true)),
    used: builder.build(),
  };
}

/**
 * Runs `partclone.<tool> -c -s <source>` into a file in `workDir` and reads the image's header and
 * bitmap, or returns what partclone said when it refuses. The image file is removed afterwards; the
 * log (`partclone.log`, overwritten by each run) stays in `workDir`.
 */
export async function runPartclone(tool: PartcloneTool, source: string, options: { workDir: string }): Promise<PartcloneImage | PartcloneRefusal> {
  const out = path.join(options.workDir, `partclone-${path.basename(source)}.pc`);
  const log = path.join(options.workDir, 'partclone.log');
  try {
    const run = await execa(`partclone.${tool}`, ['-c', '-s', source, '-o', out, '-L', log], { reject: false, all: true });
    const output = `${run.all ?? ''}\n${await readFile(log, 'utf8').catch(() => '')}`;
    if (run.exitCode !== 0) return { refusal: output, stderr: run.stderr ?? '' };
    return { ...parsePartcloneImage(await readFile(out)), output };
  } finally {
    await rm(out, { force: true });
  }
}
