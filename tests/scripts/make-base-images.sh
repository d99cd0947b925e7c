#!/usr/bin/env bash
# Build the base images the end-to-end tests publish on top of, once, and cache them.
#
#   tests/scripts/make-base-images.sh CACHE_DIR
#
# Why: no public registry (mcr.microsoft.com) is reachable from the test machines, so we build
# look-alikes of mcr.microsoft.com/dotnet/{runtime-deps,runtime,aspnet} from Debian 12 packages and
# the .NET runtime that is installed on the machine. Everything is built with umoci (no daemon).
#
# Result (all linux/amd64):
#   CACHE_DIR/oci/                OCI image layout, tags:
#       deps      runtime-deps look-alike: glibc, libgcc, libstdc++, zlib, OpenSSL 3, ICU 72, CA bundle,
#                 root + app (1654) users, /tmp 1777, static busybox at /bin/busybox and /bin/sh
#       runtime   deps + one layer with /usr/share/dotnet (muxer, hostfxr, Microsoft.NETCore.App)
#       aspnet    runtime + one layer with Microsoft.AspNetCore.App
#       multi     an OCI image index holding only the runtime manifest (platform linux/amd64)
#   CACHE_DIR/runtime.oci.tar     oci-archive of runtime (ref name "runtime" inside)
#   CACHE_DIR/runtime.docker.tar  docker-archive of runtime, named example.com/base/runtime:1
#   CACHE_DIR/info.json           .NET version and the manifest digest of every tag
#   CACHE_DIR/.complete-v1        marker: present only when all of the above is complete
#
# Caching: if CACHE_DIR/.complete-v1 exists nothing is done. Otherwise everything is built in a temp
# dir next to CACHE_DIR and renamed into place at the very end, so a cancelled run never leaves a
# half-made cache. Concurrent callers (parallel test fixtures) are serialized with flock: the
# second one waits and then finds the marker. Bump the marker version when the content changes.
#
# Environment: DOTNET_HOST_ROOT  the .NET install to copy from (default /usr/share/dotnet)
# Needs root (umoci keeps real file ownership only as root), apt access, umoci, skopeo, jq,
# busybox-static, ca-certificates (see install-test-tools.sh).
set -euo pipefail

MARKER=.complete-v1
CACHE=${1:?usage: make-base-images.sh CACHE_DIR}
[[ -e $CACHE/$MARKER ]] && exit 0

[[ $(id -u) == 0 ]] || { echo "make-base-images: must run as root (umoci unpack/repack keep file ownership)" >&2; exit 1; }
for c in umoci skopeo jq dpkg-deb apt-get flock unshare; do
  command -v "$c" >/dev/null || { echo "make-base-images: '$c' not found; run install-test-tools.sh" >&2; exit 1; }
done

CACHE=$(realpath -m "$CACHE")
PARENT=$(dirname "$CACHE") NAME=$(basename "$CACHE")
mkdir -p "$PARENT"
exec 9>"$PARENT/.$NAME.lock"
flock 9
[[ -e $CACHE/$MARKER ]] && exit 0            # built by another process while we waited for the lock

START=$(date +%s)
# Leftovers of a run that was SIGKILLed (an EXIT trap cannot run then). Safe: we hold the lock, so
# no other builder is using them.
rm -rf "$PARENT/.$NAME.tmp."*
T=$(mktemp -d "$PARENT/.$NAME.tmp.XXXXXX")  # same file system as CACHE, so the final mv is a rename
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT                          # without these bash dies on the signal and skips the
trap 'exit 143' TERM                         # EXIT trap, leaving the temp dir behind
OUT=$T/out LAYOUT=$T/out/oci
mkdir -p "$OUT"

DOTNET_SRC=${DOTNET_HOST_ROOT:-/usr/share/dotnet}
[[ -x $DOTNET_SRC/dotnet ]] || { echo "make-base-images: no dotnet muxer at $DOTNET_SRC/dotnet" >&2; exit 1; }
# Highest runtime version that has both the NETCore and the AspNetCore shared framework.
VER=
for d in $(ls "$DOTNET_SRC/shared/Microsoft.NETCore.App" | sort -V -r); do
  [[ -d $DOTNET_SRC/shared/Microsoft.AspNetCore.App/$d ]] && { VER=$d; break; }
