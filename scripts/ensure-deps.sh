#!/usr/bin/env bash
# Makes a fresh Debian machine ready to run ds01's demo and tests: system packages (as root, only when
# missing), then node_modules (only when package-lock.json changed since the last install).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
# The offline test image's rootfs is one static busybox binary.
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v make >/dev/null 2>&1 || need+=(make g++)
# Tests talk to the API with curl as real users, receive sd_notify datagrams with python3, and clean up
# with pkill.
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v pkill >/dev/null 2>&1 || need+=(procps)
# SSH into containers: the real OpenSSH client (and sshd on a private port for the laptop path), scp/sftp,
# rsync; nsenter (util-linux) joins a container's network namespace for forwards.
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v rsync >/dev/null 2>&1 || need+=(rsync)
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
# The web dashboard's browser tests drive Debian's Chromium (playwright-core downloads no browser).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# The Slurm backend's integration test runs a real Slurm: controller, nodes, accounting (slurmdbd on its
# own MariaDB: QOS limits need it) and munge for their authentication.
command -v slurmctld >/dev/null 2>&1 || need+=(slurmctld slurmd slurm-client slurmdbd munge mariadb-server)
# The systemd test (testing/systemd/) builds a Debian guest with debootstrap and boots it with systemd-nspawn.
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v systemd-nspawn >/dev/null 2>&1 || need+=(systemd-container)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ds01: missing system packages: ${need[*]} (run as root, or: sudo apt-get install -y ${need[*]})" >&2
    exit 1
  fi
  echo "ds01: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

stamp=node_modules/.ds01-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "ds01: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
