#!/bin/bash
# Run a command on an arm64 host with KVM.
#
#   scripts/arm64-host.sh [--timeout SECONDS] [--] CMD [ARGS...]
#   scripts/arm64-host.sh --prepare      (only build the host initramfs)
#
# On an aarch64 machine with a usable /dev/kvm, CMD is simply exec'd.
# Otherwise an arm64 KVM host is emulated with QEMU (TCG, virtualization=on,
# GICv3) running Debian's generic arm64 kernel and a busybox initramfs
# (build/arm64-host/initramfs.cpio, rebuilt here when missing or stale).
# The repository is shared read-write over virtio-9p and mounted at the same
# absolute path, and CMD runs in the caller's working directory (which must
# be inside the repository). CMD's stdin/stdout/stderr are the caller's
# (through virtio consoles), its exit status is this script's exit status.
# Environment variables named VMM_* and TERM are passed through, and CMD
# sees VMM_HOST_EMULATED=1 when the host is emulated.
#
# Exit status: CMD's status; 124 on timeout (--timeout or VMM_HOST_TIMEOUT);
# 125 if the emulated host failed (see build/arm64-host/console.log).
# VMM_HOST_KEEP=1 keeps the per-run directory (build/arm64-host/run.*).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
PROG=arm64-host.sh
die() { echo "$PROG: error: $*" >&2; exit 125; }
usage() {
    echo "usage: scripts/arm64-host.sh [--timeout SECONDS] [--] CMD [ARGS...]" >&2
    exit 2
}

timeout=${VMM_HOST_TIMEOUT:-}
prepare=0
while [ $# -gt 0 ]; do
    case $1 in
        --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
        --timeout=*) timeout=${1#*=}; shift ;;
        --prepare) prepare=1; shift ;;
        -h|--help) usage ;;
        --) shift; break ;;
        -*) echo "$PROG: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
done
if [ -n "$timeout" ] && ! [[ $timeout =~ ^[0-9]+$ && $timeout -gt 0 ]]; then
    die "--timeout needs a positive number of seconds, got '$timeout'"
