/**
 * Who owns a byte range of a filesystem: which files (by path) or which of the filesystem's own
 * structures. A --rescue capture uses it to say what its unreadable sectors have cost. Like the
 * used-block mappers, owner mappers are pure: they read through a ByteSource and never open files.
 */
import { extByteOwners } from './ext/ext-byte-owners.js';
import type { FilesystemType } from './filesystem-types.js';
import { ntfsByteOwners } from './ntfs/ntfs-byte-owners.js';
import type { ByteOwnerMapper } from './owner-queries.js';

export { MAX_OWNERS_PER_RANGE, type ByteOwner, type ByteOwnerMapper, type OwnerQuery } from './owner-queries.js';

/** The owner mapper of a filesystem type, or null when Lifeboat cannot name its files. */
export function ownerMapperFor(type: FilesystemType): ByteOwnerMapper | null {
  if (type === 'ext2' || type === 'ext3' || type === 'ext4') return extByteOwners;
  if (type === 'ntfs') return ntfsByteOwners;
  return null;
}
