#!/usr/bin/env bash
# Builds dist/lifeboat-live.iso, the Linux live rescue image, from Debian's packages and our single
# binary (dist/lifeboat-linux-x64, made first when missing). Needs root-free tools only: apt-get
# download, dpkg-deb, depmod, readelf, cpio, zstd, grub-mkimage, xorriso, mtools. Downloaded
# packages are kept in build/live/debs, so a rebuild needs no network. See docs/live-image.md.
set -euo pipefail
cd "$(dirname "$0")/.."
work=build/live
out=dist/lifeboat-live.iso
binary=dist/lifeboat-linux-x64

# --if-possible (npm test): on a machine without the build tools, say so and succeed; the boot
# tests then skip with the same reason. CI has them (install-test-deps.sh) and must build.
if_possible=0
[[ ${1:-} == --if-possible && ${CI:-} != true ]] && if_possible=1
export PATH=$PWD/node_modules/.bin:$PATH:/usr/sbin:/sbin   # the project's Node 22 first
for tool in apt-get apt-cache dpkg-deb depmod readelf cpio zstd grub-mkimage xorriso mcopy mkfs.fat; do
  command -v "$tool" >/dev/null && continue
  echo "build-live: $tool is missing, so $out was not built; build-scripts/install-test-deps.sh installs everything the build needs." >&2
  ((if_possible)) && exit 0
  exit 1
done
[[ -e /usr/lib/grub/i386-pc/boot_hybrid.img && -e /usr/lib/grub/x86_64-efi/linux.mod ]] || {
  echo "build-live: GRUB's BIOS and UEFI images are missing (apt-get install grub-pc-bin grub-efi-amd64-bin), so $out was not built." >&2
  ((if_possible)) && exit 0
  exit 1
}
if [[ ! -x $binary || ${LIFEBOAT_REBUILD_BINARY:-0} == 1 ]]; then
  echo "build-live: building $binary first"
  node build-scripts/binary/build-binary.mjs --target linux-x64
fi

started=$(date +%s)
mkdir -p "$work" dist
bash build-scripts/live/fetch-packages.sh boot/linux/packages.txt "$work/debs" "$work/pkgroot"
# What the binary unpacks and loads at run time (build-scripts/binary/targets.mjs, linux-x64).
bash build-scripts/live/assemble-rootfs.sh "$work/pkgroot" "$work/rootfs" "$binary" \
  native/build/lifeboat-helper node_modules/zstd-napi/build/Release/binding.node \
  node_modules/@node-rs/crc32-linux-x64-gnu/crc32.linux-x64-gnu.node
kver=$(cat "$work/pkgroot/.kernel-version")

# zstd: the fastest initramfs format for the kernel to unpack, which is most of the boot time.
(cd "$work/rootfs" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet --owner=0:0) \
  | zstd -q -10 -T0 > "$work/initrd.img"
bash build-scripts/live/make-iso.sh "$work/iso" "$work/pkgroot/boot/vmlinuz-$kver" "$work/initrd.img" "$out"
echo "build-live: $out ($(( $(stat -c %s "$out") / 1048576 )) MiB, kernel $kver) in $(( $(date +%s) - started )) s"
