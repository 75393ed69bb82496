#!/usr/bin/env bash
# install.sh — install a built ds01 tree on this host (run as root; safe to run again for upgrades).
#
#   npm ci && npm run build && sudo scripts/install.sh [--dry-run]
#
# What it does, in order (each step reports what it did; nothing is done twice):
#   1. checks node >= 20 and docker, and that the tree is built (dist/daemon/main.js)
#   2. copies dist/, production node_modules, package.json (+ lock), config/ and README to the prefix
#      (/opt/ds01), replacing an older install in one rename
#   3. links every `bin` entry of package.json into /usr/local/bin
#   4. installs ds01d.service, ds01d.socket and ds01.slice into /etc/systemd/system
#   5. installs /etc/ds01/resource-limits.yaml and /etc/ds01/ds01d.yaml only if absent; an edited file is never
#      overwritten (a changed shipped default is written beside it as <file>.dist)
#   6. creates /var/lib/ds01 (0700), the ds01-admin group, and /etc/profile.d/ds01.sh (login notices)
#   7. when systemd runs: daemon-reload, enable --now ds01d.socket ds01d.service (restart on upgrade)
#
# Environment (for packaging and tests; defaults in brackets):
#   DESTDIR          staging root prepended to every path written [empty]. When set, nothing outside it is
#                    touched: no group is created and systemctl is not run.
#   DS01_PREFIX      where the tree lives at run time [/opt/ds01]
#   DS01_BINDIR      where the commands are linked [/usr/local/bin]
#   DS01_UNITDIR     systemd unit directory [/etc/systemd/system]
#   DS01_CONFDIR     configuration directory [/etc/ds01]
#   DS01_STATEDIR    state directory [/var/lib/ds01]
#   DS01_PROFILEDIR  login snippets [/etc/profile.d]
#   DS01_SRC         the built source tree [the directory above this script]
#   DS01_NODE        node binary written into ExecStart [`command -v node`]
#   DS01_ADMIN_GROUP admin group to create [ds01-admin]
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: install.sh [--dry-run] [--help]
  --dry-run   print what would be done, change nothing
EOF
}

DRY_RUN=0
for arg in "$@"; do
  case "$arg" in
    --dry-run | -n) DRY_RUN=1 ;;
    --help | -h)
      usage
      exit 0
      ;;
    *)
      echo "install.sh: unknown argument: $arg" >&2
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
ADMIN_GROUP="${DS01_ADMIN_GROUP:-ds01-admin}"
SRC="${DS01_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
UNITS=(ds01d.socket ds01d.service ds01.slice)
CONFIGS=(resource-limits.yaml ds01d.yaml)

SUMMARY=()
WARNINGS=()
die() {
  echo "install.sh: error: $*" >&2
  exit 1
}
warn() {
  echo "install.sh: warning: $*" >&2
  WARNINGS+=("$*")
}
# Record a step for the summary; in dry-run mode it is phrased as what would happen.
did() {
  if [ "$DRY_RUN" = 1 ]; then
    echo "  would: $*"
  else
    echo "  $*"
  fi
  SUMMARY+=("$*")
}
# Run a command, or only show it in dry-run mode.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    echo "  [dry-run] $*"
  else
    "$@"
  fi
}

