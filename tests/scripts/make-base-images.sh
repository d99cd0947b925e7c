#!/usr/bin/env bash
# Build the base images the end-to-end tests publish on top of, once, and cache them.
#
#   tests/scripts/make-base-images.sh CACHE_DIR
#
# Why: no public registry (mcr.microsoft.com) is reachable from the test machines, so we build
# look-alikes of mcr.microsoft.com/dotnet/{runtime-deps,runtime,aspnet} from Debian 12 packages and
# the .NET runtime that is installed on the machine (amd64), resp. Debian's arm64 packages and the
# .NET arm64 runtime packs from NuGet (arm64). Everything is built with umoci (no daemon).
#
# Result:
#   CACHE_DIR/oci/                OCI image layout, tags:
#     linux/amd64 (unchanged since v1; the existing tests use exactly these):
#       deps      runtime-deps look-alike: glibc, libgcc, libstdc++, zlib, OpenSSL 3, ICU 72, CA bundle,
#                 root + app (1654) users, /tmp 1777, static busybox at /bin/busybox and /bin/sh
#       runtime   deps + one layer with /usr/share/dotnet (muxer, hostfxr, Microsoft.NETCore.App)
#       aspnet    runtime + one layer with Microsoft.AspNetCore.App
#       multi     an OCI image index holding only the runtime manifest (platform linux/amd64): the
#                 "base image lacking arm64" case
#     linux/arm64/v8 (config architecture arm64, variant v8):
#       deps-arm64     as deps, from Debian 12 arm64 packages + arm64 busybox-static
#       runtime-arm64  deps-arm64 + /usr/share/dotnet with host/fxr/VER/libhostfxr.so and
#                      shared/Microsoft.NETCore.App/VER from the NuGet package
#                      Microsoft.NETCore.App.Runtime.linux-arm64. NO dotnet muxer (NuGet has none for
#                      arm64) and so no /usr/bin/dotnet: apps must start through their apphost, which
#                      finds the runtime at the default global location /usr/share/dotnet by itself.
#       aspnet-arm64   runtime-arm64 + shared/Microsoft.AspNetCore.App/VER
#                      (Microsoft.AspNetCore.App.Runtime.linux-arm64)
#     multi-platform OCI image indexes (linux/amd64 + linux/arm64/v8, complete platform fields):
#       deps-all runtime-all aspnet-all
#   CACHE_DIR/runtime.oci.tar     oci-archive of runtime (ref name "runtime" inside)
#   CACHE_DIR/runtime.docker.tar  docker-archive of runtime, named example.com/base/runtime:1
#   CACHE_DIR/info.json           .NET version and the manifest digest of every tag
#   CACHE_DIR/.complete-v2        marker: present only when all of the above is complete
#
# Before anything is cached each image is checked where it can be: the amd64 rootfs's loader, busybox
# and `dotnet --list-runtimes`; the arm64 rootfs's loader and busybox under QEMU (binfmt_misc, switched
# on and off again with arm64-emulation.sh), and a small framework-dependent linux-arm64 app, started
# through its apphost as user app (1654), that must report Arm64, format with ICU, hash with OpenSSL
# and (aspnet-arm64) load an ASP.NET Core assembly.
#
# Caching: if CACHE_DIR/.complete-v2 exists nothing is done. Otherwise everything is built in a temp
# dir next to CACHE_DIR and renamed into place at the very end, so a cancelled run never leaves a
# half-made cache. Concurrent callers (parallel test fixtures) are serialized with flock: the
# second one waits and then finds the marker. Bump the marker version when the content changes.
#
# Environment: DOTNET_HOST_ROOT  the .NET install to copy from (default /usr/share/dotnet); its SDK
#              also restores the arm64 runtime packs (same version) and builds the arm64 check app
# Needs root (umoci keeps real file ownership only as root), apt access (Debian mirror), the NuGet
# source configured for the user (the packs go into a private NUGET_PACKAGES in the temp dir, never
# into ~/.nuget), umoci, skopeo, jq, busybox-static, ca-certificates, qemu-user-static (see
# install-test-tools.sh). The machine's dpkg architectures and apt lists are never changed: arm64
# packages are downloaded with a private apt configuration and state in the temp dir.
set -euo pipefail

