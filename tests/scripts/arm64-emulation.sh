#!/usr/bin/env bash
# Run linux/arm64 programs and images on this (amd64) machine: QEMU user-mode emulation registered in
# the kernel's binfmt_misc, so that every arm64 ELF that is exec'ed -- also inside chroots, runc/podman
# containers and by arm64 parents -- runs through qemu-aarch64-static.
#
#   tests/scripts/arm64-emulation.sh on       make arm64 binaries runnable (exit 0 when they run)
#   tests/scripts/arm64-emulation.sh off      undo what `on` did, nothing more
#   tests/scripts/arm64-emulation.sh status   exit 0 if arm64 binaries run here now, 1 if not
#
# `on`: mounts binfmt_misc at /proc/sys/fs/binfmt_misc if it is not mounted, registers the line Debian
# ships in /usr/lib/binfmt.d/qemu-aarch64.conf (package qemu-user-static; flags OPF: F makes the kernel
# open the interpreter at registration time, which is what lets it work inside containers whose rootfs
# has no qemu), or enables that entry if it exists but is disabled. If arm64 binaries already run (an
# entry registered by someone else, e.g. systemd-binfmt or binfmt-support) it changes nothing.
# `off`: unregisters / disables / unmounts only what an `on` did. Nothing this script did not do is
# ever undone, so an emulation the machine had before the tests stays.
#
# Pairs of on/off may nest and overlap (parallel test fixtures, make-base-images.sh inside a test run):
# the state file counts the `on`s that are not yet matched by an `off`; the last `off` undoes the
# changes. A process that dies between `on` and `off` only leaves the (harmless) registration behind.
# State: /run/ocimsbuild-arm64-emulation/ (override: OCIMSBUILD_ARM64_STATE_DIR), guarded by flock.
#
# Never installs anything: without qemu-aarch64-static it fails and says which package to install
# (tests/scripts/install-test-tools.sh installs it). `on`/`off` need root; `status` does not.
#
# How arm64 support is checked: a 132-byte static arm64 ELF (written below, no download) that does
# exit(42) is run; exit status 42 means an arm64 program really ran.
set -euo pipefail

BM=/proc/sys/fs/binfmt_misc
NAME=qemu-aarch64
CONF=/usr/lib/binfmt.d/qemu-aarch64.conf
STATE_DIR=${OCIMSBUILD_ARM64_STATE_DIR:-/run/ocimsbuild-arm64-emulation}
STATE=$STATE_DIR/state

say() { echo "arm64-emulation: $*" >&2; }
die() { say "$*"; exit 1; }

# The aarch64 ELF magic/mask of Debian's qemu-aarch64.conf; only used when that file is missing.
MAGIC='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
MASK='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'

# probe: 0 if an arm64 program runs. ELF64 header + one PT_LOAD at 0x400000 + 3 instructions:
#   movz x0, #42 ; movz x8, #93 (exit) ; svc #0
probe() {
  local f rc=0
  f=$(mktemp "${TMPDIR:-/tmp}/arm64-probe.XXXXXX")
  printf '%b' \
    '\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
    '\x02\x00\xb7\x00\x01\x00\x00\x00\x78\x00\x40\x00\x00\x00\x00\x00' \
    '\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
    '\x00\x00\x00\x00\x40\x00\x38\x00\x01\x00\x00\x00\x00\x00\x00\x00' \
    '\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
    '\x00\x00\x40\x00\x00\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x00' \
    '\x84\x00\x00\x00\x00\x00\x00\x00\x84\x00\x00\x00\x00\x00\x00\x00' \
    '\x00\x10\x00\x00\x00\x00\x00\x00\x40\x05\x80\xd2\xa8\x0b\x80\xd2' \
    '\x01\x00\x00\xd4' > "$f"
  chmod 755 "$f"
  "$f" 2>/dev/null || rc=$?
  rm -f "$f"
  [[ $rc == 42 ]]
}

mounted() { [[ -e $BM/register ]]; }
entry_enabled() { [[ -e $BM/$NAME ]] && [[ $(head -n1 "$BM/$NAME") == enabled ]]; }

describe() {  # one line about the current handler, for messages
  if ! mounted; then echo "binfmt_misc is not mounted at $BM"
  elif [[ -e $BM/$NAME ]]; then
    echo "$BM/$NAME: $(head -n1 "$BM/$NAME"), $(grep -m1 '^interpreter' "$BM/$NAME"), $(grep -m1 '^flags' "$BM/$NAME")"
  else echo "no $NAME entry in $BM"; fi
}

need_qemu() {
  command -v qemu-aarch64-static >/dev/null \
    || die "qemu-aarch64-static not found: install the Debian package qemu-user-static (tests/scripts/install-test-tools.sh does)"
}

