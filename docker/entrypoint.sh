#!/bin/sh
# Cairn's container entrypoint: runs `node dist/cli.js ARGS` (from the image's
# WORKDIR, /app) as an unprivileged user.
#
# - Started as root (the image's default): runs Cairn as PUID:PGID when set
#   (the convention of NAS container images; PGID defaults to PUID), else as
#   the image's own cairn user, 10001:10001. Root is kept only long enough to
#   check the data directory and drop to that uid/gid with setpriv
#   (util-linux, in every Debian image).
# - Started as another user (docker run --user UID:GID): runs as that user;
#   PUID/PGID cannot apply and are ignored with a warning.
#
# Before starting, it checks that this uid/gid can write the data directory
# (CAIRN_DATA_DIR, /data) and what Cairn keeps in it; when it cannot, it
# says which `chown` fixes it and exits 1, instead of Cairn failing with
# SQLite's "unable to open database file".
set -eu

DATA=${CAIRN_DATA_DIR:-/data}
DEFAULT_ID=10001

say() { printf 'cairn: %s\n' "$@" >&2; }

case "${1:-}" in
  -h | --help | help) exec node dist/cli.js "$@" ;;
esac

is_id() {
  case $1 in
    '' | *[!0-9]*) return 1 ;;
  esac
  [ "${#1}" -le 10 ]
}

# Prints the first path under the data directory the current user cannot use (and fails), or nothing.
# The top level, tmp/, blobs/ and its shard directories only: blob files are not listed (there may be millions).
# shellcheck disable=SC2016 # expanded by the checking shell, not this one
CHECK='
d=$1
if [ ! -e "$d" ]; then
  p=$d
  while [ ! -e "$p" ]; do p=$(dirname "$p"); done
  if [ -w "$p" ] && [ -x "$p" ]; then exit 0; fi
  echo "$p"; exit 1
fi
for p in "$d" "$d/tmp" "$d/blobs" "$d"/blobs/??; do
  [ -d "$p" ] || continue
  if [ -r "$p" ] && [ -w "$p" ] && [ -x "$p" ]; then continue; fi
  echo "$p"; exit 1
done
for p in "$d/cairn.db" "$d/cairn.db-wal" "$d/cairn.db-shm" "$d/server.json"; do
  [ -e "$p" ] || continue
  if [ -r "$p" ] && [ -w "$p" ]; then continue; fi
  echo "$p"; exit 1
done
'

if [ "$(id -u)" = 0 ]; then
  uid=${PUID:-$DEFAULT_ID}
  gid=${PGID:-${PUID:-$DEFAULT_ID}}
  is_id "$uid" || { say "PUID must be a numeric user id (e.g. PUID=1000), got \"$uid\""; exit 1; }
  is_id "$gid" || { say "PGID must be a numeric group id (e.g. PGID=1000), got \"$gid\""; exit 1; }
  command -v setpriv > /dev/null || { say 'setpriv (util-linux) is missing from the image: it is needed to run Cairn as PUID:PGID'; exit 1; }
  if [ "$uid" = 0 ]; then
    say 'PUID=0: running Cairn as root'
    as_user() { "$@"; }
  else
    as_user() { setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs -- "$@"; }
  fi
else
  uid=$(id -u)
  gid=$(id -g)
  if { [ -n "${PUID:-}" ] && [ "$PUID" != "$uid" ]; } || { [ -n "${PGID:-}" ] && [ "$PGID" != "$gid" ]; }; then
    say "PUID/PGID are ignored: the container was started as uid $uid gid $gid (docker run --user); drop --user to use them"
  fi
  as_user() { "$@"; }
fi

# An empty data directory (a new named volume, which copies the image's /data, or a bind-mount source Docker
# created as root) is given to uid:gid: there is nothing in it to take from anyone.
if [ "$(id -u)" = 0 ] && [ -d "$DATA" ] && [ -z "$(ls -A "$DATA")" ]; then
  chown "$uid:$gid" "$DATA"
fi

if ! bad=$(as_user sh -c "$CHECK" sh "$DATA"); then
  say "uid $uid (gid $gid) cannot write $bad, so Cairn cannot use its data directory $DATA."
  [ -e "$bad" ] && say "$bad belongs to $(stat -c '%u:%g' "$bad") (mode $(stat -c '%a' "$bad"))."
  say "Give the data directory to that uid and gid:"
  if [ -e "$DATA" ]; then
    say "    chown -R $uid:$gid $DATA"
  else
    say "    mkdir -p $DATA && chown -R $uid:$gid $DATA"
  fi
  say "  (on the host, run it on the directory mounted at $DATA; for a named volume:"
  say "   docker run --rm -v VOLUME:$DATA --entrypoint chown IMAGE -R $uid:$gid $DATA)"
  owner=$(stat -c '%u:%g' "$DATA" 2> /dev/null || true)
  if [ -n "$owner" ] && [ "${owner%%:*}" != 0 ] && [ "$owner" != "$uid:$gid" ]; then
    say "or run Cairn as the directory's owner: PUID=${owner%%:*} PGID=${owner#*:}"
  fi
  exit 1
fi

if [ "$(id -u)" = 0 ] && [ "$uid" != 0 ]; then
  exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs -- node dist/cli.js "$@"
fi
exec node dist/cli.js "$@"
