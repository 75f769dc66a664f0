#!/usr/bin/env bash
# The project's test command (README "Set-up", and what CI runs).
# Installs what the tests need on a fresh Debian/Ubuntu machine, then runs
# vet, the unit tests, the integration tests against real sshd servers and
# local-lab hosts (root only), and the executor's tests under -race.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=(openssh-server openssh-client debootstrap systemd-container iproute2 zstd
           ansible-core libnfs-utils sudo ca-certificates)
missing=()
for p in "${need_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "== installing ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=300 update -q
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "== missing packages (not root, not installing): ${missing[*]}" >&2
  fi
fi

echo "== go mod download"
go mod download

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n "$unformatted" ]]; then
  echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test (race: executor)"
go test -race -count=1 -timeout 10m ./pkg/executor/...

echo "== go test"
go test -count=1 -timeout 40m -p 2 ./...