done
[[ -n $VER ]] || { echo "make-base-images: no matching Microsoft.NETCore.App + Microsoft.AspNetCore.App in $DOTNET_SRC/shared" >&2; exit 1; }
FXR=$(ls "$DOTNET_SRC/host/fxr" | sort -V | tail -1)

CA=/etc/ssl/certs/ca-certificates.crt
[[ -s $CA ]] || { echo "make-base-images: $CA missing (apt-get install ca-certificates)" >&2; exit 1; }
BUSYBOX=/bin/busybox
[[ $(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null) == "install ok installed" ]] \
  || { echo "make-base-images: busybox-static not installed (a dynamic busybox would not run in the image)" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------
# 1. Debian packages: apt-get download into a private dir (never touches /var/cache/apt/archives).
#    APT::Sandbox::User=root: the _apt user cannot write into our root-owned temp dir (apt warns).
PKGS=(libc6 libgcc-s1 libstdc++6 zlib1g libssl3 libicu72)
DEBS=$T/debs; mkdir -p "$DEBS"
download() { (cd "$DEBS" && apt-get download -qq -o APT::Sandbox::User=root "${PKGS[@]/%/:amd64}" >/dev/null); }
if ! download 2>"$T/apt.err"; then
  # A fresh machine (or container) may have no package lists yet: update once and retry.
  apt-get update -qq >/dev/null
  download || { cat "$T/apt.err" >&2; exit 1; }
fi

# ---------------------------------------------------------------------------------------------------
# 2. deps
umoci init --layout "$LAYOUT"
umoci new --image "$LAYOUT:deps"
umoci unpack --image "$LAYOUT:deps" "$T/b-deps" >/dev/null
R=$T/b-deps/rootfs

# usrmerge, like debian:bookworm. Debian 12 debs still ship files under /lib and /lib64 (libc6 has
# /lib/x86_64-linux-gnu/libc.so.6 and /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...)
# next to /usr/lib. Pre-create the symlinks and extract with tar --keep-directory-symlink:
# plain `dpkg -x` would replace the /lib -> usr/lib symlink with a real directory.
mkdir -p "$R/usr/bin" "$R/usr/sbin" "$R/usr/lib" "$R/usr/lib64"
ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"; ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"
for deb in "$DEBS"/*.deb; do
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$R" --keep-directory-symlink --same-owner
done
# Docs are ~25% of the bytes and nothing in a container reads them (the real images drop them too).
rm -rf "$R/usr/share/doc" "$R/usr/share/lintian" "$R/usr/share/man" "$R/usr/share/info" "$R/usr/share/gdb"

# ld.so.cache, as in a real Debian image (libc-bin is not installed, so write ld.so.conf ourselves).
echo 'include /etc/ld.so.conf.d/*.conf' > "$R/etc/ld.so.conf"
ldconfig -r "$R"

mkdir -p "$R/etc/ssl/certs"; cp "$CA" "$R/etc/ssl/certs/ca-certificates.crt"
[[ -r /etc/os-release ]] && cp -L /etc/os-release "$R/etc/os-release"   # debs are the host's release
cat > "$R/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
app:x:1654:1654::/home/app:/bin/sh
PW
cat > "$R/etc/group" <<'GR'
root:x:0:
app:x:1654:
GR
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' > "$R/etc/nsswitch.conf"
chmod 644 "$R/etc/passwd" "$R/etc/group" "$R/etc/nsswitch.conf"
install -d -m 700 "$R/root"
install -d -m 755 "$R/home"
install -d -m 750 -o 1654 -g 1654 "$R/home/app"
install -d -m 1777 "$R/tmp"
install -m 755 "$BUSYBOX" "$R/usr/bin/busybox"
ln -s busybox "$R/usr/bin/sh"

# Sanity check before caching: the dynamic loader and libraries must resolve inside the rootfs.
# (unshare --root = chroot in a private mount/pid namespace; the /proc mount vanishes with it.)
in_root() {  # in_root ROOTFS CMD...   (host /dev bound in, fresh /proc; both vanish with the namespace)
  local root=$1; shift
  local made=(); for d in proc dev; do [[ -d $root/$d ]] || { mkdir "$root/$d"; made+=("$root/$d"); }; done
  local rc=0
  env -i PATH=/usr/bin:/bin unshare --mount --propagation private /bin/bash -c \
    'mount --rbind /dev "$0/dev" && exec unshare --pid --fork --mount-proc=/proc --root="$0" "$@"' "$root" "$@" || rc=$?
  ((${#made[@]} == 0)) || rmdir "${made[@]}"
  return $rc
}
in_root "$R" /lib64/ld-linux-x86-64.so.2 --list /usr/lib/x86_64-linux-gnu/libssl.so.3 >/dev/null \
  || { echo "make-base-images: the dynamic loader does not work inside the deps rootfs" >&2; exit 1; }
in_root "$R" /bin/sh -c 'id app >/dev/null' || { echo "make-base-images: busybox/passwd broken in deps" >&2; exit 1; }

umoci repack --image "$LAYOUT:deps" --refresh-bundle \
  --history.created_by "dpkg-deb -x ${PKGS[*]} (Debian $(. /etc/os-release 2>/dev/null; echo "${VERSION_ID:-?}")); ca-certificates.crt; passwd/group; busybox-static" \
  "$T/b-deps"
umoci config --image "$LAYOUT:deps" --os linux --architecture amd64 \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.env APP_UID=1654 --config.env DOTNET_RUNNING_IN_CONTAINER=true \
  --history.created_by 'ENV PATH APP_UID=1654 DOTNET_RUNNING_IN_CONTAINER=true'

# ---------------------------------------------------------------------------------------------------
# 3. runtime = deps + one layer. A fresh unpack of the final (configured) deps tag, so the runtime
#    image inherits deps' config; umoci repack diffs against it and adds exactly one layer.
umoci unpack --image "$LAYOUT:deps" "$T/b-rt" >/dev/null
R=$T/b-rt/rootfs
D=$R/usr/share/dotnet
mkdir -p "$D/host/fxr" "$D/shared/Microsoft.NETCore.App"
cp -a "$DOTNET_SRC/dotnet" "$D/dotnet"
cp -a "$DOTNET_SRC/host/fxr/$FXR" "$D/host/fxr/$FXR"
cp -a "$DOTNET_SRC/shared/Microsoft.NETCore.App/$VER" "$D/shared/Microsoft.NETCore.App/$VER"
chown -R 0:0 "$D"
ln -s ../share/dotnet/dotnet "$R/usr/bin/dotnet"
in_root "$R" /usr/bin/dotnet --list-runtimes | grep -q "Microsoft.NETCore.App $VER" \
  || { echo "make-base-images: 'dotnet --list-runtimes' fails inside the runtime rootfs" >&2; in_root "$R" /usr/bin/dotnet --info >&2 || true; exit 1; }
umoci repack --image "$LAYOUT:runtime" --refresh-bundle \
  --history.created_by "COPY dotnet $VER (muxer, host/fxr/$FXR, shared/Microsoft.NETCore.App/$VER) /usr/share/dotnet" \
  "$T/b-rt"
umoci config --image "$LAYOUT:runtime" --config.env "DOTNET_VERSION=$VER" --history.created_by "ENV DOTNET_VERSION=$VER"

# ---------------------------------------------------------------------------------------------------
# 4. aspnet = runtime + one layer.
umoci unpack --image "$LAYOUT:runtime" "$T/b-asp" >/dev/null
R=$T/b-asp/rootfs
mkdir -p "$R/usr/share/dotnet/shared/Microsoft.AspNetCore.App"
cp -a "$DOTNET_SRC/shared/Microsoft.AspNetCore.App/$VER" "$R/usr/share/dotnet/shared/Microsoft.AspNetCore.App/$VER"
chown -R 0:0 "$R/usr/share/dotnet/shared/Microsoft.AspNetCore.App"
umoci repack --image "$LAYOUT:aspnet" \
  --history.created_by "COPY shared/Microsoft.AspNetCore.App/$VER /usr/share/dotnet/shared/Microsoft.AspNetCore.App" \
  "$T/b-asp"
umoci config --image "$LAYOUT:aspnet" --config.env ASPNETCORE_HTTP_PORTS=8080 --config.env "ASPNET_VERSION=$VER" \
  --history.created_by "ENV ASPNETCORE_HTTP_PORTS=8080 ASPNET_VERSION=$VER"
rm -rf "$T/b-deps" "$T/b-rt" "$T/b-asp" "$DEBS"

# Drop the intermediate manifests/configs that every umoci config/repack left behind.
umoci gc --layout "$LAYOUT"

# ---------------------------------------------------------------------------------------------------
# 5. multi: an OCI image index with only the runtime manifest (tests check that a platform is
#    picked out of an index). Written by hand: umoci cannot create indexes. Done after gc.
ref_desc() {  # descriptor of a tag in index.json
  jq -c --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]==$t)' "$LAYOUT/index.json"
}
rt_desc=$(ref_desc runtime | jq -c '{mediaType,digest,size,platform:{architecture:"amd64",os:"linux"}}')
idx=$(jq -nc --argjson m "$rt_desc" '{schemaVersion:2,mediaType:"application/vnd.oci.image.index.v1+json",manifests:[$m]}')
idx_digest=$(printf '%s' "$idx" | sha256sum | cut -d' ' -f1)
printf '%s' "$idx" > "$LAYOUT/blobs/sha256/$idx_digest"
jq --arg d "sha256:$idx_digest" --argjson s "${#idx}" \
  '.manifests += [{mediaType:"application/vnd.oci.image.index.v1+json",digest:$d,size:$s,
                   annotations:{"org.opencontainers.image.ref.name":"multi"}}]' \
  "$LAYOUT/index.json" > "$T/index.json"
mv "$T/index.json" "$LAYOUT/index.json"

# ---------------------------------------------------------------------------------------------------
# 6. Tarballs of runtime: the two archive formats `docker load` / `podman load` / skopeo read.
skopeo --insecure-policy copy -q "oci:$LAYOUT:runtime" "oci-archive:$OUT/runtime.oci.tar:runtime"
skopeo --insecure-policy copy -q "oci:$LAYOUT:runtime" "docker-archive:$OUT/runtime.docker.tar:example.com/base/runtime:1"

jq -n --arg v "$VER" --arg fxr "$FXR" \
  --argjson tags "$(jq -c '[.manifests[] | {key:.annotations["org.opencontainers.image.ref.name"],value:.digest}] | from_entries' "$LAYOUT/index.json")" \
  '{dotnetVersion:$v, hostFxrVersion:$fxr, platform:"linux/amd64", tags:$tags,
    dockerArchiveName:"example.com/base/runtime:1", ociArchiveRef:"runtime"}' > "$OUT/info.json"
touch "$OUT/$MARKER"

# ---------------------------------------------------------------------------------------------------
# 7. Publish atomically. A CACHE_DIR without our marker (older version, foreign junk) is replaced.
if [[ -e $CACHE ]]; then mv -T "$CACHE" "$T/stale"; fi
mv -T "$OUT" "$CACHE"

{
  echo "make-base-images: built $CACHE in $(( $(date +%s) - START )) s (.NET $VER, linux/amd64)"
  for t in deps runtime aspnet multi; do
    m=$(jq -r --arg t "$t" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]==$t) | .digest' "$CACHE/oci/index.json")
    b=$CACHE/oci/blobs/sha256/${m#sha256:}
    if [[ $t == multi ]]; then
      echo "  oci:$CACHE/oci:$t  index $m -> runtime (linux/amd64)"
    else
      echo "  oci:$CACHE/oci:$t  $m  layers=$(jq '.layers|length' "$b") compressed=$(( $(jq '[.layers[].size]|add' "$b") / 1048576 )) MiB"
    fi
  done
  echo "  $CACHE/runtime.oci.tar     $(du -h "$CACHE/runtime.oci.tar" | cut -f1)"
  echo "  $CACHE/runtime.docker.tar  $(du -h "$CACHE/runtime.docker.tar" | cut -f1)  (example.com/base/runtime:1)"
  echo "  total $(du -sh "$CACHE" | cut -f1)"
} >&2