MARKER=.complete-v2
CACHE=${1:?usage: make-base-images.sh CACHE_DIR}
[[ -e $CACHE/$MARKER ]] && exit 0
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[[ $(id -u) == 0 ]] || { echo "make-base-images: must run as root (umoci unpack/repack keep file ownership)" >&2; exit 1; }
for c in umoci skopeo jq dpkg-deb apt-get flock unshare qemu-aarch64-static; do
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
EMULATION_ON=0
emulation_off() { if ((EMULATION_ON)); then EMULATION_ON=0; "$HERE/arm64-emulation.sh" off || true; fi; }
trap 'emulation_off; rm -rf "$T"' EXIT
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
[[ -d $DOTNET_SRC/sdk ]] && [[ -n $(ls "$DOTNET_SRC/sdk") ]] \
  || { echo "make-base-images: no .NET SDK in $DOTNET_SRC (needed to restore the arm64 runtime packs)" >&2; exit 1; }

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

# 1b. arm64 Debian packages, with a private apt configuration and state (lists, cache, dpkg status)
#     in the temp dir, so the machine's dpkg architectures, package lists and caches stay untouched.
#     The machine's /etc/apt/apt.conf.d is deliberately not read: its hooks (APT::Update::Post-Invoke,
#     e.g. command-not-found, packagekit, docker-clean) would act on our private lists; only proxy /
#     transport settings are carried over. The sources (and their keyrings) are the machine's.
#     libc-bin only provides an arm64 ldconfig (static) to write ld.so.cache; it is not in the image.
PKGS_ARM64=("${PKGS[@]}")
A=$T/apt DEBS_ARM64=$T/debs-arm64
mkdir -p "$A/lists/partial" "$A/archives/partial" "$A/parts" "$A/prefs" "$DEBS_ARM64"
: > "$A/status"
{
  cat <<EOF
Dir::Etc::parts "$A/parts";
Dir::Etc::main "/dev/null";
Dir::Etc::preferencesparts "$A/prefs";
Dir::Etc::preferences "/dev/null";
Dir::State::Lists "$A/lists";
Dir::State::status "$A/status";
Dir::State::extended_states "$A/extended_states";
Dir::Cache "$A";
Dir::Cache::archives "$A/archives";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Dir::Log "$A";
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
EOF
  apt-config dump | grep -E '^Acquire::((https?|ftp|socks)::|Check-Valid-Until |Check-Date |ForceIPv[46] |Retries )' || true
} > "$A/apt.conf"
( export APT_CONFIG=$A/apt.conf
  apt-get update -qq >/dev/null
  cd "$DEBS_ARM64" && apt-get download -qq "${PKGS_ARM64[@]}" busybox-static libc-bin >/dev/null ) 2>"$T/apt-arm64.err" \
  || { echo "make-base-images: downloading the arm64 packages failed:" >&2; cat "$T/apt-arm64.err" >&2; exit 1; }
rm -rf "$A"
mkdir "$T/arm64-tools"
dpkg-deb -x "$DEBS_ARM64"/busybox-static_*.deb "$T/arm64-tools/busybox"
dpkg-deb -x "$DEBS_ARM64"/libc-bin_*.deb "$T/arm64-tools/libc-bin"
rm -f "$DEBS_ARM64"/busybox-static_*.deb "$DEBS_ARM64"/libc-bin_*.deb
BUSYBOX_ARM64=$T/arm64-tools/busybox/bin/busybox LDCONFIG_ARM64=$T/arm64-tools/libc-bin/sbin/ldconfig
[[ -x $BUSYBOX_ARM64 && -x $LDCONFIG_ARM64 ]] || { echo "make-base-images: busybox/ldconfig missing in the arm64 debs" >&2; exit 1; }

# 1c. .NET for arm64 from NuGet, version VER (= the machine's runtime): the runtime packs
#     Microsoft.NETCore.App.Runtime.linux-arm64 and Microsoft.AspNetCore.App.Runtime.linux-arm64
#     (<PackageDownload>), restored together with a tiny framework-dependent linux-arm64 console app
#     (its apphost comes from Microsoft.NETCore.App.Host.linux-arm64) that checks the arm64 images
#     below. Private NUGET_PACKAGES / HTTP cache in the temp dir: ~/.nuget is neither read nor
#     written; the NuGet sources are the user's. Empty Directory.* files stop MSBuild from importing
#     a surrounding repository's props (central package management etc.).
NUGET_DIR=$T/nuget CHECK_SRC=$T/arm64-check CHECK_APP=$T/arm64-check-app
TFM=net${VER%%.*}.0
mkdir -p "$CHECK_SRC"
for f in Directory.Build.props Directory.Build.targets Directory.Packages.props; do echo '<Project />' > "$CHECK_SRC/$f"; done
cat > "$CHECK_SRC/arm64check.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>$TFM</TargetFramework>
    <ImplicitUsings>disable</ImplicitUsings>
    <Nullable>disable</Nullable>
    <InvariantGlobalization>false</InvariantGlobalization>
    <SatelliteResourceLanguages>en</SatelliteResourceLanguages>
    <GenerateDocumentationFile>false</GenerateDocumentationFile>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Microsoft.NETCore.App.Runtime.linux-arm64" Version="[$VER]" />
    <PackageDownload Include="Microsoft.AspNetCore.App.Runtime.linux-arm64" Version="[$VER]" />
  </ItemGroup>
