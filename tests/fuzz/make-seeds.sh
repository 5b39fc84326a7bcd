#!/bin/bash
# Regenerate the seed corpora of fuzz_loader, fuzz_config and fuzz_mmio_bus
# (tests/fuzz/corpus/{loader,config,mmio_bus}/). Deterministic: the same
# bytes on every run (gzip streams carry no name and mtime 0).
#
#   tests/fuzz/make-seeds.sh
#
# The input formats are described at the top of each harness.
set -euo pipefail
cd "$(dirname "$0")"
exec python3 - <<'EOF'
import gzip
import os
import struct

RAM_BASE = 0x80000000
MAGIC = 0x644D5241


def put(corpus, name, data):
    os.makedirs(os.path.join("corpus", corpus), exist_ok=True)
    assert len(data) < 64 * 1024, name
    with open(os.path.join("corpus", corpus, name), "wb") as f:
        f.write(data)


# --- loader: kernel files, the last 16 bytes choosing the machine ---------
def trailer(ram_sel, flags=0, t3=0, initrd=0, initrd_shift=0, text_pages=0,
            image_size=0, image_shift=0):
    return (struct.pack("<HBBIB", ram_sel, flags, t3, initrd, initrd_shift)
            + struct.pack("<HIB", text_pages, image_size, image_shift))


def header(text_offset=0, image_size=0x10000, flags=0xA, pe_offset=0):
    # code0: "MZ" (also an instruction) for an EFI stub, else a branch
    # past the header.
    code = b"MZ\x00\x91" if pe_offset else struct.pack("<I", 0x14000010)
    return (code + struct.pack("<I", 0)
            + struct.pack("<QQQ", text_offset, image_size, flags)
            + bytes(24) + struct.pack("<II", MAGIC, pe_offset))


def body(n):
    return bytes((i * 7 + 3) & 0xFF for i in range(n))


# A minimal valid Image: 64 bytes, res4 (offset 48) chooses 64 MiB of RAM.
h = bytearray(header())
h[48:50] = struct.pack("<H", 31)
put("loader", "image-min", bytes(h))

image = (header(text_offset=0, image_size=0x1000000) + body(4096)
         + trailer(63, flags=2, t3=4, initrd=0x100000, initrd_shift=4,
                   text_pages=16, image_size=0x1000000))
put("loader", "image", image)

# 600 MiB with BSS in 1 GiB: the first 512 MiB are too small, the top of
# RAM is used.
put("loader", "image-high",
    header(text_offset=0x80000, image_size=600 << 20) + body(1024)
    + trailer(511, flags=2 | 4, t3=0, initrd=0x200000, initrd_shift=8,
              text_pages=128, image_size=600 << 20))


# An EFI-stub Image: the PE/COFF header at 0x40, two sections.
def efi(total=0x1000):
    pe = bytearray()
    pe += b"PE\0\0"
    # machine arm64, 2 sections, timestamp, symtab, nsyms, opt size, chars
    pe += struct.pack("<HHIIIHH", 0xAA64, 2, 0, 0, 0, 0xF0, 0x206)
    pe += bytes(0xF0)  # optional header: its size is what matters
    for name, vaddr, size, ptr in ((b".text", 0x200, 0x600, 0x200),
                                   (b".data", 0x800, 0x800, 0x800)):
        pe += name.ljust(8, b"\0")
        pe += struct.pack("<IIII", size, vaddr, size, ptr)
        pe += struct.pack("<IIHHI", 0, 0, 0, 0, 0x60000020)
    f = header(image_size=0x20000, pe_offset=0x40) + pe
    f += body(total - 16 - len(f))
    return f + trailer(31, flags=4, t3=1, initrd=0x3000, text_pages=0,
                       image_size=0x20000)


put("loader", "efi", efi())
put("loader", "efi-truncated", efi()[:0xC00])
put("loader", "image.gz",
    gzip.compress(image, mtime=0) + trailer(127, flags=0, t3=40))
put("loader", "efi.gz", gzip.compress(efi(), mtime=0) + trailer(63, t3=200))
# Inflates past the fuzzer's 2 MiB bound: -EFBIG.
put("loader", "bomb.gz",
    gzip.compress(header() + bytes(3 << 20), mtime=0, compresslevel=9)
    + trailer(4095))
put("loader", "not-a-kernel", b"\x7fELF" + bytes(60) + trailer(31))


# --- config: command lines, one argument per NUL-terminated string --------
def argv(*args):
    return b"\0".join(a.encode() if isinstance(a, str) else a for a in args)


put("config", "typical",
    argv("--kernel", "Image", "--mem", "512M", "--cpus", "4", "--disk",
         "a.img,ro,serial=x", "--cmdline", "quiet"))
