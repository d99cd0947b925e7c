# Sourced (not executed) by run-image.sh and run-web-image.sh: a throw-away, fully private podman
# setup that works on the test machines (Debian 12, root, podman 4.3, cgroup v1/v2 hybrid host).
#
# Why each setting (all seen failing otherwise, see the repo's test notes):
#   cgroup_manager=cgroupfs  no systemd to talk to
#   events_logger=file       journald is not available
#   runtime=runc             crun fails: "cgroups in hybrid mode not supported"
#   default_ulimits          podman's defaults exceed the hard limits of the test process:
#                            "setrlimit RLIMIT_NOFILE: Operation not permitted"
#   tmp_dir, volume_path,    keep podman's state (events log, locks, volumes, networks, unpacked
#   image_copy_tmp_dir,      archives) inside our temp dir, so parallel runs and the machine's own
#   network_config_dir       podman never interfere
#   vfs storage in temp dir  a fresh store per run: `podman run oci:DIR:tagB` after `oci:DIR:tagA`
#                            silently reuses the first image (both are named localhost/DIR:latest),
#                            so images are imported under a unique name into an empty store.
# We never call `podman system reset`: it also deletes non-default networks of the machine's
# configuration and the engine tmp dir.
#
# Environment:
#   ARCH     podman_import: pick this architecture out of an index (default: skopeo's default = the
#            host's); podman_check_image: the imported/loaded image must have this architecture;
#            podman_run_args: `podman run --arch ARCH`. Unset = as before (host platform, no checks).
#            A foreign ARCH (arm64 on this amd64 machine) needs QEMU in binfmt_misc:
#            tests/scripts/arm64-emulation.sh on (the caller switches it on and off, not these scripts).
#   VARIANT  platform variant for picking out of an index (default v8 for ARCH=arm64, else none)
#   CREDS    user:pass for docker:// sources

PODMAN_WORK=
PODMAN_CNAME=

podman_setup() {
  PODMAN_WORK=$(mktemp -d "${TMPDIR:-/tmp}/ocimsbuild-podman.XXXXXX")
  PODMAN_CNAME=ocimsbuild-test-$$-$RANDOM
  local nofile nproc
  nofile=$(ulimit -Hn); [[ $nofile == unlimited ]] && nofile=1048576
  nproc=$(ulimit -Hu); { [[ $nproc == unlimited ]] || ((nproc > 4096)); } && nproc=4096
  mkdir -p "$PODMAN_WORK/tmp" "$PODMAN_WORK/volumes" "$PODMAN_WORK/networks"
  cat > "$PODMAN_WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
tmp_dir = "$PODMAN_WORK/tmp"
volume_path = "$PODMAN_WORK/volumes"
image_copy_tmp_dir = "$PODMAN_WORK/tmp"
[network]
network_config_dir = "$PODMAN_WORK/networks"
EOF
  cat > "$PODMAN_WORK/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$PODMAN_WORK/root"
runroot = "$PODMAN_WORK/run"
EOF
  # Both podman and skopeo (containers-storage: transport) read these.
  export CONTAINERS_CONF=$PODMAN_WORK/containers.conf
  export CONTAINERS_STORAGE_CONF=$PODMAN_WORK/storage.conf
  # skopeo/podman unpack archives to $TMPDIR (default /var/tmp): keep even crash leftovers in our dir.
  export TMPDIR=$PODMAN_WORK/tmp
}

# Stop our container, unmount whatever podman left below the work dir, delete it. Safe to call twice.
podman_cleanup() {
  [[ -n $PODMAN_WORK && -d $PODMAN_WORK ]] || return 0
  # (|| true everywhere: this runs from an EXIT trap under set -e and must get to the rm -rf)
  if [[ -n $PODMAN_CNAME ]]; then podman rm -f -t 2 "$PODMAN_CNAME" >/dev/null 2>&1 || true; fi
  podman rm -a -f -t 0 >/dev/null 2>&1 || true     # only containers of our private store
  # e.g. a container's shm tmpfs under runroot if podman was killed; deepest first.
  awk -v p="$PODMAN_WORK/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done || true
  rm -rf "$PODMAN_WORK" || true
  PODMAN_WORK=
}

