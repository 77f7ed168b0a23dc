#!/usr/bin/env bash
# Makes the hybrid image: an ISO 9660 filesystem that boots as a CD (El Torito, BIOS and UEFI) and,
# written raw to a USB stick, as a disk (GRUB's hybrid MBR code for BIOS, an EFI system partition
# for UEFI). Layout: MBR partition 1 = the ISO filesystem, partition 2 = the EFI partition,
# slots 3 and 4 free (`lifeboat media write` adds the exFAT data partition there). No GPT.
# GRUB's images and modules come from Debian's grub-pc-bin and grub-efi-amd64-bin.
# Usage: make-iso.sh ISO_TREE KERNEL INITRD OUTPUT
set -euo pipefail
tree=$1 kernel=$2 initrd=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
defs=$here/../../boot/linux
grub_bios=/usr/lib/grub/i386-pc
grub_efi=/usr/lib/grub/x86_64-efi
for need in "$grub_bios/boot_hybrid.img:grub-pc-bin" "$grub_efi/linux.mod:grub-efi-amd64-bin" \
            "$(command -v xorriso || echo /nonexistent):xorriso" "$(command -v mcopy || echo /nonexistent):mtools" \
            "$(command -v mkfs.fat || echo /nonexistent):dosfstools"; do
  [[ -e ${need%%:*} ]] || { echo "build-live: the Debian package ${need##*:} is missing (apt-get install ${need##*:})." >&2; exit 1; }
done

rm -rf "$tree"; mkdir -p "$tree/boot/grub" "$tree/EFI/BOOT"
cp "$kernel" "$tree/boot/vmlinuz"
cp "$initrd" "$tree/boot/initrd.img"
cp "$defs/grub.cfg" "$tree/boot/grub/grub.cfg"
echo "Lifeboat live medium" > "$tree/lifeboat.live"

# Everything GRUB needs is built into its core images, so no module directory is read at boot.
modules="normal configfile linux search search_fs_file search_label iso9660 part_msdos part_gpt fat
         echo test sleep serial terminal all_video gfxterm boot minicmd"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
grub-mkimage -O i386-pc-eltorito -p /boot/grub -c "$defs/grub-early.cfg" -o "$tree/boot/grub/bios.img" \
  $modules biosdisk
grub-mkimage -O x86_64-efi -p /boot/grub -c "$defs/grub-early.cfg" -o "$work/BOOTX64.EFI" \
  $modules efi_gop efi_uga
cp "$work/BOOTX64.EFI" "$tree/EFI/BOOT/BOOTX64.EFI"
# The EFI partition image: FAT with \EFI\BOOT\BOOTX64.EFI, the path firmware boots removable media from.
efi_kib=$(( ($(stat -c %s "$work/BOOTX64.EFI") / 1024) + 512 ))
mkfs.fat -C -n LIFEBOATEFI "$work/efi.img" "$efi_kib" >/dev/null
mmd -i "$work/efi.img" ::/EFI ::/EFI/BOOT
mcopy -i "$work/efi.img" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI

rm -f "$out"
xorriso -as mkisofs -quiet -iso-level 3 -R -J -V LIFEBOAT_LIVE \
  -b boot/grub/bios.img -no-emul-boot -boot-load-size 4 -boot-info-table --grub2-boot-info \
  --grub2-mbr "$grub_bios/boot_hybrid.img" -partition_offset 16 \
  -append_partition 2 0xef "$work/efi.img" \
  -eltorito-alt-boot -e --interval:appended_partition_2:all:: -no-emul-boot \
  -o "$out" "$tree"