put("config", "everything",
    argv("-k", "Image.gz", "-i", "initrd.img", "-m", "2GiB", "-c", "123",
         "--gic", "v2", "--log-level", "debug", "--disk", "root.img",
         "--disk", "data.img,serial=DATA-0001,ro", "--rng", "off",
         "--console", "virtio", "--seccomp", "log", "--user", "1000:1000",
         "--chroot", "/var/empty", "--stats", "--dump-dtb", "out.dtb",
         "--cmdline", "console=hvc0 root=/dev/vda rw  "))
put("config", "short-joined",
    argv("-kImage", "-m4k", "-c1", "--mem=1T", "--gic=auto", "--console=uart",
         "--cmdline=earlycon=pl011,0x9000000 console=ttyAMA0"))
put("config", "operations",
    argv("--kernel", "Image", "--seccomp", "kill", "--timeout", "30",
         "--serial-log", "serial.log", "--events", "events.jsonl",
         "--seccomp=off", "--timeout=31536000"))
put("config", "help", argv("-h", "--version", "--kernel", "x"))
put("config", "bad-size",
    argv("--kernel", "Image", "--mem", "18446744073709551615K"))
put("config", "bad-disk",
    argv("--kernel", "I", "--disk", "a.img", "--disk", ",ro", "--disk",
         "b.img,serial=", "--disk", "c.img,serial=has space"))
put("config", "bad-user",
    argv("--kernel", "I", "--user", "4294967295:0", "--user", ":",
         "--user", "123456789012345678:1", "--user", "1:-1", "--user", "1000",
         "--seccomp", "strict",
         "--timeout", "0"))
put("config", "vsock",
    argv("--kernel", "I", "--vsock", "cid=3", "--vsock=cid=4294967294",
         "--vsock", "cid=4294967295", "--vsock", "cid=18446744073709551620",
         "--vsock", "cid=", "--vsock", "port=5"))
put("config", "missing-value", argv("--kernel", "Image", "--cpus"))
put("config", "unknown", argv("--kern", "Image", "--c", "2", "-x", "extra"))
put("config", "long-cmdline",
    argv("--kernel", "Image", "--cmdline", "a" * 2040))
put("config", "many-disks",
    argv("--kernel", "Image", *sum((["--disk", "d%d.img" % i]
                                    for i in range(17)), [])))


# --- mmio_bus: a header, 12-byte access records, then the RAM -----------
UART, RTC, VIRTIO, ADDR, RAM, RX, KICK, EDGE = range(8)
W = {1: 0, 2: 1, 4: 2, 8: 3}


def rec(what, off, width=4, write=False, value=0, bad=None):
    flags = (1 if write else 0) | W[width] << 1
    if bad is not None:
        flags |= 8 | bad << 4
    return struct.pack("<BBHQ", what, flags, off, value & (2**64 - 1))


def mmio(records, budget=0, chunk=0, ram=b""):
    assert len(records) < 256
    return bytes([len(records), budget, chunk]) + b"".join(records) + ram


def vr(off):
    return rec(VIRTIO, off, 4)


def vw(off, v):
    return rec(VIRTIO, off, 4, True, v)


def ram64(off, v):
    return rec(RAM, off, 8, True, v)


DESC, AVAIL, USED, IND, BUF = 0x0000, 0x1000, 0x2000, 0x3000, 0x4000
F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4

# Linux's virtio-mmio probe and virtio-rng's first requests.
probe = [vr(0x000), vr(0x004), vr(0x008), vr(0x00C),
         vw(0x070, 0), vw(0x070, 1), vw(0x070, 3),
         vw(0x014, 1), vr(0x010), vw(0x014, 0), vr(0x010),
         vw(0x024, 1), vw(0x020, 1), vw(0x024, 0),
         vw(0x020, 1 << 28 | 1 << 29),
         vw(0x070, 0xB), vr(0x070),
         vw(0x030, 0), vr(0x044), vr(0x034), vw(0x038, 8),
         vw(0x080, RAM_BASE + DESC), vw(0x084, 0),
         vw(0x090, RAM_BASE + AVAIL), vw(0x094, 0),
         vw(0x0A0, RAM_BASE + USED), vw(0x0A4, 0),
         vw(0x044, 1), vw(0x070, 0xF)]
# Two writable buffers, then the avail ring: idx 2, entries 0 and 1.
probe += [ram64(DESC + 0x00, RAM_BASE + BUF),
          ram64(DESC + 0x08, 64 | F_WRITE << 32),
          ram64(DESC + 0x10, RAM_BASE + BUF + 0x40),
          ram64(DESC + 0x18, 64 | F_WRITE << 32),
          ram64(AVAIL, 2 << 16 | 0 << 32 | 1 << 48),
          vw(0x050, 0), vr(0x060), vw(0x064, 1)]
