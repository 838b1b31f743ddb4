#!/usr/bin/env bash
# Makes sure a Docker engine answers. Idempotent, and quick when one already runs.
# As root on Debian it installs docker.io if needed and starts dockerd with published
# ports bound to 127.0.0.1 by default; anywhere else it says what to do.
set -euo pipefail
log_dir=${VITESS_CHAOS_LOG_DIR:-/var/log/vitess-chaos}

answers() { timeout 10 docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && answers; then exit 0; fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<MSG
No Docker engine answers (docker info failed), and this script can only install and start one
as root on Debian. Start your Docker engine (e.g. 'sudo systemctl start docker'), make sure
'docker info' works for this user, then run the command again.
MSG
  exit 2
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "[docker] installing docker.io from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q docker.io >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  mkdir -p "$log_dir"
  echo "[docker] starting dockerd (published ports default to 127.0.0.1; log: $log_dir/dockerd.log)"
  # setsid: the engine outlives the make or CI step that started it.
  # Descriptors above 2 are closed for the daemon: it outlives this make, and must not hold
  # open what the caller had open (a lock file, a pipe someone waits on to close). stderr is
  # pointed at the log again at the exec: closing the loop's saved copy of it left the daemon
  # writing its log to /dev/null.
  setsid bash -c 'for fd in /proc/self/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; exec nohup dockerd --ip 127.0.0.1 2>&1' >>"$log_dir/dockerd.log" 2>&1 < /dev/null &
fi

for _ in $(seq 1 120); do
  if answers; then echo "[docker] engine ready"; exit 0; fi
  sleep 0.5
done
echo "dockerd did not answer within 60 s; its log is $log_dir/dockerd.log (last lines below)" >&2
tail -n 20 "$log_dir/dockerd.log" >&2 || true
exit 2
