#!/usr/bin/env bash
# Install the Debian packages the end-to-end tests need. Idempotent and cheap when everything is
# already there: `dpkg -s` decides, so apt-get (network, ~20 s, dpkg lock) only runs when a package is
# really missing. Needs root (the tests run as root: podman/umoci need it to keep file ownership).
#
#   tests/scripts/install-test-tools.sh
#
# Why each package:
#   docker-registry  CNCF distribution 2.8.2, a real registry the tests start on 127.0.0.1
#   apache2-utils    htpasswd (bcrypt) for the registry's basic-auth mode (tests/OciMsBuild.Registry.Tests)
#   skopeo umoci jq  copy/convert/validate images (umoci unpack is the strict digest/size/diff_id check)
#   podman runc      run the produced images (crun does not work on this cgroup v1/v2 hybrid host)
#   bubblewrap uidmap  alternative runners / podman helpers
#   busybox-static   a static shell put into the test base images
#   curl             talk to web apps running in containers; the registry tests' forward-proxy check
#   ca-certificates  the CA bundle copied into the test base images
#   zstd             the reference zstd reads our opt-in zstd layers (zstd -t)
#   git              the reproducibility, label and attestation tests build git clones (SourceLink, stamping)
#   docker.io        a real Docker Engine 20.10 (dockerd + docker CLI), started privately by tests/scripts/dockerd.sh:
#                    `docker load` of our tarballs and `docker run` of the images
#   qemu-user-static run linux/arm64 programs and images on an amd64 machine: the arm64 test base
#                    images are checked under it and the tests run the arm64 images they build
#                    (qemu-aarch64-static, registered in binfmt_misc by arm64-emulation.sh; ~380 MB).
#                    binfmt-support is NOT needed (nor wanted: it would register every qemu format
#                    system-wide); arm64-emulation.sh registers the one entry and removes it again.
set -euo pipefail

packages=(docker-registry skopeo umoci apache2-utils jq podman runc bubblewrap busybox-static uidmap curl ca-certificates
          qemu-user-static docker.io zstd git)

missing=()
for p in "${packages[@]}"; do
  # dpkg -s succeeds for removed-but-not-purged packages too; require the "install ok installed" state.
  if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) != 0 ]]; then
  echo "install-test-tools: missing packages (${missing[*]}) and not root; install them with apt-get" >&2
  exit 1
fi

echo "install-test-tools: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends keeps it small (podman would otherwise pull in e.g. criu, slirp, docs).
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