# An indirect request: two chained writable segments, kicked by ioeventfd.
probe += [ram64(IND + 0x00, RAM_BASE + BUF + 0x100),
          ram64(IND + 0x08, 16 | (F_WRITE | F_NEXT) << 32 | 1 << 48),
          ram64(IND + 0x10, RAM_BASE + BUF + 0x110),
          ram64(IND + 0x18, 16 | F_WRITE << 32),
          ram64(DESC + 0x20, RAM_BASE + IND),
          ram64(DESC + 0x28, 32 | F_INDIRECT << 32),
          ram64(AVAIL, 3 << 16 | 0 << 32 | 1 << 48),
          ram64(AVAIL + 8, 2),
          rec(KICK, 0, 8, False, 0), vr(0x060), vw(0x064, 1),
          vr(0x070), vw(0x070, 0), vr(0x070)]
put("mmio_bus", "virtio-probe", mmio(probe))

# The same driver without EVENT_IDX/INDIRECT, its ring laid out in the RAM
# image, and an entropy source that runs dry after 48 bytes in 7-byte bites.
ring = bytearray(0x4100)
for i in range(4):
    struct.pack_into("<QIHH", ring, DESC + 16 * i,
                     RAM_BASE + BUF + 0x40 * i, 0x40, F_WRITE, 0)
struct.pack_into("<HHHHHH", ring, AVAIL, 0, 4, 0, 1, 2, 3)
plain = [vw(0x070, 0), vw(0x070, 3), vw(0x024, 1), vw(0x020, 1),
         vw(0x070, 0xB), vw(0x030, 0), vw(0x038, 4),
         vw(0x080, RAM_BASE + DESC), vw(0x090, RAM_BASE + AVAIL),
         vw(0x0A0, RAM_BASE + USED), vw(0x044, 1), vw(0x070, 0xF),
         vw(0x050, 0), vr(0x060), vw(0x064, 3), vw(0x050, 1),
         rec(KICK, 0, 8, False, 5), vw(0x044, 0), vr(0x044)]
put("mmio_bus", "virtio-ram", mmio(plain, budget=3, chunk=7, ram=bytes(ring)))

# A ring of 256 whose one request chains 140 writable descriptors, past
# the 130 segments a request may have (then a short one that fits).
ring = bytearray(0x5100)
for i in range(256):
    struct.pack_into("<QIHH", ring, DESC + 16 * i,
                     RAM_BASE + 0x5000 + 16 * (i % 16),
                     16, F_WRITE | (F_NEXT if i not in (139, 255) else 0),
                     (i + 1) % 256)
struct.pack_into("<HHHH", ring, AVAIL, 0, 2, 0, 140)
struct.pack_into("<H", ring, AVAIL + 4 + 2 * 256, 1)  # used_event
long_chain = [vw(0x070, 3), vw(0x024, 1), vw(0x020, 1),
              vw(0x024, 0), vw(0x020, 1 << 29), vw(0x070, 0xB),
              vw(0x038, 256), vw(0x080, RAM_BASE + DESC),
              vw(0x090, RAM_BASE + AVAIL), vw(0x0A0, RAM_BASE + USED),
              vw(0x044, 1), vw(0x070, 0xF), vw(0x050, 0), vr(0x060),
              vr(0x070)]
put("mmio_bus", "virtio-long-chain", mmio(long_chain, ram=bytes(ring)))

# Rings against the end of RAM: first the used ring (with its avail_event),
# then, after a reset, the avail ring (with its used_event) end there.
END = RAM_BASE + 0x10000


def from_end(off, addr):
    # Record kind bit 3: the harness takes the value as a distance back
    # from the end of RAM.
    return rec(VIRTIO | 8, off, 4, True, END - addr)


def setup(num, d, a, u, features_lo=1 << 28 | 1 << 29):
    return [vw(0x070, 0), vw(0x070, 3), vw(0x024, 1), vw(0x020, 1),
            vw(0x024, 0), vw(0x020, features_lo), vw(0x070, 0xB),
            vw(0x038, num), from_end(0x080, d), from_end(0x090, a),
            from_end(0x0A0, u), vw(0x044, 1), vw(0x070, 0xF)]


at_end = setup(8, END - 0x200, END - 0x300, END - (6 + 8 * 8) - 2)
at_end += [ram64(0xFE00, RAM_BASE + BUF), ram64(0xFE08, 16 | F_WRITE << 32),
           ram64(0xFD00, 1 << 16), vw(0x050, 0), vr(0x060), vw(0x064, 1),
           vw(0x050, 0)]
at_end += setup(8, END - 0x200, END - (6 + 2 * 8), END - 0x300)
at_end += [ram64(0xFFE8, 2 << 32), vw(0x050, 0), vw(0x050, 0), vr(0x070)]
put("mmio_bus", "virtio-ring-at-end", mmio(at_end))


def ur(off, width=1):
    return rec(UART, off, width)


