#!/usr/bin/env bash
# OciMsBuild quick start: from a fresh clone to a runnable OCI image tarball in one command, with no
# Docker daemon and no registry (nothing is pulled: the base image is built from Debian packages).
#
#   samples/quickstart.sh [--base-cache DIR] [--run]
#
#   1. installs, with apt-get and only when missing, what the base image build needs:
#      umoci skopeo jq busybox-static ca-certificates
#   2. builds the base images (look-alikes of mcr.microsoft.com/dotnet/runtime etc. made from Debian
#      packages and the .NET runtime installed here) into a cache, once:
#      tests/scripts/make-base-images.sh DIR   (DIR: --base-cache, $QUICKSTART_BASE_CACHE, or
#      ~/.cache/ocimsbuild-samples/base)
#   3. packs OciMsBuild and OciMsBuild.Sdk:  dotnet pack OciMsBuild.sln -c Release -o artifacts/packages
#   4. publishes samples/HelloContainer as an image on that base, into artifacts/hellocontainer.tar
#      (and the OCI layout under samples/HelloContainer/obj/container/Release/net10.0/image)
#   5. prints how to load and run it; with --run it also runs it with podman (tests/scripts/run-image.sh)
#
# Environment: OCIMSBUILD_VERSION (package version to pack and consume, default 0.1.0-dev),
# QUICKSTART_BASE_CACHE (as --base-cache), SOURCE_DATE_EPOCH (image timestamps; default epoch 0).
# Root is needed for steps 1 and 2 only (apt-get; umoci keeps file ownership only as root): as
# another user the script uses sudo for them.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE_CACHE=${QUICKSTART_BASE_CACHE:-$HOME/.cache/ocimsbuild-samples/base}
VERSION=${OCIMSBUILD_VERSION:-0.1.0-dev}
RUN=false

while (($#)); do
  case $1 in
    --base-cache) BASE_CACHE=${2:?--base-cache needs a directory}; shift 2 ;;
    --base-cache=*) BASE_CACHE=${1#*=}; shift ;;
    --run) RUN=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "quickstart: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
BASE_CACHE=$(realpath -m "$BASE_CACHE")

ARTIFACTS=$REPO/artifacts
PACKAGES=$ARTIFACTS/packages
ARCHIVE=$ARTIFACTS/hellocontainer.tar
# A private NuGet package folder: packing the same version again would otherwise be shadowed by the
# copy of the previous pack in ~/.nuget/packages (NuGet never re-extracts an id+version it has).
export NUGET_PACKAGES=$ARTIFACTS/nuget-packages
# Fresh MSBuild nodes: a reused node would keep the previous OciMsBuild.Tasks.dll loaded.
export MSBUILDDISABLENODEREUSE=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

T0=$SECONDS
step_start=$SECONDS
step() { echo; echo "==> [$((SECONDS - T0)) s] $*"; step_start=$SECONDS; }
done_step() { echo "    done in $((SECONDS - step_start)) s"; }

as_root() {
  if [[ $(id -u) == 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "quickstart: '$*' needs root and sudo is not installed; run this script as root" >&2; return 1
  fi
}

command -v dotnet >/dev/null || { echo "quickstart: the .NET SDK (dotnet, 10.0 or later) is not on PATH" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------
step "1/4 tools for the base image (apt-get, only what is missing)"
need=(umoci skopeo jq busybox-static ca-certificates qemu-user-static)   # qemu: the arm64 base images are checked under emulation
missing=()
for p in "${need[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "    installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "    all present: ${need[*]}"
fi
done_step

# ---------------------------------------------------------------------------------------------------
step "2/4 base images -> $BASE_CACHE"
if [[ -e $BASE_CACHE/.complete-v2 ]]; then
  echo "    cached (delete $BASE_CACHE to rebuild)"
else
  as_root "$REPO/tests/scripts/make-base-images.sh" "$BASE_CACHE"
fi
BASE_IMAGE=oci-layout://$BASE_CACHE/oci:runtime
done_step

# ---------------------------------------------------------------------------------------------------
step "3/4 dotnet pack OciMsBuild.sln -c Release -o artifacts/packages   (version $VERSION)"
cd "$REPO"
dotnet pack OciMsBuild.sln -c Release -o "$PACKAGES" -p:OciMsBuildVersion="$VERSION" -nologo -v:q
ls "$PACKAGES"/OciMsBuild*."$VERSION".nupkg | sed 's/^/    /'
done_step

# ---------------------------------------------------------------------------------------------------
step "4/4 dotnet publish samples/HelloContainer -p:ContainerImage=true"
# Drop the previous extraction of our own packages, so the restore takes the ones just packed.
mkdir -p "$NUGET_PACKAGES"
rm -rf "$NUGET_PACKAGES"/ocimsbuild "$NUGET_PACKAGES"/ocimsbuild.sdk
dotnet publish samples/HelloContainer -c Release -nologo \
  -p:OciMsBuildVersion="$VERSION" \
  -p:ContainerImage=true \
  -p:ContainerBaseImage="$BASE_IMAGE" \
  -p:ContainerArchiveOutputPath="$ARCHIVE"
done_step

SUMMARY=$REPO/samples/HelloContainer/obj/container/Release/net10.0/image.json
LAYOUT=$REPO/samples/HelloContainer/obj/container/Release/net10.0/image
[[ -f $ARCHIVE && -f $SUMMARY ]] || { echo "quickstart: the publish succeeded but $ARCHIVE or $SUMMARY is missing" >&2; exit 1; }
TAG=$(jq -r '.tags[0]' "$SUMMARY")
NAME=$(jq -r '.image' "$SUMMARY")

echo
echo "==> [$((SECONDS - T0)) s] image built"
jq -r '"    \(.image):\(.tags | join(",")) \(.digest) (\(.platform))",
       (.layers[] | "      \(.kind | . + " " * (20 - length)) \(.digest) \(.size) bytes")' "$SUMMARY"
cat <<EOF

    tarball     $ARCHIVE
    OCI layout  $LAYOUT
    summary     $SUMMARY

Load and run it:
    podman load -i $ARCHIVE && podman run --rm $NAME:$TAG
    docker load -i $ARCHIVE && docker run --rm $NAME:$TAG
Inspect it without a daemon:
    skopeo inspect oci-archive:$ARCHIVE:$TAG      (the tarball read as an OCI archive; name a tag)
    skopeo inspect docker-archive:$ARCHIVE       (the same tarball read as 'docker save' output)
    skopeo inspect oci:$LAYOUT:$TAG
Run it here with podman, in a throw-away store (as root):
    MODE=load tests/scripts/run-image.sh $ARCHIVE
EOF

if $RUN; then
  step "running the image with podman (tests/scripts/run-image.sh)"
  command -v podman >/dev/null || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman runc uidmap >/dev/null
  as_root env MODE=load "$REPO/tests/scripts/run-image.sh" "$ARCHIVE"
  done_step
fi
echo
echo "quickstart: finished in $((SECONDS - T0)) s"