</Project>
EOF
cat > "$CHECK_SRC/Program.cs" <<'EOF'
using System;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
// arch: the OS the runtime sees; dir: where the apphost found Microsoft.NETCore.App;
// ICU (de-DE grouping) and OpenSSL (SHA-256) prove the native libraries of the image load.
Console.WriteLine("arch=" + RuntimeInformation.OSArchitecture + " process=" + RuntimeInformation.ProcessArchitecture);
Console.WriteLine("dir=" + RuntimeEnvironment.GetRuntimeDirectory());
Console.WriteLine("icu=" + 1234.5.ToString("N1", new CultureInfo("de-DE")));
Console.WriteLine("sha256=" + Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes("abc"))));
if (args.Length > 0 && args[0] == "aspnet")
{
    Type t = Type.GetType("Microsoft.AspNetCore.Http.HttpContext, Microsoft.AspNetCore.Http.Abstractions", true);
    Console.WriteLine("aspnet=" + t.Assembly.GetName().Name + " " + t.Assembly.Location);
}
EOF
DOTNET_CLI=$DOTNET_SRC/dotnet
if ! env NUGET_PACKAGES="$NUGET_DIR" NUGET_HTTP_CACHE_PATH="$T/nuget-http" NUGET_PLUGINS_CACHE_PATH="$T/nuget-plugins" \
       DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1 \
       DOTNET_CLI_DO_NOT_USE_MSBUILD_SERVER=1 \
       "$DOTNET_CLI" publish "$CHECK_SRC/arm64check.csproj" -c Release -r linux-arm64 --self-contained false \
       -o "$CHECK_APP" -nologo -nodeReuse:false -p:UseSharedCompilation=false >"$T/dotnet.log" 2>&1; then
  echo "make-base-images: restoring the arm64 runtime packs / building the arm64 check app failed:" >&2
  tail -n 30 "$T/dotnet.log" >&2; exit 1
fi
PACK_RT=$NUGET_DIR/microsoft.netcore.app.runtime.linux-arm64/$VER
PACK_ASP=$NUGET_DIR/microsoft.aspnetcore.app.runtime.linux-arm64/$VER
for f in "$PACK_RT/runtimes/linux-arm64/native/libhostfxr.so" "$PACK_RT/runtimes/linux-arm64/lib/$TFM/Microsoft.NETCore.App.deps.json" \
         "$PACK_ASP/runtimes/linux-arm64/lib/$TFM/Microsoft.AspNetCore.App.runtimeconfig.json" "$CHECK_APP/arm64check"; do
  [[ -f $f ]] || { echo "make-base-images: $f missing after the NuGet restore" >&2; exit 1; }
done
# The same app as an ASP.NET Core app: only its runtimeconfig names the other framework.
cp -a "$CHECK_APP" "$CHECK_APP-asp"
jq '.runtimeOptions.framework.name = "Microsoft.AspNetCore.App"' "$CHECK_APP/arm64check.runtimeconfig.json" \
  > "$CHECK_APP-asp/arm64check.runtimeconfig.json"
chmod -R a+rX "$CHECK_APP" "$CHECK_APP-asp"

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

base_files() {  # base_files ROOTFS BUSYBOX: everything of deps that is not from the library debs
  local R=$1
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
  install -m 755 "$2" "$R/usr/bin/busybox"
  ln -s busybox "$R/usr/bin/sh"
}
base_files "$R" "$BUSYBOX"