# The registration line: Debian's file if present, else the same magic/mask with flags F.
register_line() {
  if [[ -r $CONF ]]; then
    local line; line=$(grep -m1 "^:$NAME:" "$CONF") || die "$CONF has no :$NAME: line"
    local interp; interp=$(cut -d: -f7 <<<"$line")
    [[ -x $interp ]] || die "$CONF names the interpreter $interp, which does not exist (reinstall qemu-user-static)"
    printf '%s\n' "$line"
  else
    printf ':%s:M::%s:%s:%s:F\n' "$NAME" "$MAGIC" "$MASK" "$(command -v qemu-aarch64-static)"
  fi
}

# State: "users=N mounted=0|1 registered=0|1 enabled=0|1" (what the first `on` changed).
users=0 we_mounted=0 we_registered=0 we_enabled=0
load_state() {
  users=0 we_mounted=0 we_registered=0 we_enabled=0
  [[ -f $STATE ]] || return 0
  local k v
  for kv in $(cat "$STATE"); do
    k=${kv%%=*} v=${kv#*=}
    [[ $v =~ ^[0-9]+$ ]] || continue
    case $k in users) users=$v ;; mounted) we_mounted=$v ;; registered) we_registered=$v ;; enabled) we_enabled=$v ;; esac
  done
  # Stale (reboot, or someone removed the entry): what we once did is gone, so there is nothing of
  # ours left to undo; start counting afresh.
  if ((users > 0)) && ! { mounted && [[ -e $BM/$NAME ]] || probe; }; then
    users=0 we_mounted=0 we_registered=0 we_enabled=0
  fi
}
save_state() {
  if ((users == 0)); then rm -f "$STATE"; return; fi
  printf 'users=%d mounted=%d registered=%d enabled=%d\n' "$users" "$we_mounted" "$we_registered" "$we_enabled" > "$STATE.new"
  mv -f "$STATE.new" "$STATE"
}
lock() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/lock"
  flock 9
}
need_root() { [[ $(id -u) == 0 ]] || die "'$1' needs root (it writes to $BM)"; }

undo() {  # reverse order of `on`
  if ((we_registered)); then [[ -e $BM/$NAME ]] && echo -1 > "$BM/$NAME"
  elif ((we_enabled)); then [[ -e $BM/$NAME ]] && echo 0 > "$BM/$NAME"; fi
  if ((we_mounted)) && mounted; then umount "$BM" || say "could not unmount $BM (busy?); left mounted"; fi
  we_mounted=0 we_registered=0 we_enabled=0
}

case ${1:-} in
on)
  need_root on
  lock
  load_state
  if ((users == 0)) && ! probe; then
    need_qemu
    if ! mounted; then
      grep -qw binfmt_misc /proc/filesystems || modprobe binfmt_misc 2>/dev/null || true
      mount -t binfmt_misc binfmt_misc "$BM" || die "cannot mount binfmt_misc at $BM"
      we_mounted=1
    fi
    if [[ ! -e $BM/$NAME ]]; then
      line=$(register_line) || { undo; exit 1; }
      printf '%s\n' "$line" > "$BM/register" || { undo; die "registering $NAME in $BM/register failed"; }
      we_registered=1
    elif ! entry_enabled; then
      echo 1 > "$BM/$NAME"; we_enabled=1
    fi
    if ! probe; then
      msg=$(describe); undo
      die "arm64 programs still do not run after registering qemu-aarch64 ($msg)"
    fi
  elif ! probe; then
    die "arm64 programs do not run although an earlier 'on' is active ($(describe))"
  fi
  users=$((users + 1))
  save_state
  if [[ -e $BM/$NAME ]] && ! grep -q '^flags:.*F' "$BM/$NAME"; then
    say "warning: the arm64 handler is not registered with flag F; arm64 programs inside containers may fail to find the interpreter ($(describe))"
  fi
  say "on ($(describe); active users: $users)"
  ;;
off)
  need_root off
  lock
  load_state
  if ((users == 0)); then say "nothing to undo (no active 'on')"; exit 0; fi
  users=$((users - 1))
  if ((users == 0)); then
    undo
    say "off (undid our changes; now: $(describe))"
  else
    say "still in use by $users other 'on'; left as it is"
  fi
  save_state
  ;;
status)
  if probe; then say "arm64 programs run ($(describe))"; exit 0; fi
  need_qemu
  say "arm64 programs do not run ($(describe)); run: $0 on"
  exit 1
  ;;
*) echo "usage: $0 on|off|status" >&2; exit 2 ;;
esac
