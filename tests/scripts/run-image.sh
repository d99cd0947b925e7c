#!/usr/bin/env bash
# Run an image with podman (as root) in a private, throw-away podman setup; exit status = the container's.
#
#   tests/scripts/run-image.sh SRC [-- CMD ARGS...]
#     SRC  any skopeo source: oci:DIR:TAG  oci-archive:FILE[:REF]  docker-archive:FILE  dir:DIR
#          docker://127.0.0.1:PORT/repo:tag (plain HTTP; CREDS=user:pass)
#     CMD  replaces the image's Cmd (the Entrypoint is kept), like `docker run IMAGE CMD...`
#
# Environment:
#   MODE=load         SRC is a plain tar path (docker-archive or oci-archive) loaded with `podman load -i`
#                     (tests what a user's `docker load` / `podman load` does); default: skopeo import
#   NET=none|host     podman --network (default none; the default bridge would create interfaces and
#                     iptables rules on the machine)
#   ENTRYPOINT=...    podman --entrypoint (a plain command, or a JSON array string)
#   PODMAN_RUN_ARGS   extra `podman run` options, split on whitespace (e.g. "--user 1654 -e FOO=bar")
#   ARCH=arm64        run the linux/arm64 image: picked out of an index on import (skopeo
#                     --override-arch arm64 --override-variant v8; VARIANT=... overrides v8), started
#                     with `podman run --arch arm64`. With MODE=load the loaded image must be arm64
#                     (podman load takes the host's platform out of an archive holding an index).
#                     Both modes fail with 125 if the image is not linux/ARCH, or if arm64 programs
#                     cannot run here: QEMU must be registered first (tests/scripts/arm64-emulation.sh on).
#
# The container's stdout/stderr are passed through; our own messages go to stderr only.
# Exit status: the container's; 125 = podman could not run it (podman's convention).
# Everything (container, image store, config) lives in one temp dir that is removed on exit,
# including on failure and on SIGINT/SIGTERM.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/podman-common.sh"

SRC=${1:?usage: run-image.sh SRC [-- CMD ARGS...]}; shift
if [[ ${1:-} == -- ]]; then shift; elif (($#)); then echo "run-image: expected -- before the command" >&2; exit 2; fi
CMD=("$@")

podman_setup
trap podman_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ${MODE:-copy} == load ]]; then
  [[ -f $SRC ]] || { echo "run-image: MODE=load needs a tar file, got '$SRC'" >&2; exit 2; }
  IMG=$(podman_load "$SRC")
else
  IMG=localhost/ocimsbuild-run-$$:img     # unique name in an empty store (see podman-common.sh)
  podman_import "$SRC" "$IMG"
fi
podman_check_image "$IMG" || exit 125

podman_run_args
# In the background + wait, so a SIGTERM/SIGINT to this script is handled at once (bash defers traps
# while a foreground child runs) and the EXIT trap removes the container.
podman run --rm --network "${NET:-none}" "${PODMAN_ARGS[@]}" "$IMG" "${CMD[@]}" &
rc=0
wait $! || rc=$?
exit $rc
