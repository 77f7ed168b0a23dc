/**
 * Human names for the partition types a technician meets most. Keys are MBR type bytes as
 * "0x83" and GPT type GUIDs in lower case, as the helper reports them.
 */
const NAMES: Record<string, string> = {
  '0x01': 'FAT12',
  '0x04': 'FAT16 <32M',
  '0x05': 'Extended',
  '0x06': 'FAT16',
  '0x07': 'NTFS/exFAT',
  '0x0b': 'FAT32',
  '0x0c': 'FAT32 (LBA)',
  '0x0e': 'FAT16 (LBA)',
  '0x0f': 'Extended (LBA)',
  '0x27': 'Windows recovery',
  '0x82': 'Linux swap',
  '0x83': 'Linux',
  '0x85': 'Linux extended',
  '0x8e': 'Linux LVM',
  '0xee': 'GPT protective',
  '0xef': 'EFI system',
  '0xfd': 'Linux RAID',
  'c12a7328-f81f-11d2-ba4b-00a0c93ec93b': 'EFI system',
  'e3c9e316-0b5c-4db8-817d-f92df00215ae': 'Microsoft reserved',
  'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7': 'Basic data',
  'de94bba4-06d1-4d40-a16a-bfd50179d6ac': 'Windows recovery',
  '21686148-6449-6e6f-744e-656564454649': 'BIOS boot',
  '0fc63daf-8483-4772-8e79-3d69d8477de4': 'Linux filesystem',
  '4f68bce3-e8cd-4db1-96e7-fbcaf984b709': 'Linux root (x86-64)',
  '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f': 'Linux swap',
  'e6d6d379-f507-44c2-a23c-238f2a3df928': 'Linux LVM',
  'a19d880f-05fc-4d3b-a006-743f0f84911e': 'Linux RAID',
  'bc13c2ff-59e6-4262-a352-b275fd6f7172': 'Linux extended boot',
  '933ac7e1-2eb4-4f13-b844-0e14e2aef915': 'Linux /home',
  '48465300-0000-11aa-aa11-00306543ecac': 'Apple HFS+',
  '7c3457ef-0000-11aa-aa11-00306543ecac': 'Apple APFS',
};

export function partitionTypeName(type: string | null): string {
  if (type === null) return '';
  let key = type.toLowerCase();
  // blkid and udev write MBR types without padding ("0x5"); our table pads to two digits.
  if (/^0x[0-9a-f]$/.test(key)) key = `0x0${key.slice(2)}`;
  return NAMES[key] ?? key;
}
