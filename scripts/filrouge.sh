#!/usr/bin/env bash
# The main job (README "Set-up"): bring up the fil-rouge local lab on this
# machine and play its site on it. Needs root (network namespaces,
# systemd-nspawn) and Go; installs the Debian packages the lab needs. The
# lab image is built once (debootstrap from the machine's apt mirror) and
# cached under /var/cache/hactl.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "the local lab needs root (network namespaces, systemd-nspawn)" >&2
  exit 1
fi
need=(debootstrap systemd-container iproute2 zstd openssh-client libnfs-utils)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get -o DPkg::Lock::Timeout=300 update -q
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
fi

mkdir -p bin
go build -o bin/hactl ./cmd/hactl

# Seconds since boot (the wall clock of a lab machine may jump).
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

# replay NAME: play site.yml again, print its recap and fail when a task
# changed something (a configured lab has nothing left to change).
replay() {
  local out t changed
  out=$(mktemp)
  t=$(now)
  if ! bin/hactl play -i "$lab" "$lab/site.yml" >"$out" 2>&1; then
    cat "$out"; rm -f "$out"; return 1
  fi
  sed -n '/^PLAY RECAP/,$p' "$out"
  changed=$(sed -n '/^PLAY RECAP/,$ s/.* changed=\([0-9]*\) .*/\1/p' "$out" | awk '{ n += $1 } END { print n + 0 }')
  rm -f "$out"
  echo "== $1: $(since "$t"), changed=$changed"
  [[ $changed -eq 0 ]]
}

lab=labs/filrouge
start=$(now)
t=$(now)
bin/hactl lab up "$lab"
bin/hactl lab status "$lab"
echo "== lab up: $(since "$t")"
t=$(now)
bin/hactl play -i "$lab" "$lab/site.yml"
echo "== site.yml from bare hosts: $(since "$t")"
replay "site.yml again"
# The HA claims, measured: faults per scenario while a client drives the
# app through the front VIP; exits non-zero when a target is missed.
t=$(now)
bin/hactl lab verify "$lab"
echo "== lab verify: $(since "$t")"
# The scenarios leave nothing behind for the site to fix.
replay "site.yml after verify"
echo "== all: $(since "$start")"
echo
# lb_vip is <lab network>.20 (labs/filrouge/group_vars/all.yml): 10.77.0.20 here.
echo "The lab is up. The to-do app answers through the front VIP: curl http://10.77.0.20/"
echo "'bin/hactl lab ssh $lab infra01' logs in; 'bin/hactl lab down $lab' removes everything."