# Sanity check before caching: the dynamic loader and libraries must resolve inside the rootfs.
# (unshare --root = chroot in a private mount/pid namespace; the /proc mount vanishes with it.)
in_root() {  # in_root ROOTFS CMD...   (host /dev bound in, fresh /proc; both vanish with the namespace)
  # Optional: IN_ROOT_APP=DIR mounts a fresh tmpfs on /tmp and binds DIR at /tmp/app (only in the
  # namespace: nothing is written into the rootfs), IN_ROOT_USER=UID runs CMD as UID:UID.
  local root=$1; shift
  local made=(); for d in proc dev; do [[ -d $root/$d ]] || { mkdir "$root/$d"; made+=("$root/$d"); }; done
  local rc=0 user=()
  [[ -n ${IN_ROOT_USER:-} ]] && user=(--setuid "$IN_ROOT_USER" --setgid "$IN_ROOT_USER")
  env -i PATH=/usr/bin:/bin APP_DIR="${IN_ROOT_APP:-}" unshare --mount --propagation private /bin/bash -c \
    'mount --rbind /dev "$0/dev" &&
     { [[ -z $APP_DIR ]] || { mount -t tmpfs -o mode=1777 tmpfs "$0/tmp" && mkdir "$0/tmp/app" && mount --bind "$APP_DIR" "$0/tmp/app"; }; } &&
     unset APP_DIR && exec unshare --pid --fork --mount-proc=/proc --root="$0" "$@"' "$root" "${user[@]}" "$@" || rc=$?
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

# ---------------------------------------------------------------------------------------------------
# 5. arm64: deps-arm64, runtime-arm64, aspnet-arm64, built like 2-4. They are checked under QEMU:
#    arm64-emulation.sh registers qemu-aarch64 in binfmt_misc if arm64 programs do not run yet, and
#    emulation_off (end of this section, or the EXIT trap) undoes exactly what that did.
"$HERE/arm64-emulation.sh" on 2>"$T/emulation.log" || { cat "$T/emulation.log" >&2; exit 1; }
EMULATION_ON=1
fail_arm64() { echo "make-base-images: $1" >&2; [[ -z ${2:-} ]] || printf '%s\n' "$2" >&2; exit 1; }
normalize_tree() {  # root-owned, 755 dirs, 644 files, 755 native code (NuGet extracts files as 744)
  chown -R 0:0 "$1"
  find "$1" -type d -exec chmod 755 {} +
  find "$1" -type f -exec chmod 644 {} +
  find "$1" -type f \( -name '*.so' -o -name createdump \) -exec chmod 755 {} +
}

# 5a. deps-arm64: same packages, same files as deps (usrmerge; the arm64 loader is
#     /lib/ld-linux-aarch64.so.1 and Debian's arm64 libc6 ships nothing in /lib64, so there is none).
umoci new --image "$LAYOUT:deps-arm64"
umoci unpack --image "$LAYOUT:deps-arm64" "$T/b-deps-arm64" >/dev/null
R=$T/b-deps-arm64/rootfs
mkdir -p "$R/usr/bin" "$R/usr/sbin" "$R/usr/lib"
ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"; ln -s usr/lib "$R/lib"
for deb in "$DEBS_ARM64"/*.deb; do
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$R" --keep-directory-symlink --same-owner
done
rm -rf "$R/usr/share/doc" "$R/usr/share/lintian" "$R/usr/share/man" "$R/usr/share/info" "$R/usr/share/gdb"
echo 'include /etc/ld.so.conf.d/*.conf' > "$R/etc/ld.so.conf"
# The host's ldconfig skips arm64 libraries ("unknown machine 183") and writes an empty cache: run
# Debian's static arm64 ldconfig instead, explicitly through qemu (it chroots into $R itself).
qemu-aarch64-static "$LDCONFIG_ARM64" -r "$R"
base_files "$R" "$BUSYBOX_ARM64"
in_root "$R" /lib/ld-linux-aarch64.so.1 --list /usr/lib/aarch64-linux-gnu/libssl.so.3 >/dev/null \
  || fail_arm64 "the arm64 dynamic loader does not work inside the deps-arm64 rootfs (under qemu)"
[[ $(in_root "$R" /bin/sh -c 'id app >/dev/null && uname -m') == aarch64 ]] \
  || fail_arm64 "busybox/passwd broken in deps-arm64, or it does not run as aarch64"
umoci repack --image "$LAYOUT:deps-arm64" --refresh-bundle \
  --history.created_by "dpkg-deb -x ${PKGS_ARM64[*]} (arm64, Debian $(. /etc/os-release 2>/dev/null; echo "${VERSION_ID:-?}")); ca-certificates.crt; passwd/group; busybox-static:arm64" \
  "$T/b-deps-arm64"
umoci config --image "$LAYOUT:deps-arm64" --os linux --architecture arm64 \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.env APP_UID=1654 --config.env DOTNET_RUNNING_IN_CONTAINER=true \
  --history.created_by 'ENV PATH APP_UID=1654 DOTNET_RUNNING_IN_CONTAINER=true'

# arm64_check ROOTFS APPDIR ARGS...: run the check app through its apphost as user app, with an
# empty environment (no DOTNET_ROOT: the apphost must find /usr/share/dotnet on its own).
CHECK_OUT=
arm64_check() {
  local root=$1 app=$2; shift 2
  local t0=$(date +%s%N)
  CHECK_OUT=$(IN_ROOT_APP=$app IN_ROOT_USER=1654 in_root "$root" /tmp/app/arm64check "$@" 2>&1) \
    || fail_arm64 "the arm64 check app fails in $(basename "$(dirname "$root")")" "$CHECK_OUT"
  echo "make-base-images: arm64 check app ran in $(( ($(date +%s%N) - t0) / 1000000 )) ms under qemu: $(tr '\n' ' ' <<<"$CHECK_OUT")" >&2
  grep -qx 'arch=Arm64 process=Arm64' <<<"$CHECK_OUT" \
    && grep -qx "dir=/usr/share/dotnet/shared/Microsoft.NETCore.App/$VER/" <<<"$CHECK_OUT" \
    && grep -qx 'icu=1.234,5' <<<"$CHECK_OUT" \
    && grep -qx 'sha256=BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD' <<<"$CHECK_OUT" \
    || fail_arm64 "unexpected output of the arm64 check app" "$CHECK_OUT"
}

# 5b. runtime-arm64 = deps-arm64 + /usr/share/dotnet laid out like a real install from the runtime
#     pack: host/fxr/VER/libhostfxr.so; shared/Microsoft.NETCore.App/VER/ = the pack's managed
#     assemblies + Microsoft.NETCore.App.deps.json/.runtimeconfig.json + native libraries (libhostpolicy,
#     libcoreclr, ..., createdump) + .version (the pack's Microsoft.NETCore.App.versions.txt): the same
#     file set as the amd64 install's shared/Microsoft.NETCore.App/VER. No muxer exists for arm64.
umoci unpack --image "$LAYOUT:deps-arm64" "$T/b-rt-arm64" >/dev/null
R=$T/b-rt-arm64/rootfs
D=$R/usr/share/dotnet
FX=$D/shared/Microsoft.NETCore.App/$VER
mkdir -p "$D/host/fxr/$VER" "$FX"
cp "$PACK_RT/runtimes/linux-arm64/native/libhostfxr.so" "$D/host/fxr/$VER/"
cp -R "$PACK_RT/runtimes/linux-arm64/lib/$TFM/." "$FX/"
find "$PACK_RT/runtimes/linux-arm64/native" -maxdepth 1 -type f ! -name libhostfxr.so -exec cp {} "$FX/" \;
cp "$PACK_RT/Microsoft.NETCore.App.versions.txt" "$FX/.version"
normalize_tree "$D"
arm64_check "$R" "$CHECK_APP"
umoci repack --image "$LAYOUT:runtime-arm64" --refresh-bundle \
  --history.created_by "COPY Microsoft.NETCore.App.Runtime.linux-arm64 $VER (host/fxr/$VER, shared/Microsoft.NETCore.App/$VER; no muxer) /usr/share/dotnet" \
  "$T/b-rt-arm64"
umoci config --image "$LAYOUT:runtime-arm64" --config.env "DOTNET_VERSION=$VER" --history.created_by "ENV DOTNET_VERSION=$VER"

# 5c. aspnet-arm64 = runtime-arm64 + shared/Microsoft.AspNetCore.App/VER (deps.json, runtimeconfig.json
#     naming Microsoft.NETCore.App, assemblies, .version).
umoci unpack --image "$LAYOUT:runtime-arm64" "$T/b-asp-arm64" >/dev/null
R=$T/b-asp-arm64/rootfs
FX=$R/usr/share/dotnet/shared/Microsoft.AspNetCore.App/$VER
mkdir -p "$FX"
cp -R "$PACK_ASP/runtimes/linux-arm64/lib/$TFM/." "$FX/"
cp "$PACK_ASP/Microsoft.AspNetCore.App.versions.txt" "$FX/.version"
normalize_tree "$R/usr/share/dotnet/shared/Microsoft.AspNetCore.App"
arm64_check "$R" "$CHECK_APP-asp" aspnet
grep -qx "aspnet=Microsoft.AspNetCore.Http.Abstractions /usr/share/dotnet/shared/Microsoft.AspNetCore.App/$VER/Microsoft.AspNetCore.Http.Abstractions.dll" <<<"$CHECK_OUT" \
  || fail_arm64 "the ASP.NET Core framework does not resolve in aspnet-arm64" "$CHECK_OUT"
umoci repack --image "$LAYOUT:aspnet-arm64" \
  --history.created_by "COPY Microsoft.AspNetCore.App.Runtime.linux-arm64 $VER (shared/Microsoft.AspNetCore.App/$VER) /usr/share/dotnet/shared/Microsoft.AspNetCore.App" \
  "$T/b-asp-arm64"
umoci config --image "$LAYOUT:aspnet-arm64" --config.env ASPNETCORE_HTTP_PORTS=8080 --config.env "ASPNET_VERSION=$VER" \
  --history.created_by "ENV ASPNETCORE_HTTP_PORTS=8080 ASPNET_VERSION=$VER"
emulation_off
rm -rf "$T/b-deps-arm64" "$T/b-rt-arm64" "$T/b-asp-arm64" "$DEBS_ARM64" "$T/arm64-tools" "$NUGET_DIR" "$T/nuget-http" \
  "$CHECK_SRC" "$CHECK_APP" "$CHECK_APP-asp"

# 5d. variant v8 in the arm64 configs, as in Docker's/MCR's arm64 images. `umoci config` has no
#     option for it, so it is written by hand after the last umoci config/repack: new config blob,
#     new manifest blob pointing at it, index.json entry pointing at the new manifest.
ref_desc() {  # descriptor of a tag in index.json
  jq -c --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]==$t)' "$LAYOUT/index.json"
}
put_blob() {  # put_blob FILE -> prints sha256:HEX (FILE is moved into the layout)
  local h; h=$(sha256sum "$1" | cut -d' ' -f1)
  mv "$1" "$LAYOUT/blobs/sha256/$h"; echo "sha256:$h"
}
for t in deps-arm64 runtime-arm64 aspnet-arm64; do
  m=$(ref_desc "$t" | jq -r .digest); mf=$LAYOUT/blobs/sha256/${m#sha256:}
  c=$(jq -r .config.digest "$mf")
  jq -cj '.variant = "v8"' "$LAYOUT/blobs/sha256/${c#sha256:}" > "$T/cfg"
  cs=$(stat -c %s "$T/cfg"); c=$(put_blob "$T/cfg")
  jq -cj --arg d "$c" --argjson s "$cs" '.config.digest = $d | .config.size = $s' "$mf" > "$T/man"
  ms=$(stat -c %s "$T/man"); m=$(put_blob "$T/man")
  jq --arg t "$t" --arg d "$m" --argjson s "$ms" \
    '.manifests |= map(if .annotations["org.opencontainers.image.ref.name"] == $t then .digest = $d | .size = $s else . end)' \
    "$LAYOUT/index.json" > "$T/index.json"
  mv "$T/index.json" "$LAYOUT/index.json"
done

# Drop the intermediate manifests/configs that every umoci config/repack left behind.
umoci gc --layout "$LAYOUT"

# ---------------------------------------------------------------------------------------------------
# 6. multi: an OCI image index with only the runtime manifest (tests check that a platform is
#    picked out of an index). Written by hand: umoci cannot create indexes. Done after gc.
rt_desc=$(ref_desc runtime | jq -c '{mediaType,digest,size,platform:{architecture:"amd64",os:"linux"}}')
idx=$(jq -nc --argjson m "$rt_desc" '{schemaVersion:2,mediaType:"application/vnd.oci.image.index.v1+json",manifests:[$m]}')
idx_digest=$(printf '%s' "$idx" | sha256sum | cut -d' ' -f1)
printf '%s' "$idx" > "$LAYOUT/blobs/sha256/$idx_digest"
jq --arg d "sha256:$idx_digest" --argjson s "${#idx}" \
  '.manifests += [{mediaType:"application/vnd.oci.image.index.v1+json",digest:$d,size:$s,
                   annotations:{"org.opencontainers.image.ref.name":"multi"}}]' \
  "$LAYOUT/index.json" > "$T/index.json"
mv "$T/index.json" "$LAYOUT/index.json"

# 7. deps-all, runtime-all, aspnet-all: OCI image indexes of the amd64 and the arm64 image, with
#    complete platform fields (the shape of mcr.microsoft.com's multi-arch tags).
for t in deps runtime aspnet; do
  a=$(ref_desc "$t" | jq -c '{mediaType,digest,size,platform:{architecture:"amd64",os:"linux"}}')
  b=$(ref_desc "$t-arm64" | jq -c '{mediaType,digest,size,platform:{architecture:"arm64",os:"linux",variant:"v8"}}')
  jq -ncj --argjson a "$a" --argjson b "$b" \
    '{schemaVersion:2,mediaType:"application/vnd.oci.image.index.v1+json",manifests:[$a,$b]}' > "$T/idx"
  s=$(stat -c %s "$T/idx"); d=$(put_blob "$T/idx")
  jq --arg d "$d" --argjson s "$s" --arg t "$t-all" \
    '.manifests += [{mediaType:"application/vnd.oci.image.index.v1+json",digest:$d,size:$s,
                     annotations:{"org.opencontainers.image.ref.name":$t}}]' \
    "$LAYOUT/index.json" > "$T/index.json"
  mv "$T/index.json" "$LAYOUT/index.json"
done

# ---------------------------------------------------------------------------------------------------
# 8. Tarballs of runtime: the two archive formats `docker load` / `podman load` / skopeo read.
skopeo --insecure-policy copy -q "oci:$LAYOUT:runtime" "oci-archive:$OUT/runtime.oci.tar:runtime"
skopeo --insecure-policy copy -q "oci:$LAYOUT:runtime" "docker-archive:$OUT/runtime.docker.tar:example.com/base/runtime:1"

jq -n --arg v "$VER" --arg fxr "$FXR" \
  --argjson tags "$(jq -c '[.manifests[] | {key:.annotations["org.opencontainers.image.ref.name"],value:.digest}] | from_entries' "$LAYOUT/index.json")" \
  '{dotnetVersion:$v, hostFxrVersion:$fxr, platform:"linux/amd64", tags:$tags,
    dockerArchiveName:"example.com/base/runtime:1", ociArchiveRef:"runtime",
    arm64:{platform:"linux/arm64/v8", tags:["deps-arm64","runtime-arm64","aspnet-arm64"], hostFxrVersion:$v,
           dotnetMuxer:false, indexTags:["deps-all","runtime-all","aspnet-all"]}}' > "$OUT/info.json"
touch "$OUT/$MARKER"

# ---------------------------------------------------------------------------------------------------
# 9. Publish atomically. A CACHE_DIR without our marker (older version, foreign junk) is replaced.
if [[ -e $CACHE ]]; then mv -T "$CACHE" "$T/stale"; fi
mv -T "$OUT" "$CACHE"

{
  echo "make-base-images: built $CACHE in $(( $(date +%s) - START )) s (.NET $VER, linux/amd64 + linux/arm64/v8)"
  for t in deps runtime aspnet multi deps-arm64 runtime-arm64 aspnet-arm64 deps-all runtime-all aspnet-all; do
    m=$(jq -r --arg t "$t" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]==$t) | .digest' "$CACHE/oci/index.json")
    b=$CACHE/oci/blobs/sha256/${m#sha256:}
    if [[ $t == multi ]]; then
      echo "  oci:$CACHE/oci:$t  index $m -> runtime (linux/amd64)"
    elif [[ $t == *-all ]]; then
      echo "  oci:$CACHE/oci:$t  index $m -> ${t%-all} (linux/amd64) + ${t%-all}-arm64 (linux/arm64/v8)"
    else
      echo "  oci:$CACHE/oci:$t  $m  layers=$(jq '.layers|length' "$b") compressed=$(( $(jq '[.layers[].size]|add' "$b") / 1048576 )) MiB"
    fi
  done
  echo "  $CACHE/runtime.oci.tar     $(du -h "$CACHE/runtime.oci.tar" | cut -f1)"
  echo "  $CACHE/runtime.docker.tar  $(du -h "$CACHE/runtime.docker.tar" | cut -f1)  (example.com/base/runtime:1)"
  echo "  total $(du -sh "$CACHE" | cut -f1)"
} >&2
