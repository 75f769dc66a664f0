#!/usr/bin/env bash
# Builds labs/swarm's whoami service as a static binary and packs it as a root
# filesystem tarball that `docker import` turns into an image (site.yml
# does that with docker_image source=import, CMD ["/whoami"], EXPOSE
# 8080). No base image and no outside registry are involved.
#
#   apps/whoami/build.sh [OUTPUT]   (default: apps/whoami/dist/whoami-rootfs.tar)
#
# The build is reproducible (-trimpath, no VCS stamp, fixed tar metadata):
# the output is replaced only when it differs, and the last line says
# "updated OUTPUT" or "unchanged OUTPUT".
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-apps/whoami/dist/whoami-rootfs.tar}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/tmp"
chmod 1777 "$tmp/root/tmp"
CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags='-s -w' -o "$tmp/root/whoami" ./apps/whoami
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$tmp/root" -cf "$tmp/whoami.tar" .

mkdir -p "$(dirname "$out")"
if cmp -s "$tmp/whoami.tar" "$out"; then
  echo "unchanged $out"
else
  mv "$tmp/whoami.tar" "$out"
  echo "updated $out"
fi
