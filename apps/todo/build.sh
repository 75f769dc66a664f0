#!/usr/bin/env bash
# Builds the to-do app as a static binary and packs it as a root filesystem
# tarball that `docker import` turns into an image (the app role does that
# with docker_image source=import, CMD ["/todo"], EXPOSE 8080). No base
# image and no registry are involved.
#
#   apps/todo/build.sh [OUTPUT]    (default: apps/todo/dist/todo-rootfs.tar)
#
# The build is reproducible (-trimpath, no VCS stamp, fixed tar metadata),
# so the same sources give the same bytes: the output is replaced only when
# it differs, and the last line says "updated OUTPUT" or "unchanged OUTPUT".
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-apps/todo/dist/todo-rootfs.tar}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/tmp"
chmod 1777 "$tmp/root/tmp"
CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags='-s -w' -o "$tmp/root/todo" ./apps/todo/cmd/todo
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$tmp/root" -cf "$tmp/todo.tar" .

mkdir -p "$(dirname "$out")"
if cmp -s "$tmp/todo.tar" "$out"; then
  echo "unchanged $out"
else
  mv "$tmp/todo.tar" "$out"
  echo "updated $out"
fi