# podman_import SRC NAME: copy any skopeo source into the private store as NAME (localhost/x:y).
# --insecure-policy: the images are our own test output; do not depend on /etc/containers/policy.json.
podman_import() {
  local src=$1 name=$2 opts=() variant=${VARIANT:-}
  [[ -z $variant && ${ARCH:-} == arm64 ]] && variant=v8   # also matches index entries without a variant
  [[ -n ${ARCH:-} ]] && opts+=(--override-os linux --override-arch "$ARCH")
  [[ -n ${ARCH:-} && -n $variant ]] && opts+=(--override-variant "$variant")
  [[ $src == docker://* ]] && opts+=(--src-tls-verify=false)
  [[ -n ${CREDS:-} ]] && opts+=(--src-creds "$CREDS")
  skopeo --insecure-policy copy -q "${opts[@]}" "$src" "containers-storage:$name"
}

# podman_load TARFILE: `podman load -i` (docker-archive or oci-archive) and print the loaded image's
# reference. podman 4.3 prints "Loaded image: NAME" (or "Loaded image(s): A,B"); an unnamed image
# is reported as "sha256:<id>", which `podman run` also accepts.
podman_load() {
  local out ref
  out=$(podman load -q -i "$1") || { echo "$out" >&2; return 1; }
  ref=$(sed -En 's/^Loaded image(\(s\))?: *//p' <<<"$out" | head -n1)
  ref=${ref%%,*}
  [[ -n $ref ]] || { echo "podman load: cannot find the image name in: $out" >&2; return 1; }
  printf '%s\n' "$ref"
}

# podman_check_image IMAGE: with ARCH set, fail (status 125, podman's "could not run") unless IMAGE
# is linux/ARCH -- skopeo copies a single-platform source whatever its architecture, `podman load`
# takes the host's platform out of an archive holding an index, and `podman run` only warns on a
# mismatch -- and unless programs of a foreign ARCH can run here at all (binfmt_misc).
podman_check_image() {
  [[ -n ${ARCH:-} ]] || return 0
  local platform host
  platform=$(podman image inspect --format '{{.Os}}/{{.Architecture}}' "$1") || return 125
  if [[ $platform != "linux/$ARCH" ]]; then
    echo "podman: image $1 is $platform, not linux/$ARCH (ARCH=$ARCH)" >&2; return 125
  fi
  case $(uname -m) in x86_64) host=amd64 ;; aarch64) host=arm64 ;; *) host=$(uname -m) ;; esac
  if [[ $ARCH == arm64 && $host != arm64 ]] && ! "$(dirname "${BASH_SOURCE[0]}")/arm64-emulation.sh" status 2>/dev/null; then
    echo "podman: linux/arm64 programs do not run on this $host machine: run tests/scripts/arm64-emulation.sh on first" >&2
    return 125
  fi
}

# podman_run_args: common `podman run` options (+ ARCH, ENTRYPOINT, PODMAN_RUN_ARGS) into PODMAN_ARGS.
podman_run_args() {
  PODMAN_ARGS=(--name "$PODMAN_CNAME" --pull never)
  # --arch: the image is looked up for that platform (no "image platform does not match" warning)
  [[ -n ${ARCH:-} ]] && PODMAN_ARGS+=(--arch "$ARCH")
  [[ -n ${ENTRYPOINT:-} ]] && PODMAN_ARGS+=(--entrypoint "$ENTRYPOINT")
  local extra=()
  [[ -n ${PODMAN_RUN_ARGS:-} ]] && read -r -a extra <<<"$PODMAN_RUN_ARGS"   # split on whitespace
  PODMAN_ARGS+=("${extra[@]}")
}