fi
[ $prepare = 1 ] || [ $# -gt 0 ] || usage

# Native arm64 with KVM: nothing to emulate.
if [ $prepare = 0 ] && [ "$(uname -m)" = aarch64 ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    if [ -n "$timeout" ]; then
        exec timeout --foreground -k 10 "$timeout" "$@"
    fi
    exec "$@"
fi

BUILD=$REPO/build
HOSTDIR=$BUILD/arm64-host
IMG_PROG=$PROG
. "$REPO/guest-images/lib.sh"

# Modules of the generic kernel loaded by the host's init (+ dependencies).
HOST_MODULES=(virtio_mmio virtio_console 9pnet_virtio 9p tun vhost_net vhost_vsock)

QEMU=${QEMU:-qemu-system-aarch64}
command -v "$QEMU" >/dev/null || die "$QEMU not found (run scripts/setup.sh as root)"

kdeb=$(find_deb 'linux-image-*[0-9]-arm64')
bbdeb=$(find_deb busybox-static)

# Shared libraries for dynamically linked arm64 programs (glibc from the
# cross toolchain or the native system, libfdt/zlib from the sysroot).
libdirs=()
for d in /usr/aarch64-linux-gnu/lib "$BUILD/arm64-sysroot/lib/aarch64-linux-gnu" \
         "$BUILD/arm64-sysroot/usr/lib/aarch64-linux-gnu"; do
    [ -d "$d" ] && libdirs+=("$d")
done
if [ "$(uname -m)" = aarch64 ]; then
    libdirs+=(/lib/aarch64-linux-gnu)
fi
LIBS=(ld-linux-aarch64.so.1 libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2
      librt.so.1 libresolv.so.2 libutil.so.1 libgcc_s.so.1 libatomic.so.1
      libfdt.so.1 libz.so.1 libcheck.so.0 libsubunit.so.0
      liburing.so.2 libseccomp.so.2 libevent_core-2.1.so.7
      libevent_extra-2.1.so.7
      # for the ASan + UBSan build (make SANITIZE=1): build/arm64-san/vmm
      libasan.so.8 libubsan.so.1 libstdc++.so.6)

build_host_initramfs() {
    local out=$HOSTDIR/initramfs.cpio inputs i st kdir bbdir kver tmp l d
    inputs=("$kdeb" "$bbdeb" "$REPO/guest-images/arm64-host-init"
            "$REPO/guest-images/lib.sh" "$REPO/scripts/arm64-host.sh")
    if [ -f "$out" ] && [ -f "$HOSTDIR/Image" ]; then
        local stale=0
        for i in "${inputs[@]}"; do [ "$out" -nt "$i" ] || stale=1; done
        [ $stale = 0 ] && return 0
    fi
    echo "$PROG: building build/arm64-host/initramfs.cpio" >&2
    kdir=$(extract_deb "$kdeb")
    bbdir=$(extract_deb "$bbdeb")
    kver=$(kernel_version "$kdir")
    tmp=$(mktemp -d "$HOSTDIR/.tmp.XXXXXX")
    st=$tmp/root
    mkdir -p "$st"/{dev,proc,sys,tmp,run,root,etc,mnt,lib/modules,lib/aarch64-linux-gnu}
    install_busybox "$st" "$bbdir/bin/busybox"
    copy_modules "$kdir/lib/modules/$kver" "$st/lib/modules/$kver" "${HOST_MODULES[@]}"
    for l in "${LIBS[@]}"; do
        for d in "${libdirs[@]}"; do
            if [ -e "$d/$l" ]; then
                cp -L "$d/$l" "$st/lib/aarch64-linux-gnu/$l"
                break
            fi
        done
    done
    if [ -e "$st/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1" ]; then
        ln -s aarch64-linux-gnu/ld-linux-aarch64.so.1 "$st/lib/ld-linux-aarch64.so.1"
    fi
    ln -s lib "$st/lib64"
    install -m 755 "$REPO/guest-images/arm64-host-init" "$st/init"
    printf 'root:x:0:0:root:/root:/bin/sh\n' > "$st/etc/passwd"
    printf 'root:x:0:\n' > "$st/etc/group"
    chmod 1777 "$st/tmp"
    make_cpio "$st" "$tmp/initramfs.cpio"
    cp "$kdir/boot/vmlinuz-$kver" "$tmp/Image"
    mv -f "$tmp/Image" "$HOSTDIR/Image"
    mv -f "$tmp/initramfs.cpio" "$out"
    rm -rf "$tmp"
}

mkdir -p "$HOSTDIR"
(
    flock 9
    build_host_initramfs
) 9>"$HOSTDIR/.lock"
[ $prepare = 1 ] && exit 0

# --- per-run set-up -------------------------------------------------------
cwd=$(pwd -P)
case $cwd/ in
    "$REPO"/*) ;;
    *) die "the current directory ($cwd) must be inside the repository ($REPO)" ;;
esac

# Remove run directories left behind by killed runs (older than a day).
find "$HOSTDIR" -maxdepth 1 -name "run.*" -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
run=$(mktemp -d "$HOSTDIR/run.XXXXXX")
chmod 755 "$run"

# sh single-quoting (works in busybox sh).
q() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

{
    echo "cd $(q "$cwd") || exit 126"
    while IFS= read -r name; do
        echo "export $name=$(q "${!name}")"
    done < <(compgen -e | grep -E '^(VMM_[A-Za-z0-9_]*|TERM)$' || true)
    # Lets the suite tell emulator faults from vmm's (tests/integration).
    echo "export VMM_HOST_EMULATED=1"
    printf 'exec'
    for a in "$@"; do printf ' %s' "$(q "$a")"; done
    echo
} > "$run/cmd.sh"

# How to connect the command's stdio (see guest-images/arm64-host-init).
fdid() { stat -L -c %d:%i "/proc/$$/fd/$1" 2>/dev/null || echo "none$1"; }
in_mode=spool rows= cols=
if [ -t 0 ]; then
    in_mode=tty
    read -r rows cols < <(stty size 2>/dev/null) || true
elif [ ! -e /proc/$$/fd/0 ] || [ "$(readlink /proc/$$/fd/0)" = /dev/null ]; then
    in_mode=null
fi
out_tty=0; [ -t 1 ] && out_tty=1
if [ "$(fdid 1)" = "$(fdid 2)" ]; then
    err_mode=merge
elif [ -t 2 ]; then
    err_mode=tty
else
    err_mode=pipe
fi
cat > "$run/config" <<EOF
in_mode=$in_mode
out_tty=$out_tty
err_mode=$err_mode
rows=$rows
cols=$cols
EOF

mkfifo "$run/qout" "$run/qerr.in" "$run/qerr.out"

qemu_pid= spool_pid= ocat_pid= ecat_pid= saved_tty=
if [ $in_mode = tty ]; then
    saved_tty=$(stty -g 2>/dev/null) || saved_tty=
fi

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM HUP
    [ -n "$qemu_pid" ] && kill -TERM "$qemu_pid" 2>/dev/null && wait "$qemu_pid" 2>/dev/null
    [ -n "$spool_pid" ] && kill "$spool_pid" 2>/dev/null
    # Unblock the relays if QEMU never opened its ends.
    exec 8<>"$run/qerr.out"; exec 8>&-
    [ -n "$ocat_pid" ] && wait "$ocat_pid" 2>/dev/null
    [ -n "$ecat_pid" ] && wait "$ecat_pid" 2>/dev/null
    [ -n "$saved_tty" ] && stty "$saved_tty" 2>/dev/null
    if [ -f "$run/console.log" ]; then
        cp "$run/console.log" "$HOSTDIR/.console.log.$$" &&
            mv -f "$HOSTDIR/.console.log.$$" "$HOSTDIR/console.log"
    fi
    if [ "${VMM_HOST_KEEP:-0}" = 1 ]; then
        echo "$PROG: kept $run" >&2
    else
        rm -rf "$run"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Relays: QEMU's stdout and the hvc1 (stderr) port go through FIFOs so that
# QEMU never touches (reopens, truncates, sets O_NONBLOCK on) our fds 1/2.
cat "$run/qout" &
ocat_pid=$!
cat "$run/qerr.out" >&2 &
ecat_pid=$!

# stdin (when not a terminal): spooled into numbered chunk files that the
# host's init replays, followed by an "eof" marker, so EOF propagates.
if [ $in_mode = spool ]; then
    mkdir "$run/in"
    (
        n=0
        while :; do
            f=$(printf '%s/in/%08d' "$run" $n)
            dd bs=65536 count=1 of="$f.tmp" status=none 2>/dev/null || break
            [ -s "$f.tmp" ] || break
            mv "$f.tmp" "$f"
            n=$((n + 1))
        done
        rm -f "$f.tmp"
        : > "$run/in/eof"
    ) <&0 >/dev/null 2>&1 &
    spool_pid=$!
fi

esc() { printf '%s' "${1//,/,,}"; }   # QEMU option value escaping
append="console=ttyAMA0 quiet panic=-1 cryptomgr.notests rdinit=/init vmmrepo=\"$REPO\" vmmrun=\"$run\""
qemu_args=(
    -M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on
    -accel tcg,thread=multi -smp 2 -m 3G
    -nodefaults -no-user-config -display none -no-reboot
    -kernel "$HOSTDIR/Image" -initrd "$HOSTDIR/initramfs.cpio" -append "$append"
    -serial "file:$(esc "$run/console.log")"
    -fsdev "local,id=repo,path=$(esc "$REPO"),security_model=none,multidevs=remap"
    -device virtio-9p-device,fsdev=repo,mount_tag=repo
    -device virtio-serial-device
    -chardev stdio,id=hvc0,signal=off
    -chardev "pipe,id=hvc1,path=$(esc "$run/qerr")"
    -device virtconsole,chardev=hvc0,nr=0
    -device virtconsole,chardev=hvc1,nr=1
)
tcmd=()
[ -n "$timeout" ] && tcmd=(timeout --foreground -k 10 "$timeout")
if [ $in_mode = tty ]; then
    "${tcmd[@]}" "$QEMU" "${qemu_args[@]}" <&0 >"$run/qout" 2>"$run/qemu.err" &
else
    "${tcmd[@]}" "$QEMU" "${qemu_args[@]}" </dev/null >"$run/qout" 2>"$run/qemu.err" &
fi
qemu_pid=$!
qrc=0
wait "$qemu_pid" || qrc=$?
qemu_pid=

if [ -s "$run/status" ]; then
    status=$(cat "$run/status")
    [[ $status =~ ^[0-9]+$ ]] || status=125
    exit "$status"
fi
if [ -n "$timeout" ] && [ $qrc = 124 ]; then
    echo "$PROG: timed out after ${timeout}s, QEMU killed" >&2
    exit 124
fi
{
    echo "$PROG: the emulated arm64 host stopped without a command status (QEMU exit $qrc);"
    echo "$PROG: see build/arm64-host/console.log"
    [ -s "$run/qemu.err" ] && sed 's/^/qemu: /' "$run/qemu.err"
} >&2
exit 125