def uw(off, v, width=1):
    return rec(UART, off, width, True, v)


# Linux's 8250 driver: autoconfig probes, port startup, console output,
# input through the FIFO, loopback.
uart = [ur(1), uw(1, 0), ur(1), uw(1, 0x0F), ur(1), uw(1, 0),
        uw(4, 0x10), ur(6), uw(4, 0x1A), ur(6), uw(4, 0),
        uw(3, 0xBF), ur(2), uw(3, 0),
        uw(2, 0x01), ur(2), uw(2, 0),
        uw(7, 0xA5), ur(7), uw(7, 0x5A), ur(7),
        uw(3, 0x80), uw(0, 1), uw(1, 0), uw(3, 0x03),
        uw(2, 0x07), uw(4, 0x0B), uw(1, 0x05), ur(5), ur(0), ur(2), ur(6),
        uw(1, 0x07), ur(2), ur(2),
        uw(0, ord("h")), ur(5), uw(0, ord("i")), ur(5), uw(0, 10), ur(5),
        rec(RX, 0, 4, False, int.from_bytes(b"abc\n", "little")),
        ur(2), ur(5), ur(0), ur(0), ur(0), ur(0), ur(2), ur(5),
        rec(RX, 0, 8, False, 0x4142434445464748)] + \
       [rec(RX, 0, 8, False, i) for i in range(9)] + \
       [ur(5, 4), ur(0, 4), uw(4, 0x1B), uw(0, ord("x")), ur(0), ur(2),
        uw(4, 0x0B), uw(2, 0x03), ur(5), uw(1, 0), ur(2), uw(0, 0, 8)]
put("mmio_bus", "uart-linux", mmio(uart))


def rr(off, width=4):
    return rec(RTC, off, width)


def rw(off, v, width=4):
    return rec(RTC, off, width, True, v)


rtc = [rr(0xFE0 + 4 * i) for i in range(8)]
rtc += [rr(0x000), rw(0x008, 0x12345678), rr(0x000), rr(0x008),
        rw(0x004, 0x20000000), rr(0x004), rw(0x00C, 1), rr(0x00C),
        rw(0x010, 1), rr(0x014), rr(0x018), rw(0x01C, 1),
        rr(0x000, 8), rr(0x001, 1), rr(0xFFC, 8), rr(0x1000, 4)]
put("mmio_bus", "rtc", mmio(rtc))

# The PL061 as Linux's gpio-pl061 and gpio-keys drive it: the ID, pin 3
# an input with both edges, the VMM pressing and releasing the button, the
# driver reading the pin and clearing the interrupt; then hostile writes.
GPIO = RTC | 16


def gr(off, width=4):
    return rec(GPIO, off, width)


def gw(off, v, width=4):
    return rec(GPIO, off, width, True, v)


def pin(p, level=1, release=False):
    return rec(RX | 16, 0, 4, True, p | level << 8 | (0x200 if release else 0))


gpio = [gr(0xFE0 + 4 * i) for i in range(8)]
gpio += [gw(0x400, 0), gw(0x404, 0), gw(0x408, 8), gw(0x410, 8),
         pin(3), gr(0x418), gw(0x41C, 8), gr(0x020), pin(3, release=True),
         gr(0x020), gr(0x418), gw(0x41C, 0xFF),
         gw(0x400, 0xF0), gw(0x3FC, 0xFF), gr(0x3FC), gw(0x404, 0xFF),
         gw(0x40C, 0x0F), gr(0x414), gr(0x418), gw(0x410, 0xFF),
         pin(9), pin(0, 0), gr(0x1000, 8), gw(0x423, 1, 1)]
put("mmio_bus", "gpio", mmio(gpio))

# Addresses around and between the regions, odd widths.
edges = [rec(ADDR, 0x11, 4, False, 0), rec(ADDR, 0x22, 8, True, 2**64 - 4),
         rec(ADDR, 0x33, 4, False, 0x08FFFFFE),
         rec(ADDR, 0x44, 2, True, 0x09000FFF),
         rec(ADDR, 0x55, 1, False, 0x0A0001FF),
         rec(ADDR, 0x66, 4, False, RAM_BASE),
         rec(EDGE, 0x00 | 7 << 2, 4), rec(EDGE, 0x41 | 4 << 2, 8),
         rec(EDGE, 0x42 | 6 << 2, 4, True, 1), rec(EDGE, 0x43, 2),
         rec(VIRTIO, 0x100, 4), rec(VIRTIO, 0x1FE, 2, True, 0),
         rec(VIRTIO, 0x052, 2, True, 0), rec(VIRTIO, 0x000, 8),
         rec(UART, 0, 4, False, 0, bad=0), rec(UART, 0, 4, True, 0, bad=1),
         rec(RTC, 0, 4, False, 0, bad=7)]
put("mmio_bus", "edges", mmio(edges))
EOF