check_path() { # every configured path must be absolute, without whitespace or '..'
  case "$2" in
    /*) ;;
    *) die "$1 must be an absolute path, got '$2'" ;;
  esac
  case "$2" in
    *[[:space:]]* | *..*) die "$1 must not contain whitespace or '..', got '$2'" ;;
  esac
}
check_path DS01_PREFIX "$PREFIX"
check_path DS01_BINDIR "$BINDIR"
check_path DS01_UNITDIR "$UNITDIR"
check_path DS01_CONFDIR "$CONFDIR"
check_path DS01_STATEDIR "$STATEDIR"
check_path DS01_PROFILEDIR "$PROFILEDIR"
[ -z "$DESTDIR" ] || check_path DESTDIR "$DESTDIR"
case "$PREFIX" in
  / | /usr | /usr/local | /opt | /etc | /var | /home) die "DS01_PREFIX=$PREFIX would replace a system directory" ;;
esac

# A directory that holds a ds01 install (or nothing): we may replace it. Anything else we refuse to clobber.
is_ds01_tree() {
  [ -f "$1/package.json" ] && grep -Eq '"name"[[:space:]]*:[[:space:]]*"ds01"' "$1/package.json"
}

# --- 1. checks -----------------------------------------------------------------------------------------------
if [ "$DRY_RUN" = 1 ]; then echo "ds01 install (dry run: nothing is changed)"; else echo "ds01 install"; fi
echo "  source: $SRC"
echo "  prefix: $PREFIX${DESTDIR:+ (staged under $DESTDIR)}"

if [ "$(id -u)" -ne 0 ] && [ "$DRY_RUN" = 0 ]; then
  die "must run as root (try: sudo $0)"
fi

NODE_BIN="${DS01_NODE:-$(command -v node || true)}"
[ -n "$NODE_BIN" ] && [ -x "$NODE_BIN" ] || die "node not found; install Node.js >= 20 system-wide"
NODE_MAJOR="$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')"
[[ "$NODE_MAJOR" =~ ^[0-9]+$ ]] && [ "$NODE_MAJOR" -ge 20 ] || die "node >= 20 required, $NODE_BIN is $("$NODE_BIN" --version)"
case "$NODE_BIN" in
  /*) ;;
  *) die "DS01_NODE must be an absolute path, got '$NODE_BIN'" ;;
esac
case "$NODE_BIN" in
  /root/* | /run/user/*) warn "$NODE_BIN is hidden from ds01d by ProtectHome=tmpfs; install node under /usr" ;;
esac
if ! command -v dockerd >/dev/null 2>&1 && ! command -v docker >/dev/null 2>&1; then
  die "docker not found (need dockerd on this host; Debian: apt-get install docker.io)"
fi
# Users in Docker's socket group (the old system put every student in `docker`) are root-equivalent and
# bypass ds01 entirely. Named members and users whose primary group it is; `ds01 doctor` checks it again.
# (An empty group, as on a fresh Debian docker.io install, must not fail the pipeline under pipefail.)
DOCKER_SOCK="${DOCKER_HOST:-unix:///var/run/docker.sock}"
DOCKER_SOCK="${DOCKER_SOCK#unix://}"
if [ -S "$DOCKER_SOCK" ]; then
  sock_gid="$(stat -c %g "$DOCKER_SOCK")"
  sock_mode="$(stat -c %a "$DOCKER_SOCK")"
  if [ "$sock_gid" != 0 ] && [ $(((8#$sock_mode >> 4) & 2)) -ne 0 ]; then
    sock_group="$(getent group "$sock_gid" | cut -d: -f1)"
    members="$( (getent group "$sock_gid" | cut -d: -f4 | tr ',' '\n'
      getent passwd | awk -F: -v g="$sock_gid" '$4 == g { print $1 }') | { grep -v -e '^root$' -e '^$' || true; } | sort -u | tr '\n' ' ')"
    if [ -n "$members" ]; then
      warn "members of ${sock_group:-gid $sock_gid} can use $DOCKER_SOCK directly (root-equivalent, bypassing ds01): $members"
      warn "remove each with: gpasswd -d USER ${sock_group:-$sock_gid}   (see README: Users left in the docker group)"
    fi
  fi
fi

[ -f "$SRC/package.json" ] || die "$SRC/package.json missing; DS01_SRC must be the ds01 source tree"
[ -f "$SRC/dist/daemon/main.js" ] || die "$SRC is not built (no dist/daemon/main.js); run: npm ci && npm run build"
for unit in ds01d.service ds01d.socket; do
  [ -f "$SRC/systemd/$unit" ] || die "$SRC/systemd/$unit missing"
done

# The bin map, read from package.json (never a hard-coded list): "name<TAB>relative target" lines.
BIN_LINES="$("$NODE_BIN" -e '
  const pkg = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const bin = typeof pkg.bin === "string" ? { [pkg.name]: pkg.bin } : pkg.bin || {};
  for (const [name, target] of Object.entries(bin)) console.log(name + "\t" + target);
' "$SRC/package.json")"
[ -n "$BIN_LINES" ] || die "package.json has no bin entries"
while IFS=$'\t' read -r name target; do
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "bad bin name in package.json: '$name'"
  target="${target#./}"
  case "$target" in
    /* | *..* | *[[:space:]]*) die "bad bin target for $name: '$target'" ;;
  esac
  [ -f "$SRC/$target" ] || die "bin $name -> $target: $SRC/$target missing (is the tree built?)"
done <<<"$BIN_LINES"

# --- 2. the tree ---------------------------------------------------------------------------------------------
echo "tree:"
DEST_PREFIX="$DESTDIR$PREFIX"
if [ -e "$DEST_PREFIX" ] && ! is_ds01_tree "$DEST_PREFIX" && [ -n "$(ls -A "$DEST_PREFIX" 2>/dev/null)" ]; then
  die "$DEST_PREFIX exists and is not a ds01 install; refusing to replace it"
fi
# Shipped defaults of the install being replaced, to tell "admin edited the config" from "we changed it".
OLD_DEFAULTS=""
if [ -d "$DEST_PREFIX/config" ]; then
  OLD_DEFAULTS="$(mktemp -d)"
  cp -R "$DEST_PREFIX/config/." "$OLD_DEFAULTS/"
fi
cleanup() { [ -z "$OLD_DEFAULTS" ] || rm -rf "$OLD_DEFAULTS"; }
trap cleanup EXIT

if [ "$DRY_RUN" = 1 ]; then
  did "copy dist, node_modules (production), package.json, config to $DEST_PREFIX"
else
  mkdir -p "$(dirname "$DEST_PREFIX")"
  STAGE="$DEST_PREFIX.new.$$"
  rm -rf "$STAGE"
  mkdir -m 0755 "$STAGE"
  cp -R --preserve=mode,timestamps,links "$SRC/dist" "$STAGE/dist"
  cp --preserve=mode,timestamps "$SRC/package.json" "$STAGE/"
  for f in package-lock.json README.md LICENSE; do
    [ ! -f "$SRC/$f" ] || cp --preserve=mode,timestamps "$SRC/$f" "$STAGE/"
  done
  if [ -d "$SRC/config" ]; then cp -R --preserve=mode,timestamps "$SRC/config" "$STAGE/config"; fi
  if [ -d "$SRC/systemd" ]; then cp -R --preserve=mode,timestamps "$SRC/systemd" "$STAGE/systemd"; fi
  if [ -d "$SRC/node_modules" ]; then
    cp -R --preserve=mode,timestamps,links "$SRC/node_modules" "$STAGE/node_modules"
    # Drop devDependencies (vitest, typescript, biome …) offline: prune only deletes, it fetches nothing.
    if [ -f "$STAGE/package-lock.json" ] && command -v npm >/dev/null 2>&1; then
      if (cd "$STAGE" && npm prune --omit=dev --no-audit --no-fund --loglevel=error >/dev/null); then
        did "pruned devDependencies from node_modules"
      else
        warn "npm prune --omit=dev failed; node_modules keeps its devDependencies (works, just larger)"
      fi
    fi
  else
    warn "$SRC/node_modules missing; the daemon will not find its dependencies (run npm ci first)"
  fi
  # The commands' V8 code cache (dist/commands/bin/*.cjs.cache), made again by the node that will run them:
  # a cache from another node version is rejected at each start (the commands work, only slower).
  if [ -f "$STAGE/dist/commands/bin/code-cache.js" ]; then
    if "$NODE_BIN" "$STAGE/dist/commands/bin/code-cache.js"; then
      did "wrote the commands' code cache for node $("$NODE_BIN" --version)"
    else
      warn "could not write the commands' code cache; they start without it"
    fi
  fi
  # Code run by root must be writable by root only, whoever built it.
  chown -R 0:0 "$STAGE"
  chmod -R u+rwX,go+rX,go-w "$STAGE"
  while IFS=$'\t' read -r name target; do
    chmod 0755 "$STAGE/${target#./}"
    [ "$(head -c 2 "$STAGE/${target#./}")" = '#!' ] || warn "bin $name -> $target has no #! line; it will not run"
  done <<<"$BIN_LINES"
  # Swap in one step; the old tree stays in place until the new one is complete.
  if [ -e "$DEST_PREFIX" ]; then
    mv "$DEST_PREFIX" "$DEST_PREFIX.old.$$"
    mv "$STAGE" "$DEST_PREFIX"
    rm -rf "$DEST_PREFIX.old.$$"
    did "replaced $DEST_PREFIX"
  else
    mv "$STAGE" "$DEST_PREFIX"
    did "installed $DEST_PREFIX"
  fi
fi

# --- 3. commands ---------------------------------------------------------------------------------------------
echo "commands:"
DEST_BINDIR="$DESTDIR$BINDIR"
run mkdir -p "$DEST_BINDIR"
wanted=" "
linked=0
while IFS=$'\t' read -r name target; do
  link="$DEST_BINDIR/$name"
  want="$PREFIX/${target#./}"
  wanted+="$name "
  if [ -L "$link" ] && [ "$(readlink "$link")" = "$want" ]; then
    continue
  fi
  if [ -e "$link" ] && [ ! -L "$link" ]; then
    warn "$link exists and is not a link; left alone (ds01's $name is not on PATH)"
    continue
  fi
  run ln -sfn "$want" "$link"
  linked=$((linked + 1))
done <<<"$BIN_LINES"
did "linked $linked commands into $DEST_BINDIR ($(($(wc -l <<<"$BIN_LINES") - linked)) already in place)"
# Links into the prefix whose command no longer exists in package.json (renamed or removed on upgrade).
if [ -d "$DEST_BINDIR" ]; then
  for link in "$DEST_BINDIR"/*; do
    [ -L "$link" ] || continue
    case "$(readlink "$link")" in
      "$PREFIX"/*)
        if [[ "$wanted" != *" $(basename "$link") "* ]]; then
          run rm -f "$link"
          did "removed stale link $link"
        fi
        ;;
    esac
  done
fi

# --- 4. systemd units ----------------------------------------------------------------------------------------
echo "systemd units:"
DEST_UNITDIR="$DESTDIR$UNITDIR"
run mkdir -p "$DEST_UNITDIR"
for unit in "${UNITS[@]}"; do
  [ -f "$SRC/systemd/$unit" ] || continue
  # The units name /usr/bin/node and /opt/ds01; point them at this host's node and the chosen prefix.
  rendered="$(sed -e "s|/usr/bin/node|$NODE_BIN|g" -e "s|/opt/ds01|$PREFIX|g" "$SRC/systemd/$unit")"
  if [ -f "$DEST_UNITDIR/$unit" ] && [ "$(cat "$DEST_UNITDIR/$unit")" = "$rendered" ]; then
    did "$DEST_UNITDIR/$unit unchanged"
    continue
  fi
  if [ "$DRY_RUN" = 0 ]; then
    printf '%s\n' "$rendered" >"$DEST_UNITDIR/$unit.tmp.$$"
    chmod 0644 "$DEST_UNITDIR/$unit.tmp.$$"
    mv "$DEST_UNITDIR/$unit.tmp.$$" "$DEST_UNITDIR/$unit"
  fi
  did "installed $DEST_UNITDIR/$unit"
done

# --- 5. configuration (dpkg-conffile rules) ------------------------------------------------------------------
echo "configuration:"
DEST_CONFDIR="$DESTDIR$CONFDIR"
run mkdir -p "$DEST_CONFDIR"
run chmod 0755 "$DEST_CONFDIR"
for conf in "${CONFIGS[@]}"; do
  shipped="$SRC/config/$conf"
  target="$DEST_CONFDIR/$conf"
  if [ ! -f "$shipped" ]; then
    warn "$shipped missing in the source tree; $target not installed"
    continue
  fi
  if [ ! -e "$target" ]; then
    run install -m 0644 "$shipped" "$target"
    did "installed $target"
  elif cmp -s "$shipped" "$target"; then
    did "$target unchanged"
  elif [ -n "$OLD_DEFAULTS" ] && [ -f "$OLD_DEFAULTS/$conf" ] && cmp -s "$OLD_DEFAULTS/$conf" "$target"; then
    # Never edited by the admin (still the previous shipped default): take the new default.
    run install -m 0644 "$shipped" "$target"
    did "updated $target (it was the unedited previous default)"
  elif [ -n "$OLD_DEFAULTS" ] && [ -f "$OLD_DEFAULTS/$conf" ] && cmp -s "$OLD_DEFAULTS/$conf" "$shipped"; then
    # Edited by the admin, and the shipped default did not change: nothing to tell.
    if [ -f "$target.dist" ]; then
      did "kept $target (edited locally; $target.dist holds the shipped default)"
    else
      did "kept $target (edited locally)"
    fi
  elif [ -f "$target.dist" ] && cmp -s "$shipped" "$target.dist"; then
    did "kept $target (edited locally; new default already in $target.dist)"
  else
    run install -m 0644 "$shipped" "$target.dist"
    did "kept $target (edited locally); new shipped default written to $target.dist — compare and merge"
  fi
done

# --- 6. state, group, login snippet --------------------------------------------------------------------------
echo "host:"
DEST_STATEDIR="$DESTDIR$STATEDIR"
if [ -d "$DEST_STATEDIR" ]; then
  did "$DEST_STATEDIR exists (kept; mode set to 0700)"
else
  did "created $DEST_STATEDIR (0700)"
fi
run mkdir -p "$DEST_STATEDIR"
run chmod 0700 "$DEST_STATEDIR"
run chown 0:0 "$DEST_STATEDIR"

if [ -n "$DESTDIR" ]; then
  did "skipped group $ADMIN_GROUP (DESTDIR set: the host's groups are not touched)"
elif getent group "$ADMIN_GROUP" >/dev/null 2>&1; then
  did "group $ADMIN_GROUP exists"
else
  run groupadd --system "$ADMIN_GROUP"
  did "created group $ADMIN_GROUP (add admins with: usermod -aG $ADMIN_GROUP <user>)"
fi

DEST_PROFILEDIR="$DESTDIR$PROFILEDIR"
snippet="# ds01: show pending notices (idle and runtime warnings, finished queue entries) at login.
# Installed by ds01's install.sh, removed by uninstall.sh. Interactive shells only; never fails a login,
# and a daemon that does not answer costs at most 5 seconds.
case \$- in
  *i*)
    if [ -x $BINDIR/ds01 ]; then
      timeout --foreground 5 $BINDIR/ds01 notices --login 2>/dev/null || true
    fi
    ;;
esac"
if [ -f "$DEST_PROFILEDIR/ds01.sh" ] && [ "$(cat "$DEST_PROFILEDIR/ds01.sh")" = "$snippet" ]; then
  did "$DEST_PROFILEDIR/ds01.sh unchanged"
else
  run mkdir -p "$DEST_PROFILEDIR"
  if [ "$DRY_RUN" = 0 ]; then
    printf '%s\n' "$snippet" >"$DEST_PROFILEDIR/ds01.sh"
    chmod 0644 "$DEST_PROFILEDIR/ds01.sh"
  fi
  did "installed $DEST_PROFILEDIR/ds01.sh (login notices)"
fi

# --- 7. systemd ----------------------------------------------------------------------------------------------
echo "service:"
if [ -n "$DESTDIR" ]; then
  did "skipped systemctl (DESTDIR set)"
elif [ ! -d /run/systemd/system ]; then
  did "skipped systemctl (systemd is not running); start by hand: $NODE_BIN $PREFIX/dist/daemon/main.js"
else
  was_active="$(systemctl is-active ds01d.service 2>/dev/null || true)"
  run systemctl daemon-reload
  run systemctl enable --now ds01d.socket ds01d.service
  did "enabled and started ds01d.socket, ds01d.service"
  if [ "$was_active" = active ]; then
    # enable --now leaves a running daemon alone; restart it so it runs the code just installed.
    run systemctl restart ds01d.service
    did "restarted ds01d.service (it was running the previous version)"
  fi
fi

# --- summary -------------------------------------------------------------------------------------------------
echo
if [ "$DRY_RUN" = 1 ]; then
  echo "ds01 install: dry run, nothing changed (${#SUMMARY[@]} steps listed above)."
else
  echo "ds01 install: done (${#SUMMARY[@]} steps)."
  echo "  tree:     $DEST_PREFIX"
  echo "  commands: $DEST_BINDIR (e.g. ds01, container-deploy)"
  echo "  config:   $DEST_CONFDIR (edit resource-limits.yaml, then: systemctl reload ds01d)"
  echo "  state:    $DEST_STATEDIR"
fi
if [ "${#WARNINGS[@]}" -gt 0 ]; then
  echo "warnings:"
  for w in "${WARNINGS[@]}"; do echo "  - $w"; done
fi
