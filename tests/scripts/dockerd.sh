#!/usr/bin/env bash
# A private Docker Engine (Debian's docker.io: moby's own `docker load`, what most CI and Skaffold use)
# for the end-to-end tests, on a unix socket in DIR; nothing system-wide is touched.
#   tests/scripts/dockerd.sh start DIR   starts dockerd, waits until it answers, prints DOCKER_HOST=unix://DIR/docker.sock
#   tests/scripts/dockerd.sh stop DIR    stops it (by its pidfile) and deletes DIR
# vfs storage (no overlayfs needed), no iptables and no bridge: run containers with --network none.
set -euo pipefail
cmd=${1:?usage: dockerd.sh start|stop DIR}
dir=${2:?usage: dockerd.sh start|stop DIR}
case $cmd in
  start)
    command -v dockerd >/dev/null || { echo "dockerd.sh: dockerd is missing (apt-get install docker.io; tests/scripts/install-test-tools.sh does)" >&2; exit 1; }
    mkdir -p "$dir"
    dockerd --data-root "$dir/root" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" --host "unix://$dir/docker.sock" \
      --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none >"$dir/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 120); do
      DOCKER_HOST="unix://$dir/docker.sock" docker version >/dev/null 2>&1 && break
      sleep 0.5
    done
    if ! DOCKER_HOST="unix://$dir/docker.sock" docker version >/dev/null 2>&1; then
      echo "dockerd.sh: dockerd did not answer within 60 s; its log:" >&2
      tail -20 "$dir/dockerd.log" >&2
      exit 1
    fi
    echo "DOCKER_HOST=unix://$dir/docker.sock" ;;
  stop)
    if [[ -f $dir/dockerd.pid ]]; then
      pid=$(cat "$dir/dockerd.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    # dockerd leaves mounts behind (exec/netns/default): unmount everything below DIR, deepest first,
    # or rm -rf fails and the directory stays.
    awk -v p="$dir/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null || true; done || true
    rm -rf "$dir" ;;
  *) echo "usage: dockerd.sh start|stop DIR" >&2; exit 2 ;;
esac
