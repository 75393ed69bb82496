#!/usr/bin/env bash
# uninstall.sh — remove what scripts/install.sh placed (run as root).
#
#   sudo scripts/uninstall.sh [--dry-run] [--purge]
#
# Removes: the ds01d units (stopped and disabled first), the command links in /usr/local/bin that point into
# the prefix, the tree (/opt/ds01) and /etc/profile.d/ds01.sh.
# Keeps, unless --purge: /var/lib/ds01 (the database: containers, allocations, audit events, usage history)
# and /etc/ds01 (the admin's policy). Never removed: the ds01-admin group, unit drop-ins the admin wrote
# (/etc/systemd/system/ds01d.service.d/ …; removed with --purge), and users' workspaces and containers
# (list them first: `ds01 container list --all`; the daemon does not remove containers when it stops).
#
# Environment: the same DESTDIR and DS01_* variables as install.sh (see there), so a test can remove a
# staged install. With DESTDIR set, systemctl is not run.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: uninstall.sh [--dry-run] [--purge] [--help]
  --dry-run   print what would be done, change nothing
  --purge     also delete /var/lib/ds01 (state) and /etc/ds01 (configuration)
EOF
}

DRY_RUN=0
PURGE=0
for arg in "$@"; do
  case "$arg" in
    --dry-run | -n) DRY_RUN=1 ;;
    --purge) PURGE=1 ;;
    --help | -h)
      usage
      exit 0
      ;;
    *)
      echo "uninstall.sh: unknown argument: $arg" >&2
      usage >&2
      exit 2
      ;;
  esac
done

DESTDIR="${DESTDIR:-}"
DESTDIR="${DESTDIR%/}"
PREFIX="${DS01_PREFIX:-/opt/ds01}"
BINDIR="${DS01_BINDIR:-/usr/local/bin}"
UNITDIR="${DS01_UNITDIR:-/etc/systemd/system}"
CONFDIR="${DS01_CONFDIR:-/etc/ds01}"
STATEDIR="${DS01_STATEDIR:-/var/lib/ds01}"
PROFILEDIR="${DS01_PROFILEDIR:-/etc/profile.d}"
UNITS=(ds01d.service ds01d.socket ds01.slice)

SUMMARY=()
KEPT=()
die() {
  echo "uninstall.sh: error: $*" >&2
  exit 1
}
did() {
  if [ "$DRY_RUN" = 1 ]; then
    echo "  would: $*"
  else
    echo "  $*"
  fi
  SUMMARY+=("$*")
}
run() {
  if [ "$DRY_RUN" = 1 ]; then
    echo "  [dry-run] $*"
  else
    "$@"
  fi
}
check_path() {
  case "$2" in
    /*) ;;
    *) die "$1 must be an absolute path, got '$2'" ;;
  esac
  case "$2" in
    *[[:space:]]* | *..*) die "$1 must not contain whitespace or '..', got '$2'" ;;
  esac
}
for v in PREFIX BINDIR UNITDIR CONFDIR STATEDIR PROFILEDIR; do check_path "DS01_$v" "${!v}"; done
[ -z "$DESTDIR" ] || check_path DESTDIR "$DESTDIR"
case "$PREFIX" in
  / | /usr | /usr/local | /opt | /etc | /var | /home) die "DS01_PREFIX=$PREFIX is a system directory" ;;
esac
for d in "$STATEDIR" "$CONFDIR"; do
  case "$d" in / | /etc | /var | /var/lib | /usr | /home) die "refusing to manage system directory $d" ;; esac
done

if [ "$(id -u)" -ne 0 ] && [ "$DRY_RUN" = 0 ]; then
  die "must run as root (try: sudo $0)"
fi
if [ "$DRY_RUN" = 1 ]; then echo "ds01 uninstall (dry run: nothing is changed)"; else echo "ds01 uninstall"; fi

# --- service -------------------------------------------------------------------------------------------------
echo "service:"
if [ -n "$DESTDIR" ]; then
  did "skipped systemctl (DESTDIR set)"
elif [ ! -d /run/systemd/system ]; then
  did "skipped systemctl (systemd is not running)"
else
  # Stop the service before the socket, or a connection in between would start it again.
  run systemctl disable --now ds01d.service ds01d.socket || true
  did "stopped and disabled ds01d.service, ds01d.socket (user containers keep running)"
fi

# --- commands ------------------------------------------------------------------------------------------------
echo "commands:"
DEST_BINDIR="$DESTDIR$BINDIR"
removed=0
if [ -d "$DEST_BINDIR" ]; then
  for link in "$DEST_BINDIR"/*; do
    [ -L "$link" ] || continue
    case "$(readlink "$link")" in
      "$PREFIX"/*)
        run rm -f "$link"
        removed=$((removed + 1))
        ;;
    esac
  done
fi
did "removed $removed command links from $DEST_BINDIR"

# --- units ---------------------------------------------------------------------------------------------------
echo "systemd units:"
DEST_UNITDIR="$DESTDIR$UNITDIR"
for unit in "${UNITS[@]}"; do
  if [ -e "$DEST_UNITDIR/$unit" ]; then
    run rm -f "$DEST_UNITDIR/$unit"
    did "removed $DEST_UNITDIR/$unit"
  fi
  if [ -d "$DEST_UNITDIR/$unit.d" ]; then
    if [ "$PURGE" = 1 ]; then
      run rm -rf "$DEST_UNITDIR/$unit.d"
      did "removed drop-ins $DEST_UNITDIR/$unit.d"
    else
      KEPT+=("$DEST_UNITDIR/$unit.d (your drop-ins)")
    fi
  fi
done
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
  run systemctl daemon-reload
  did "systemctl daemon-reload"
fi

# --- tree and login snippet ----------------------------------------------------------------------------------
echo "tree:"
DEST_PREFIX="$DESTDIR$PREFIX"
if [ -e "$DEST_PREFIX" ]; then
  # Only ever delete something that is recognisably a ds01 install.
  if [ -f "$DEST_PREFIX/package.json" ] && grep -Eq '"name"[[:space:]]*:[[:space:]]*"ds01"' "$DEST_PREFIX/package.json"; then
    run rm -rf "$DEST_PREFIX"
    did "removed $DEST_PREFIX"
  else
    die "$DEST_PREFIX does not look like a ds01 install (no package.json named ds01); not removing it"
  fi
else
  did "$DEST_PREFIX already absent"
fi
DEST_PROFILE="$DESTDIR$PROFILEDIR/ds01.sh"
if [ -e "$DEST_PROFILE" ]; then
  run rm -f "$DEST_PROFILE"
  did "removed $DEST_PROFILE"
fi

# --- state and configuration ---------------------------------------------------------------------------------
echo "state and configuration:"
for dir in "$DESTDIR$STATEDIR" "$DESTDIR$CONFDIR"; do
  [ -e "$dir" ] || continue
  if [ "$PURGE" = 1 ]; then
    run rm -rf "$dir"
    did "purged $dir"
  else
    KEPT+=("$dir")
  fi
done

# --- summary -------------------------------------------------------------------------------------------------
echo
if [ "$DRY_RUN" = 1 ]; then
  echo "ds01 uninstall: dry run, nothing changed (${#SUMMARY[@]} steps listed above)."
else
  echo "ds01 uninstall: done (${#SUMMARY[@]} steps)."
fi
if [ "${#KEPT[@]}" -gt 0 ]; then
  echo "kept (remove with --purge, or by hand):"
  for k in "${KEPT[@]}"; do echo "  - $k"; done
fi
echo "not touched: the ds01-admin group, users' workspaces, and the containers ds01 created (they carry ds01.* labels)."
