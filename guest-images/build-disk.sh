#!/bin/bash
# Builds the test disk for virtio-blk into build/guest/:
#   test-disk.ext4    64 MiB ext4 image with files of known content:
#                       hello.txt        one fixed line
#                       random.bin       1 MiB of deterministic pseudo-random
#                                        bytes (an LCG; no openssl needed)
#                       blocks.txt       8 MiB: 2048 blocks of 4 KiB, each
#                                        naming its own index, so a block read
#                                        from the wrong place shows
#                       sub/dir/nested.txt
#                       SHA256SUMS       the sums of the files above
#   test-disk.sha256  the same sums, paths relative to the disk's root:
#                     a guest checks with  cd /mnt && sha256sum -c FILE
# Reproducible: fixed UUID, directory hash seed, timestamps
# (SOURCE_DATE_EPOCH), owners (root) and mke2fs settings (its own
# mke2fs.conf, so the host's does not count). Does nothing when the outputs
# are newer than this script (use -f to force). Needs mke2fs and debugfs
# (e2fsprogs) and basenc (coreutils); no root.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMG_PROG=guest-images/build-disk.sh
. "$REPO/guest-images/lib.sh"

OUT=$BUILD/guest
DISK=$OUT/test-disk.ext4
SUMS=$OUT/test-disk.sha256
SIZE_MIB=64
FS_UUID=6d6d7600-7465-7374-2d64-69736b000001
HASH_SEED=6d6d7600-7465-7374-2d68-617368000001
LABEL=vmm-test

force=0
[ "${1:-}" = -f ] && force=1

for tool in mke2fs debugfs basenc sha256sum; do
    command -v "$tool" >/dev/null ||
        img_die "$tool not found (apt-get install e2fsprogs coreutils, or run scripts/setup.sh)"
done

print_outputs() {
    echo "guest-images: $DISK"
    echo "guest-images: $SUMS"
}

uptodate() {
    local o
    for o in "$DISK" "$SUMS"; do
        [ -f "$o" ] && [ "$o" -nt "$REPO/guest-images/build-disk.sh" ] &&
            [ "$o" -nt "$REPO/guest-images/lib.sh" ] || return 1
    done
}
if [ $force = 0 ] && uptodate; then
    echo "guest-images: test disk is up to date"
    print_outputs
    exit 0
fi

echo "guest-images: building the test disk"
mkdir -p "$OUT"
tmp=$(mktemp -d "$OUT/.disk.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root/sub/dir"

printf 'hello from the vmm test disk\n' > "$root/hello.txt"
printf 'a file two directories down\n' > "$root/sub/dir/nested.txt"

# 1 MiB from x = 69069 x + 1 mod 2^32 (every product stays below 2^53, so
# any awk computes it exactly), one byte (bits 16-23) per step, written as
# hex and decoded by basenc: awk never has to print a raw byte.
LC_ALL=C awk 'BEGIN {
    x = 20240101
    for (i = 0; i < 1048576; i++) {
        x = (x * 69069 + 1) % 4294967296
        printf "%02X", int(x / 65536) % 256
        if (i % 32 == 31) printf "\n"
    }
}' | tr -d '\n' | basenc --base16 -d > "$root/random.bin"

# 2048 blocks of 4096 bytes: "block NNNNNN of 2048 " then filler, then \n.
LC_ALL=C awk 'BEGIN {
    fill = ""
    for (j = 0; j < 4096; j++) fill = fill sprintf("%c", 97 + j % 26)
    for (i = 0; i < 2048; i++) {
        head = sprintf("block %06d of 2048 ", i)
        printf "%s%s\n", head, substr(fill, 1, 4095 - length(head))
    }
}' > "$root/blocks.txt"

[ "$(stat -c %s "$root/random.bin")" = 1048576 ] || img_die "random.bin has the wrong size"
[ "$(stat -c %s "$root/blocks.txt")" = 8388608 ] || img_die "blocks.txt has the wrong size"

(cd "$root" && find . -type f -printf '%P\n' | LC_ALL=C sort |
    xargs -d '\n' sha256sum) > "$tmp/sums"
cp "$tmp/sums" "$root/SHA256SUMS"

chmod 755 "$root" "$root/sub" "$root/sub/dir"
find "$root" -type f -exec chmod 644 {} +
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# mke2fs reads only this file, not the host's /etc/mke2fs.conf.
cat > "$tmp/mke2fs.conf" <<'EOF'
[defaults]
	base_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
	blocksize = 4096
	inode_size = 256
	inode_ratio = 16384
	enable_periodic_fsck = 0
	default_mntopts = acl,user_xattr

[fs_types]
	ext4 = {
		features = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
	}
	small = {
		inode_ratio = 16384
	}
EOF

export MKE2FS_CONFIG=$tmp/mke2fs.conf
export E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
rm -f "$tmp/disk.ext4"
mke2fs -q -t ext4 -L "$LABEL" -U "$FS_UUID" -m 0 \
    -E "hash_seed=$HASH_SEED,lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0" \
    -d "$root" "$tmp/disk.ext4" "${SIZE_MIB}M" > "$tmp/mke2fs.log" 2>&1 ||
    { cat "$tmp/mke2fs.log" >&2; img_die "mke2fs failed"; }
if grep -vq '^Creating regular file ' "$tmp/mke2fs.log"; then
    cat "$tmp/mke2fs.log" >&2
    img_die "mke2fs warned"
fi

# mke2fs -d copies owners and the inode change time from the staging
# files: make every inode root's and dated SOURCE_DATE_EPOCH.
{
    (cd "$root" && find . -printf '%P\n' | LC_ALL=C sort) | while IFS= read -r p; do
        for f in uid gid; do echo "sif \"/$p\" $f 0"; done
        for f in atime mtime ctime; do echo "sif \"/$p\" $f @$SOURCE_DATE_EPOCH"; done
    done
} > "$tmp/debugfs.cmds"
debugfs -w -f "$tmp/debugfs.cmds" "$tmp/disk.ext4" > "$tmp/debugfs.log" 2>&1 ||
    { cat "$tmp/debugfs.log" >&2; img_die "debugfs failed"; }
if grep -v '^debugfs' "$tmp/debugfs.log" | grep -q .; then
    cat "$tmp/debugfs.log" >&2
    img_die "debugfs reported errors"
fi
e2fsck -fn "$tmp/disk.ext4" > "$tmp/fsck.log" 2>&1 ||
    { cat "$tmp/fsck.log" >&2; img_die "e2fsck found errors in the new image"; }

mv -f "$tmp/disk.ext4" "$DISK"
mv -f "$tmp/sums" "$SUMS"
echo "guest-images: test disk: ${SIZE_MIB} MiB ext4, UUID $FS_UUID, sha256 $(sha256sum "$DISK" | cut -c1-16)..."
print_outputs
