#!/usr/bin/env bash
# Builds the live root filesystem in ROOTFS from the extracted Debian packages (PKGROOT), the
# definitions in boot/linux/ and our single binary. Nothing comes from the build machine's own
# installation except depmod, readelf and cp.
# Usage: assemble-rootfs.sh PKGROOT ROOTFS LIFEBOAT_BINARY [ELF...]
# The ELF files after the binary are what it unpacks at run time (the helper, the Node addons):
# their libraries must be in the image too, though they are not copied themselves.
set -euo pipefail
pkgroot=$1 rootfs=$2 binary=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
defs=$here/../../boot/linux
kver=$(cat "$pkgroot/.kernel-version")
libdirs=(lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu lib64 lib usr/lib)

rm -rf "$rootfs"
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,lib/x86_64-linux-gnu,lib64,etc,dev,proc,sys,run,tmp,root,mnt,var/log}
chmod 1777 "$rootfs/tmp"

# A path inside PKGROOT with its symlinks resolved inside PKGROOT (Debian's links are absolute).
resolve_in_pkgroot() {
  local p=$1 hops=0
  while [[ -L $pkgroot$p ]]; do
    local t
    t=$(readlink "$pkgroot$p")
    [[ $t == /* ]] && p=$t || p=$(dirname "$p")/$t
    ((++hops > 40)) && { echo "build-live: symlink loop at $1" >&2; exit 1; }
  done
  [[ -e $pkgroot$p ]] || { echo "build-live: $1 is not in the downloaded packages (boot/linux/programs.txt)." >&2; exit 1; }
  printf '%s\n' "$p"
}

declare -A copied_libs=()
copy_libs_of() {
  local file=$1 lib
  for lib in $(readelf -d "$file" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    [[ -n ${copied_libs[$lib]:-} ]] && continue
    local found=
    for d in "${libdirs[@]}"; do
      if [[ -e $pkgroot/$d/$lib ]]; then found=$(resolve_in_pkgroot "/$d/$lib"); break; fi
    done
    [[ -n $found ]] || { echo "build-live: no Debian package in boot/linux/packages.txt provides $lib (needed by ${file##*/})." >&2; exit 1; }
    copied_libs[$lib]=1
    cp "$pkgroot$found" "$rootfs/lib/x86_64-linux-gnu/$lib"
    copy_libs_of "$pkgroot$found"
  done
}

# busybox first: its applets fill every name no real program takes.
cp "$(resolve_in_pkgroot /bin/busybox | sed "s#^#$pkgroot#")" "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list-full); do
  [[ -e $rootfs/$applet ]] || ln -s /bin/busybox "$rootfs/$applet"
done

while read -r prog; do
  [[ -z $prog || $prog == \#* ]] && continue
  real=$(resolve_in_pkgroot "$prog")
  mkdir -p "$rootfs$(dirname "$prog")"
  rm -f "$rootfs$prog"
  cp "$pkgroot$real" "$rootfs$prog"
  copy_libs_of "$pkgroot$real"
done < "$defs/programs.txt"
# kmod answers to the name it is called by; the kernel asks /sbin/modprobe for modules.
for name in modprobe insmod rmmod lsmod modinfo depmod; do
  rm -f "$rootfs/sbin/$name"; ln -s /bin/kmod "$rootfs/sbin/$name"
done
for name in mount.ntfs mount.ntfs-3g; do ln -sf /bin/ntfs-3g "$rootfs/sbin/$name"; done
ln -sf /usr/sbin/fsck.exfat "$rootfs/sbin/fsck.exfat"
ln -sf /usr/sbin/mkfs.exfat "$rootfs/sbin/mkfs.exfat"
cp "$(resolve_in_pkgroot /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 | sed "s#^#$pkgroot#")" "$rootfs/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
ln -sf /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$rootfs/lib64/ld-linux-x86-64.so.2"

# Lifeboat itself: the single binary, and the libraries Node links against.
cp "$binary" "$rootfs/usr/bin/lifeboat"
chmod 0755 "$rootfs/usr/bin/lifeboat"
copy_libs_of "$binary"
for unpacked in "$@"; do copy_libs_of "$unpacked"; done

# Kernel modules: the listed ones and everything they depend on.
moddir=lib/modules/$kver
[[ -e $pkgroot/$moddir/modules.dep ]] || depmod -b "$pkgroot" "$kver"
declare -A module_file=()
while IFS=: read -r path _; do
  base=${path##*/}; base=${base%.ko}; module_file[${base//-/_}]=$path
done < "$pkgroot/$moddir/modules.dep"
declare -A want=()
add_module() {
  local name=${1//-/_}
  [[ -n ${want[$name]:-} ]] && return
  local path=${module_file[$name]:-}
  if [[ -z $path ]]; then
    grep -q "/${1}.ko$\|/${name}.ko$" "$pkgroot/$moddir/modules.builtin" && return
    echo "build-live: the kernel $kver has no module $1 (boot/linux/modules.txt)." >&2; exit 1
  fi
  want[$name]=$path
  local dep
  for dep in $(grep "^$path:" "$pkgroot/$moddir/modules.dep" | cut -d: -f2); do
    dep=${dep##*/}; add_module "${dep%.ko}"
  done
}
while read -r m; do [[ -z $m || $m == \#* ]] || add_module "$m"; done < "$defs/modules.txt"
mkdir -p "$rootfs/$moddir"
for name in "${!want[@]}"; do
  mkdir -p "$rootfs/$moddir/$(dirname "${want[$name]}")"
  cp "$pkgroot/$moddir/${want[$name]}" "$rootfs/$moddir/${want[$name]}"
done
cp "$pkgroot/$moddir"/modules.{order,builtin,builtin.modinfo} "$rootfs/$moddir/"
depmod -b "$rootfs" "$kver"
echo "$kver" > "$rootfs/etc/lifeboat-kernel"

# Our init, inittab, console and job scripts.
cp -a "$defs/rootfs/." "$rootfs/"
echo "${#want[@]} modules, ${#copied_libs[@]} libraries"
