#!/usr/bin/env bash
# boot-guest.sh — boots the cached root file system with systemd as PID 1 under systemd-nspawn. Run it under
# `unshare --mount --propagation private` (testing/systemd/guest.ts does): everything it mounts lives and dies
# with that private mount namespace, so a crashed test leaves no mount on the host.
#
#   boot-guest.sh ROOTFS WORKDIR REPO
#
# ROOTFS is read-only (the cache); the guest writes to WORKDIR/upper through an overlay, and dockerd's data
# is WORKDIR/docker (overlay2 cannot sit on an overlay).
set -euo pipefail
rootfs="$1" work="$2" repo="$3"

# nspawn on a cgroup-v1 host wants every controller of /proc/cgroups mounted under /sys/fs/cgroup; hosts
# (and CI runners) often leave some on v2 (hugetlb, perf_event, net_cls). Give this namespace its own full
# v1 tree: same hierarchies for the mounted controllers, new ones for the rest.
if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
  mount -t tmpfs -o mode=755 ds01-cgroup /sys/fs/cgroup
  while read -r name hier _ enabled; do
    case "$name" in \#* | net_prio) continue ;; esac
    [ "$enabled" = 1 ] || continue
    c="$name"
    [ "$name" = net_cls ] && c=net_cls,net_prio
    mkdir -p "/sys/fs/cgroup/$c"
    mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
    : "$hier"
  done </proc/cgroups
  [ -d /sys/fs/cgroup/net_cls,net_prio ] && ln -s net_cls,net_prio /sys/fs/cgroup/net_cls && ln -s net_cls,net_prio /sys/fs/cgroup/net_prio
  mkdir -p /sys/fs/cgroup/systemd /sys/fs/cgroup/unified
  mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
  mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
fi

mkdir -p "$work/upper" "$work/ovl" "$work/root" "$work/docker"
mount -t overlay ds01-guest -o "lowerdir=$rootfs,upperdir=$work/upper,workdir=$work/ovl" "$work/root"

# nspawn mounts the cgroup controllers read-only; dockerd (runc) must create cgroups for containers, so
# containerd's unit makes them writable first (the guest has all capabilities; this is a test box).
mkdir -p "$work/root/etc/systemd/system/containerd.service.d"
cat >"$work/root/etc/systemd/system/containerd.service.d/10-ds01-test-cgroup-rw.conf" <<'UNIT'
[Service]
ExecStartPre=/bin/sh -c 'mount -o remount,bind,rw /sys/fs/cgroup; for d in /sys/fs/cgroup/*/; do mount -o remount,bind,rw "$d"; done'
UNIT

# The guest gets no network of its own (host network, nothing reachable anyway). --capability=all and the
# keyring calls: dockerd and runc need them (runc joins a session keyring). Node >= 20 is the host's binary
# (Debian 12 has 18), bound read-only. The repository is read-only at /src: install.sh copies from it.
export SYSTEMD_NSPAWN_USE_CGNS=0
exec systemd-nspawn --boot --register=no --keep-unit --quiet \
  -D "$work/root" -M ds01guest \
  --capability=all --system-call-filter='@keyring bpf' \
  --bind-ro="$(readlink -f "$(command -v node)")":/usr/bin/node \
  --bind="$work/docker":/var/lib/docker \
  --bind-ro="$repo":/src
