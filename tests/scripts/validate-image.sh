#!/usr/bin/env bash
# Validate an image we wrote, with independent tools; fail loudly with the tool's own message.
#
#   tests/scripts/validate-image.sh LAYOUT_DIR TAG [TARBALL]
#
# Checks (what each one catches, seen with Debian's umoci 0.4.7 / skopeo 1.9):
#   umoci unpack --image LAYOUT:TAG     the strictest: manifest digest, descriptor sizes, layer digests,
#                                       config.rootfs.diff_ids, tar headers ("diffid mismatch", ...)
#   skopeo copy oci:LAYOUT:TAG dir:     index.json/manifest/config parse, every blob re-hashed
#                                       (lets a wrong size or wrong diff_ids through: hence umoci too)
#   skopeo copy oci-archive:TARBALL     the tarball read as an OCI archive (index.json + oci-layout)
#   skopeo copy docker-archive:TARBALL  the same tarball read as `docker save` format (manifest.json),
#                                       i.e. what `docker load` needs
#   (both by default: the tarball is expected to carry both formats, like `docker save` of Docker 25+;
#    TARBALL_FORMATS="docker" or "oci" checks only one of them)
# If TAG names an image index, every manifest in it is checked (umoci cannot unpack an index itself:
# each platform is first picked out with skopeo --override-os/--override-arch/--override-variant).
# Exit 0 and a one-line summary per check on stderr when everything passes.
set -euo pipefail
(($# == 2 || $# == 3)) || { echo "usage: validate-image.sh LAYOUT_DIR TAG [TARBALL]" >&2; exit 2; }
LAYOUT=$1 TAG=$2 TARBALL=${3:-}
[[ -f $LAYOUT/index.json ]] || { echo "validate-image: $LAYOUT/index.json not found (not an OCI layout)" >&2; exit 1; }
[[ -z $TARBALL || -f $TARBALL ]] || { echo "validate-image: tarball $TARBALL not found" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/ocimsbuild-validate.XXXXXX")
trap 'rm -rf "$W"' EXIT
# skopeo extracts oci-archive tarballs to $TMPDIR (default /var/tmp); keep that inside our temp dir.
export TMPDIR=$W
SK=(skopeo --insecure-policy)   # our own test output: do not depend on /etc/containers/policy.json

# run NAME CMD...: run a check; on failure print the tool's complete output and stop.
run() {
  local name=$1; shift
  if ! "$@" >"$W/out" 2>&1; then
    { echo "validate-image: FAILED: $name"; echo "  command: $*"; sed 's/^/  | /' "$W/out"; } >&2
    exit 1
  fi
  echo "validate-image: ok: $name" >&2
}

# What does TAG point at? (descriptor in index.json; unique tag expected)
desc=$(jq -c --arg t "$TAG" '[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]==$t)]' "$LAYOUT/index.json")
case $(jq length <<<"$desc") in
  1) ;;
  0) echo "validate-image: FAILED: tag '$TAG' not in $LAYOUT/index.json (tags: $(jq -r '[.manifests[].annotations["org.opencontainers.image.ref.name"] // empty]|join(" ")' "$LAYOUT/index.json"))" >&2; exit 1 ;;
  *) echo "validate-image: FAILED: tag '$TAG' appears more than once in $LAYOUT/index.json" >&2; exit 1 ;;
esac
mt=$(jq -r '.[0].mediaType' <<<"$desc")

if [[ $mt == application/vnd.oci.image.index.v1+json || $mt == application/vnd.docker.distribution.manifest.list.v2+json ]]; then
  run "skopeo copy --all oci:$LAYOUT:$TAG (index, every blob re-hashed)" \
    "${SK[@]}" copy -q --all "oci:$LAYOUT:$TAG" "oci:$W/all:img"
  idx=$("${SK[@]}" inspect --raw "oci:$LAYOUT:$TAG")
  n=$(jq '.manifests|length' <<<"$idx")
  ((n > 0)) || { echo "validate-image: FAILED: index '$TAG' has no manifests" >&2; exit 1; }
  for ((i = 0; i < n; i++)); do
    os=$(jq -r ".manifests[$i].platform.os // empty" <<<"$idx")
    arch=$(jq -r ".manifests[$i].platform.architecture // empty" <<<"$idx")
    variant=$(jq -r ".manifests[$i].platform.variant // empty" <<<"$idx")
    [[ -n $os && -n $arch ]] || { echo "validate-image: FAILED: manifest $i of index '$TAG' has no platform" >&2; exit 1; }
    ov=(--override-os "$os" --override-arch "$arch"); [[ -n $variant ]] && ov+=(--override-variant "$variant")
    p=$os-$arch${variant:+-$variant}
    run "pick $p out of the index" "${SK[@]}" copy -q "${ov[@]}" "oci:$LAYOUT:$TAG" "oci:$W/one-$p:img"
    run "umoci unpack $p (digests, sizes, diff_ids)" umoci unpack --image "$W/one-$p:img" "$W/bundle-$p"
    cfg=$("${SK[@]}" inspect --config "oci:$W/one-$p:img")
    [[ $(jq -r .os <<<"$cfg") == "$os" && $(jq -r .architecture <<<"$cfg") == "$arch" ]] \
      || { echo "validate-image: FAILED: index says $p but the config says $(jq -r '"\(.os)/\(.architecture)"' <<<"$cfg")" >&2; exit 1; }
    rm -rf "$W/bundle-$p"
  done
else
  run "umoci unpack $LAYOUT:$TAG (digests, sizes, diff_ids)" umoci unpack --image "$LAYOUT:$TAG" "$W/bundle"
  rm -rf "$W/bundle"
  run "skopeo copy oci:$LAYOUT:$TAG (every blob re-hashed)" "${SK[@]}" copy -q "oci:$LAYOUT:$TAG" "dir:$W/dir-layout"
fi

if [[ -n $TARBALL ]]; then
  for f in ${TARBALL_FORMATS:-oci docker}; do
    case $f in
      oci)    run "skopeo copy oci-archive:$TARBALL" "${SK[@]}" copy -q "oci-archive:$TARBALL" "dir:$W/dir-ociarchive" ;;
      docker) run "skopeo copy docker-archive:$TARBALL" "${SK[@]}" copy -q "docker-archive:$TARBALL" "dir:$W/dir-dockerarchive" ;;
      *) echo "validate-image: unknown TARBALL_FORMATS entry '$f' (oci, docker)" >&2; exit 2 ;;
    esac
  done
fi
