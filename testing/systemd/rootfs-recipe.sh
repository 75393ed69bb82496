#!/usr/bin/env bash
# rootfs-recipe.sh — builds the minimal Debian root file system the systemd test boots (systemd as PID 1,
# dockerd, the tools install.sh and the test use). Its sha256 is the cache key (testing/systemd/rootfs.sh),
# so any edit here rebuilds the tree once; keep it minimal, CI's first build counts against `npm test`.
#
#   rootfs-recipe.sh TARGET_DIR
#
# Node is not installed here: Debian 12 ships Node 18 and ds01 needs >= 20, so the test binds the host's
# node binary read-only into the booted container (testing/systemd/boot.ts).
set -euo pipefail
target="$1"
mirror="${DS01_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# systemd-sysv: /sbin/init. dbus: systemctl/journalctl talk to PID 1 through it for reload/status.
# docker.io: dockerd + containerd + runc inside the guest. bsdutils: `script` (a pty for the warning test).
# passwd/login: useradd, login shells. procps: pgrep in the test. ca-certificates is not needed (offline).
pkgs=systemd,systemd-sysv,dbus,docker.io,passwd,login,bsdutils,procps,iproute2,kmod,busybox-static
debootstrap --variant=minbase --include="$pkgs" bookworm "$target" "$mirror"
# The guest boots offline and fast: no getty on the console, nothing pulled at boot, no apt timers.
chroot "$target" systemctl mask console-getty.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
  systemd-timesyncd.service e2scrub_reap.service >/dev/null 2>&1 || true
# Like the harness's private dockerd: no bridge, no iptables (the guest has no network to give), and the
# stub nvidia hook on PATH so DeviceRequests with driver "nvidia" are accepted.
mkdir -p "$target/etc/docker"
printf '{"bridge":"none","iptables":false,"ip6tables":false}\n' >"$target/etc/docker/daemon.json"
cat >"$target/usr/local/bin/nvidia-container-runtime-hook" <<'HOOK'
#!/bin/sh
# ds01 test stub: accept every prestart (no GPU in the guest; the fake nvidia-smi describes one).
cat >/dev/null
exit 0
HOOK
chmod 0755 "$target/usr/local/bin/nvidia-container-runtime-hook"
rm -rf "$target/var/cache/apt/archives/"*.deb "$target/var/lib/apt/lists/"*
echo ds01-systemd-test >"$target/etc/hostname"
