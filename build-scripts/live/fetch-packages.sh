#!/usr/bin/env bash
# Downloads the Debian packages the live image is made from into DEBS_DIR, and extracts them all
# into PKGROOT. Only Debian's archive is used (apt-get download), so the image is reproducible from
# the same Debian point release. The kernel is whatever linux-image-amd64 points at today.
# Usage: fetch-packages.sh PACKAGES_TXT DEBS_DIR PKGROOT
set -euo pipefail
list=$1 debs=$2 pkgroot=$3

mapfile -t wanted < <(grep -v '^\s*#' "$list" | grep -v '^\s*$')
kernel=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
if [[ -z $kernel ]]; then
  echo "build-live: apt-cache does not know linux-image-amd64; run 'apt-get update' first." >&2
  exit 1
fi

# The libraries the wanted programs need come from their dependency closure. Maintainer-script
# tooling (perl, python, debconf, adduser) is never needed in a root without dpkg, so only the
# wanted packages themselves and lib* packages are taken.
mapfile -t closure < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances "${wanted[@]}" | grep -v '^[ <]' | sort -u)
declare -A take=()
for p in "${wanted[@]}"; do take[$p]=1; done
for p in "${closure[@]}"; do
  [[ $p =~ ^lib && ! $p =~ ^lib(perl|python) ]] && take[$p]=1
done
take[$kernel]=1

mkdir -p "$debs" "$pkgroot"
missing=()
for p in "${!take[@]}"; do
  compgen -G "$debs/${p}_*.deb" >/dev/null || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "build-live: downloading ${#missing[@]} Debian packages"
  # apt drops privileges to _apt for downloads; the directory must be writable by it.
  chmod 0777 "$debs"
  (cd "$debs" && apt-get download -qq "${missing[@]}")
fi
for deb in "$debs"/*.deb; do
  name=$(dpkg-deb -f "$deb" Package)
  [[ -n ${take[$name]:-} ]] && dpkg-deb -x "$deb" "$pkgroot"
done
echo "$kernel" | sed 's/^linux-image-//' > "$pkgroot/.kernel-version"
