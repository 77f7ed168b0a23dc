#!/usr/bin/env bash
# Installs the Debian packages the test suite uses as real components and independent oracles:
# mkfs tools and checkers, partition tools, partclone, qemu-img, valgrind, and libfuse3 for the
# failing-disk FUSE server of the --rescue tests (test/helpers/native/failing-disk.c), the zstd
# command `npm run bench` compares with, and the mingw-w64 cross compiler that builds the Windows
# helper with Wine (wine + wine64: the 64-bit loader) that runs its tests, and what builds the live
# image (GRUB's BIOS and UEFI images, cpio, depmod) and boots it in the tests (QEMU with SeaBIOS and
# OVMF). Needs root (or sudo).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  build-essential e2fsprogs dosfstools exfatprogs ntfs-3g fdisk gdisk util-linux mount \
  partclone qemu-utils valgrind mtools tmux attr \
  btrfs-progs xfsprogs cryptsetup-bin lvm2 mdadm xorriso exfat-fuse \
  fuse3 libfuse3-dev pkg-config zstd \
  mingw-w64 wine wine64 \
  qemu-system-x86 ovmf grub-pc-bin grub-efi-amd64-bin grub-common cpio kmod binutils >/dev/null
