# Shared helpers (bash) for building initramfs images from Debian arm64 .debs.
# Sourced by guest-images/build.sh and scripts/arm64-host.sh.
# Expects REPO to be set to the repository root.

BUILD=${BUILD:-$REPO/build}
DEBS=$BUILD/debs
EXTRACT=$BUILD/extract

# Fixed timestamp for all archive members (reproducible builds).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
export SOURCE_DATE_EPOCH

img_die() { echo "${IMG_PROG:-guest-images}: error: $*" >&2; exit 1; }

# find_deb PATTERN: newest build/debs/PATTERN_*_arm64.deb
find_deb() {
    local f
    f=$(ls "$DEBS"/$1_*_arm64.deb 2>/dev/null | sort -V | tail -n1)
    [ -n "$f" ] || img_die "no $1 .deb in build/debs (run scripts/setup.sh as root first)"
    echo "$f"
}

# extract_deb DEB: extracts into build/extract/<name>/ once; prints the dir.
extract_deb() {
    local deb=$1 name dir tmp
    name=$(basename "$deb" .deb)
    dir=$EXTRACT/$name
    if [ ! -e "$dir/.done" ] || [ "$deb" -nt "$dir/.done" ]; then
        mkdir -p "$EXTRACT"
        tmp=$(mktemp -d "$EXTRACT/.x.XXXXXX")
        dpkg-deb -x "$deb" "$tmp" || { rm -rf "$tmp"; img_die "cannot extract $deb"; }
        touch "$tmp/.done"
        rm -rf "$dir"
        mv "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"   # lost a race: fine
    fi
    echo "$dir"
}

# kernel_dir EXTRACTED_DEB_DIR: prints "KVER" (the lib/modules/<KVER> name).
kernel_version() {
    local d
    for d in "$1"/lib/modules/*/; do basename "$d"; return; done
    img_die "no lib/modules in $1"
}

# busybox_applets BUSYBOX: prints the applet names compiled into a busybox
# binary (read from its sorted applet name table, no need to run it).
busybox_applets() {
    tr '\0' '\n' < "$1" | awk '
        !p && prev == "[" && $0 == "[[" { p = 1; print prev }
        p { if ($0 ~ /^[a-z0-9_.[-]+$/) print; else exit }
        { prev = $0 }'
}

# mod_closure MODDIR MODULE...: prints the relative paths (kernel/...ko) of
# MODULEs and all their dependencies (from each .ko's modinfo "depends="),
# dependencies first. Modules built into the kernel are skipped silently.
declare -A _MODPATH _MODSEEN
_mod_visit() {
    local n=${1//-/_} p d deps
    [ -n "${_MODSEEN[$n]:-}" ] && return 0
    _MODSEEN[$n]=1
    p=${_MODPATH[$n]:-}
    if [ -z "$p" ]; then
        grep -q "/${n}.ko\$\|/${n//_/-}.ko\$" "$_MODDIR/modules.builtin" 2>/dev/null && return 0
        img_die "kernel module $n not found in $_MODDIR"
    fi
    deps=$(tr '\0' '\n' < "$_MODDIR/$p" | sed -n 's/^depends=//p' | head -n1)
    for d in ${deps//,/ }; do _mod_visit "$d"; done
    _MODORDER+=("$p")
}
mod_closure() {
    _MODDIR=$1; shift
    _MODPATH=(); _MODSEEN=(); _MODORDER=()
    local f n
    while IFS= read -r f; do
        n=${f##*/}; n=${n%.ko}; n=${n//-/_}
        _MODPATH[$n]=$f
    done < <(cd "$_MODDIR" && find kernel -name '*.ko' | LC_ALL=C sort)
    for n in "$@"; do _mod_visit "$n"; done
    printf '%s\n' "${_MODORDER[@]}"
}

# write_modules_dep STAGE_MODDIR: writes modules.dep (kmod/busybox format:
# "mod.ko: deps...", deps listed so that the last one is loaded first) for the
# modules copied into STAGE_MODDIR, using mod_closure per module.
write_modules_dep() {
    local sm=$1 p out=() closure i line
    : > "$sm/modules.dep"
    while IFS= read -r p; do
        mapfile -t closure < <(mod_closure "$sm" "$(basename "$p" .ko)")
        line="$p:"
        for ((i = ${#closure[@]} - 2; i >= 0; i--)); do line+=" ${closure[i]}"; done
        out+=("$line")
    done < <(cd "$sm" && find kernel -name '*.ko' | LC_ALL=C sort)
    printf '%s\n' "${out[@]}" > "$sm/modules.dep"
}

# copy_modules SRC_MODDIR DST_MODDIR MODULE...: copies MODULEs + deps,
# writes DST/modules.dep and DST/load-order (insmod order, relative paths).
copy_modules() {
    local src=$1 dst=$2 p
    shift 2
    mkdir -p "$dst"
    mod_closure "$src" "$@" > "$dst/load-order"
    while IFS= read -r p; do
        mkdir -p "$dst/$(dirname "$p")"
        cp "$src/$p" "$dst/$p"
        chmod 644 "$dst/$p"
    done < "$dst/load-order"
    cp "$src/modules.builtin" "$dst/" 2>/dev/null || true
    [ -f "$src/modules.order" ] && cp "$src/modules.order" "$dst/"
    write_modules_dep "$dst"
}

# install_busybox STAGE BUSYBOX: /bin/busybox plus applet symlinks in /bin;
# /sbin, /usr/bin, /usr/sbin are symlinks to /bin.
install_busybox() {
    local st=$1 bb=$2 a n=0
    mkdir -p "$st/bin" "$st/usr"
    cp "$bb" "$st/bin/busybox"
    chmod 755 "$st/bin/busybox"
    for a in $(busybox_applets "$bb"); do
        [ "$a" = busybox ] && continue
        ln -sf busybox "$st/bin/$a"
        n=$((n + 1))
    done
    [ $n -gt 100 ] || img_die "could not read the applet list of $bb"
    ln -sfn bin "$st/sbin"
    ln -sfn ../bin "$st/usr/bin"
    ln -sfn ../bin "$st/usr/sbin"
}

# _cpio_node NAME MODE(octal) MAJOR MINOR: one newc header (no data).
_cpio_node() {
    local name=$1 mode=$((8#$2)) maj=$3 min=$4 nsz pad
    nsz=$((${#name} + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        0 "$mode" 0 0 1 "$SOURCE_DATE_EPOCH" 0 0 0 "$maj" "$min" "$nsz" 0
    printf '%s\0' "$name"
    pad=$(( (4 - (110 + nsz) % 4) % 4 ))
    head -c "$pad" /dev/zero
}

# make_cpio STAGE OUT: reproducible uncompressed newc archive of STAGE, plus
# a /dev/console device node (appended as a second archive, so building does
# not need root).
make_cpio() {
    local st=$1 out=$2
    find "$st" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    {
        (cd "$st" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
            cpio -o -H newc --reproducible -R 0:0 --quiet) || exit 1
        _cpio_node dev/console 020600 5 1
        _cpio_node TRAILER!!! 0 0 0
        head -c 512 /dev/zero
    } > "$out"
}
