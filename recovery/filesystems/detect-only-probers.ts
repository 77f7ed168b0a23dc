/**
 * The probers for formats Lifeboat recognises but does not map block by block: their partitions
 * are copied whole (or, for swap, header only).
 *
 * Order matters and follows blkid's: RAID members, then LUKS, LVM2 and BitLocker, before any
 * filesystem. A RAID1 member with 0.90 or 1.0 metadata (superblock at the end) begins with the
 * array's filesystem, and so can an LVM PV's first extent, so a filesystem prober run first would
 * claim the partition and Lifeboat would copy a fraction of a member. Callers should run these
 * first four before the ext, NTFS, FAT and exFAT probers, and every prober whatever the magics
 * say: md's end-of-device superblocks have no fixed offset to list.
 */
import { apfsProber } from './apfs/apfs-probe.js';
import { bitlockerProber } from './bitlocker/bitlocker-probe.js';
import { btrfsProber } from './btrfs/btrfs-probe.js';
import type { Prober } from './filesystem-types.js';
import { hfsplusProber } from './hfsplus/hfsplus-probe.js';
import { iso9660Prober } from './iso9660/iso9660-probe.js';
import { luksProber } from './luks/luks-probe.js';
import { lvmProber } from './lvm/lvm-probe.js';
import { linuxRaidProber } from './raid/linux-raid-probe.js';
import { swapProber } from './swap/swap-probe.js';
import { xfsProber } from './xfs/xfs-probe.js';

export const detectOnlyProbers: Prober[] = [
  linuxRaidProber,
  luksProber,
  lvmProber,
  bitlockerProber,
  btrfsProber,
  xfsProber,
  apfsProber,
  hfsplusProber,
  iso9660Prober,
  swapProber,
];
