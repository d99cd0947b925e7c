#!/usr/bin/env bash
# Start a web (ASP.NET) image with podman, GET one URL from it on 127.0.0.1, check the body, stop it.
#
#   tests/scripts/run-web-image.sh SRC PORT URLPATH EXPECTED_SUBSTRING [-- CMD ARGS...]
#     SRC       as in run-image.sh (oci:DIR:TAG, oci-archive:F, docker-archive:F, ...; MODE=load: a tar path)
#     PORT      a free port on 127.0.0.1 for the app to listen on
#     URLPATH   e.g. / or /weatherforecast
#     EXPECTED  a substring the response body must contain (fixed string, not a regex)
#
# Prints the response body on stdout; exit 0 only if the app answered 2xx with EXPECTED in the body.
# On failure the container's log goes to stderr.
#
# Networking: --network host (no bridge, no iptables changes on the machine) with
# ASPNETCORE_URLS=http://127.0.0.1:PORT, which overrides the image's ASPNETCORE_HTTP_PORTS=8080; the
# HTTP(S)_PORTS variables are also blanked so nothing ever binds 0.0.0.0 in the host's namespace.
#
# Environment: TIMEOUT (seconds to wait for the first answer, default 60), MODE=load, ENTRYPOINT,
# PODMAN_RUN_ARGS, ARCH (e.g. arm64, under QEMU: an ASP.NET app needs ~10 s to answer), VARIANT, CREDS
# as in run-image.sh. The container and its private store are removed
# on every exit path (EXIT trap).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/podman-common.sh"

(($# >= 4)) || { echo "usage: run-web-image.sh SRC PORT URLPATH EXPECTED_SUBSTRING [-- CMD...]" >&2; exit 2; }
SRC=$1 PORT=$2 URLPATH=$3 EXPECTED=$4; shift 4
if [[ ${1:-} == -- ]]; then shift; elif (($#)); then echo "run-web-image: expected -- before the command" >&2; exit 2; fi
CMD=("$@")
[[ $PORT =~ ^[0-9]+$ ]] || { echo "run-web-image: bad port '$PORT'" >&2; exit 2; }
URL=http://127.0.0.1:$PORT/${URLPATH#/}
TIMEOUT=${TIMEOUT:-60}

# If something already listens on PORT we would happily test *that* server instead: refuse.
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "run-web-image: 127.0.0.1:$PORT is already in use" >&2; exit 1
fi

podman_setup
trap podman_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ${MODE:-copy} == load ]]; then
  [[ -f $SRC ]] || { echo "run-web-image: MODE=load needs a tar file, got '$SRC'" >&2; exit 2; }
  IMG=$(podman_load "$SRC")
else
  IMG=localhost/ocimsbuild-web-$$:img
  podman_import "$SRC" "$IMG"
fi
podman_check_image "$IMG" || exit 125

podman_run_args
podman run -d --network host \
  -e ASPNETCORE_URLS="http://127.0.0.1:$PORT" -e ASPNETCORE_HTTP_PORTS= -e ASPNETCORE_HTTPS_PORTS= \
  "${PODMAN_ARGS[@]}" "$IMG" "${CMD[@]}" >/dev/null

fail() { echo "run-web-image: $*" >&2; echo "--- container log:" >&2; podman logs "$PODMAN_CNAME" >&2 2>&1 || true; exit 1; }

# Poll until the app answers at all (connection refused = not up yet). A non-2xx answer is final:
# waiting the full TIMEOUT for a 404 would only slow the test down.
# A connection refused returns at once; once the app listens, its first answer can take several
# seconds (JIT under qemu on a loaded machine took 8 s), so each request may take up to 30 s rather
# than being abandoned and re-sent, which only queues more first requests.
t0=$SECONDS body='' code=''
while :; do
  if code=$(curl -sS -m 30 -o "$PODMAN_WORK/body" -w '%{http_code}' "$URL" 2>"$PODMAN_WORK/curl.err"); then
    body=$(cat "$PODMAN_WORK/body"); break
  fi
  [[ $(podman inspect -f '{{.State.Running}}' "$PODMAN_CNAME" 2>/dev/null) == true ]] \
    || fail "container exited before answering on $URL (exit code $(podman inspect -f '{{.State.ExitCode}}' "$PODMAN_CNAME" 2>/dev/null || echo '?'))"
  ((SECONDS - t0 < TIMEOUT)) || fail "no HTTP answer on $URL within $TIMEOUT s ($(tail -n1 "$PODMAN_WORK/curl.err"))"
  sleep 0.5
done
echo "run-web-image: GET $URL -> $code after $((SECONDS - t0)) s" >&2
printf '%s\n' "$body"
[[ $code == 2?? ]] || fail "HTTP $code from $URL"
[[ $body == *"$EXPECTED"* ]] || fail "the response does not contain '$EXPECTED'"
exit 0
