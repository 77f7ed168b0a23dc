/**
 * The HFS+ volume name, which lives in the catalog B-tree rather than the volume header: the
 * first record of the first leaf node is the root folder's thread, keyed by parent id 1 and the
 * volume's name. Node 0 of the catalog file is the header node (big-endian):
 *   14 treeDepth u16   16 rootNode u32   20 leafRecords u32   24 firstLeafNode u32   32 nodeSize u16
 * A leaf node starts with a 14-byte descriptor (8 kind i8 = -1 for a leaf, 10 numRecords u16);
 * its first record's key follows: 0 keyLength u16, 2 parentID u32, 6 name length u16 (UTF-16
 * units, at most 255), 8 the name in UTF-16BE.
 * Like blkid, any inconsistency here costs only the label, never the detection.
 */
import type { ByteSource } from '../../core/byte-source.js';
import { dataView } from '../../core/bytes.js';
import { readIfPresent, utf16beLabelText } from '../detect-only-helpers.js';

const NODE_DESCRIPTOR_BYTES = 14;
/** A descriptor plus the largest catalog key (2 + 4 + 2 + 255 * 2): a smaller node cannot hold the name. */
const MIN_NODE_BYTES = NODE_DESCRIPTOR_BYTES + 518;
/** HFS+ nodes are at most 32 KiB, so a hostile node size cannot make us read more. */
const MAX_NODE_BYTES = 32 * 1024;
const LEAF_KIND = 0xff;
const ROOT_PARENT_ID = 1;
const MAX_NAME_UNITS = 255;

export interface HfsExtent {
  startBlock: number;
  blockCount: number;
}

/** The byte offset (from the volume's start) of `fileOffset` in a fork, or null when the extents do not reach it. */
function forkOffsetBytes(extents: HfsExtent[], blockSize: number, fileOffset: number): number | null {
  let block = Math.floor(fileOffset / blockSize);
  for (const extent of extents) {
    if (extent.blockCount === 0) return null;
    if (block < extent.blockCount) return (extent.startBlock + block) * blockSize + (fileOffset % blockSize);
    block -= extent.blockCount;
  }
  return null;
}

export async function catalogVolumeName(source: ByteSource, volumeAt: number, blockSize: number, extents: HfsExtent[]): Promise<string | null> {
  const headerAt = forkOffsetBytes(extents, blockSize, 0);
  if (headerAt === null) return null;
  const headerNode = await readIfPresent(source, volumeAt + headerAt, NODE_DESCRIPTOR_BYTES + 32);
  if (headerNode === null) return null;
  const header = dataView(headerNode);
  const leafRecords = header.getUint32(20, false);
  const firstLeaf = header.getUint32(24, false);
  const nodeSize = header.getUint16(32, false);
  if (leafRecords === 0 || nodeSize < MIN_NODE_BYTES || nodeSize > MAX_NODE_BYTES) return null;

  const leafAt = forkOffsetBytes(extents, blockSize, firstLeaf * nodeSize);
  if (leafAt === null) return null;
  const leaf = await readIfPresent(source, volumeAt + leafAt, nodeSize);
  if (leaf === null) return null;
  const view = dataView(leaf);
  if (leaf[8] !== LEAF_KIND || view.getUint16(10, false) === 0) return null;
  const key = NODE_DESCRIPTOR_BYTES;
  const nameUnits = view.getUint16(key + 6, false);
  if (view.getUint32(key + 2, false) !== ROOT_PARENT_ID || nameUnits > MAX_NAME_UNITS) return null;
  return utf16beLabelText(leaf.subarray(key + 8, key + 8 + nameUnits * 2));
}
