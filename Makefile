# vmm: one non-recursive Makefile.
#
#   make                 build/arm64/vmm (cross-compiled, static, on non-arm64
#                        hosts; native on arm64)
#   make check           unit tests (Check), on this host, no /dev/kvm needed
#   make integration     boot real guests (on an emulated arm64 KVM host when
#                        this machine is not one)
#   make test            both
#   make bench           boot-time, exit and RSS figures
#   make fuzz-smoke      every libFuzzer target for FUZZ_SECONDS (60);
#   make fuzz            the same for FUZZ_LONG_SECONDS (1800)
#   make guest           the default guest (build/guest/)
#   SANITIZE=1           ASan + UBSan;  V=1  full commands;  WERROR=1  -Werror

V ?= 0
ifeq ($(V),0)
Q := @
else
Q :=
endif

HOST_ARCH := $(shell uname -m)
B := build

WARNINGS := -Wall -Wextra -Wshadow -Wformat=2 -Wundef -Wcast-qual \
	-Wpointer-arith -Wwrite-strings -Wstrict-prototypes \
	-Wmissing-prototypes
BASE_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -fstack-protector-strong \
	-D_GNU_SOURCE -MMD -MP -Ivmm
ifeq ($(WERROR),1)
BASE_CFLAGS += -Werror
endif
ifeq ($(SANITIZE),1)
BASE_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=address,undefined
endif

# --- the vmm binary (arm64) -------------------------------------------------
ifeq ($(HOST_ARCH),aarch64)
ARM64_CC ?= $(CC)
ARM64_CFLAGS := $(BASE_CFLAGS) $(shell pkg-config --cflags libfdt zlib liburing libseccomp 2>/dev/null)
ARM64_LDLIBS := -lfdt -lz -luring -lseccomp -lyajl -levent_extra -levent_core \
	-lpthread
ARM64_LDFLAGS := $(SAN_LDFLAGS)
else
CROSS_COMPILE ?= aarch64-linux-gnu-
ARM64_CC := $(CROSS_COMPILE)gcc
SYSROOT := $(B)/arm64-sysroot
ARM64_CFLAGS := $(BASE_CFLAGS) -I$(SYSROOT)/usr/include -ffunction-sections -fdata-sections
# Debian ships yajl's static archive as libyajl_s.a.
ARM64_LDLIBS := -lfdt -lz -luring -lseccomp -lyajl_s -levent_extra \
	-levent_core -lpthread
ifeq ($(SANITIZE),1)
# The sanitizer runtimes only link dynamically; the emulated host's
# initramfs carries them and the shared libraries from the sysroot.
ARM64_LDFLAGS := -L$(SYSROOT)/usr/lib/aarch64-linux-gnu $(SAN_LDFLAGS)
else
# Static: the emulated host runs it from a minimal initramfs.
# --gc-sections: code nothing calls is not resident text (RSS).
ARM64_LDFLAGS := -static -L$(SYSROOT)/usr/lib/aarch64-linux-gnu \
	-Wl,--gc-sections
endif
endif

# Sources that need no KVM (libc and the libraries above): unit-tested on any
# host.
CORE_SRCS := \
	vmm/api.c \
	vmm/api_server.c \
	vmm/config.c \
	vmm/config_file.c \
	vmm/ctl.c \
	vmm/devices/blk_backend.c \
	vmm/devices/boot_timer.c \
	vmm/devices/mmio_bus.c \
	vmm/devices/net_tap.c \
	vmm/devices/pl031.c \
	vmm/devices/pl061.c \
	vmm/devices/uart_8250.c \
	vmm/devices/virtio_blk.c \
	vmm/devices/virtio_console.c \
	vmm/devices/virtio_mmio.c \
	vmm/devices/virtio_net.c \
	vmm/devices/virtio_rng.c \
	vmm/devices/virtio_vsock.c \
	vmm/devices/virtqueue.c \
	vmm/events.c \
	vmm/fdt/dt.c \
	vmm/loader.c \
	vmm/log.c \
	vmm/memory/guest_mem.c \
	vmm/memory/layout.c \
	vmm/sandbox.c \
	vmm/thread.c \
	vmm/vcpu/mmio_ring.c \
	vmm/vcpu/vcpu_state.c \
	vmm/vhost.c

# Sources that drive KVM on arm64.
KVM_SRCS := \
	vmm/console.c \
	vmm/devices/vgic.c \
	vmm/event_loop.c \
	vmm/kvm.c \
	vmm/main.c \
	vmm/vcpu/arm64_regs.c \
	vmm/vcpu/vcpu.c \
	vmm/vm.c \
	vmm/vm_disk.c \
	vmm/vm_net.c \
	vmm/vm_virtio.c

# Hot code and read-only data first, together: the kernel maps text in
# 64 KiB windows around each page touched (fault-around), so what a run
# uses, gathered, keeps the resident text small. vmm/hot.ld is written by
# scripts/profile-layout.sh; sanitized builds keep the default layout.
ifneq ($(SANITIZE),1)
HOT_LD := vmm/hot.ld
HOT_LDFLAGS := -Wl,-T,$(HOT_LD)
endif

# SANITIZE=1 builds (ASan + UBSan) live apart: build/arm64-san/vmm.
A := $(B)/arm64$(if $(filter 1,$(SANITIZE)),-san)
# The unit tests' native objects, sanitized ones apart too, so switching
# SANITIZE never mixes builds.
N := $(B)/native$(if $(filter 1,$(SANITIZE)),-san)
VMM := $(A)/vmm
ARM64_OBJS := $(patsubst %.c,$(A)/obj/%.o,$(CORE_SRCS) $(KVM_SRCS))

.PHONY: all vmm check integration test bench guest clean check-valgrind deps \
	fuzz fuzz-smoke
all: vmm
vmm: $(VMM)

deps-check:
	@if [ "$(HOST_ARCH)" != aarch64 ] && \
	    { ! command -v $(ARM64_CC) >/dev/null || \
	      [ ! -f $(SYSROOT)/usr/lib/aarch64-linux-gnu/libfdt.a ] || \
	      [ ! -f $(SYSROOT)/usr/lib/aarch64-linux-gnu/liburing.a ] || \
	      [ ! -f $(SYSROOT)/usr/lib/aarch64-linux-gnu/libseccomp.a ] || \
	      [ ! -f $(SYSROOT)/usr/lib/aarch64-linux-gnu/libyajl_s.a ] || \
	      [ ! -f $(SYSROOT)/usr/lib/aarch64-linux-gnu/libevent_core.a ]; }; then \
		echo "missing the arm64 cross toolchain or $(SYSROOT):" \
		     "run scripts/setup.sh (installs gcc-aarch64-linux-gnu" \
		     "and fetches Debian's arm64 libfdt-dev, zlib1g-dev," \
		     "liburing-dev, libseccomp-dev, libyajl-dev," \
		     "libevent-dev)" >&2; \
		exit 1; fi
.PHONY: deps-check

# The seccomp filters are compiled when vmm is built: scripts/gen-seccomp.c
# runs here and writes the BPF programs of vmm/sandbox_rules.c for the
# architecture a build is for (vmm/sandbox_filters.h).
GEN_SECCOMP := $(B)/host/gen-seccomp
HOST_TOOL_CFLAGS := -std=gnu11 -O2 $(WARNINGS) -D_GNU_SOURCE -Ivmm \
	$(if $(filter 1,$(WERROR)),-Werror)

$(GEN_SECCOMP): scripts/gen-seccomp.c vmm/sandbox_rules.c \
		vmm/sandbox_rules.h vmm/sandbox.h
	@mkdir -p $(dir $@)
	@pkg-config --exists libseccomp || { echo "libseccomp-dev (for this machine) not found: run scripts/setup.sh" >&2; exit 1; }
	@echo "  HOSTCC  $@"
	$(Q)$(NATIVE_CC) $(HOST_TOOL_CFLAGS) -o $@ scripts/gen-seccomp.c \
		vmm/sandbox_rules.c -lseccomp

# vmm's, and the unit tests' (native; defined with them below).
$(A)/gen/sandbox_filters.c: GEN_ARCH := aarch64
$(A)/gen/sandbox_filters.c $(N)/gen/sandbox_filters.c: $(GEN_SECCOMP)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(GEN_SECCOMP) $(GEN_ARCH) $@

$(A)/obj/gen/sandbox_filters.o: $(A)/gen/sandbox_filters.c | deps-check
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(ARM64_CC) $(ARM64_CFLAGS) -c -o $@ $<

ARM64_OBJS += $(A)/obj/gen/sandbox_filters.o

$(VMM): $(ARM64_OBJS) $(HOT_LD)
	@echo "  LD      $@"
	$(Q)$(ARM64_CC) $(ARM64_LDFLAGS) $(HOT_LDFLAGS) -o $@ $(ARM64_OBJS) \
		$(ARM64_LDLIBS)

# The layout profile (scripts/profile-layout.sh): every function and every
# read-only datum on pages of its own, so the pages a run touches name them
# (scripts/profile-pages.c lists them at exit).
$(A)/vmm-profile: $(ARM64_OBJS) $(A)/obj/scripts/profile-pages.o
	@echo "  LD      $@"
	$(Q)printf '%s\n' 'SECTIONS {' \
		'.text.profile : SUBALIGN(4096) { *(.text .text.*) }' \
		'.rodata.profile : SUBALIGN(4096) { *(.rodata .rodata.*) }' \
		'} INSERT BEFORE .text;' >$(A)/profile.ld
	$(Q)$(ARM64_CC) $(ARM64_LDFLAGS) -Wl,-T,$(A)/profile.ld \
		-Wl,-Map,$@.map -o $@ $(ARM64_OBJS) \
		$(A)/obj/scripts/profile-pages.o $(ARM64_LDLIBS)

# The benchmark's clock (scripts/bench-inner.sh runs it on the arm64 host).
$(A)/timeit: scripts/timeit.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(ARM64_CC) -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static -o $@ $<

$(A)/obj/%.o: %.c | deps-check
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(ARM64_CC) $(ARM64_CFLAGS) -c -o $@ $<

# --- unit tests (native) ----------------------------------------------------
NATIVE_CC ?= cc
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
NATIVE_CFLAGS := $(BASE_CFLAGS) $(shell pkg-config --cflags libfdt zlib 2>/dev/null)
NATIVE_LIBS := -lfdt -lz -luring -lseccomp -lyajl -levent_extra -levent_core -lpthread \
	$(SAN_LDFLAGS)
NATIVE_CORE_OBJS := $(patsubst %.c,$(N)/obj/%.o,$(CORE_SRCS)) \
	$(N)/obj/gen/sandbox_filters.o

UNIT_TESTS := \
	tests/unit/test_api.c \
	tests/unit/test_config.c \
	tests/unit/test_config_file.c \
	tests/unit/test_events.c \
	tests/unit/test_loader.c \
	tests/unit/test_sandbox.c \
	tests/unit/test_thread.c \
	tests/unit/test_timeit.c \
	tests/unit/test_vhost.c \
	tests/unit/devices/test_blk_backend.c \
	tests/unit/devices/test_boot_timer.c \
	tests/unit/devices/test_mmio_bus.c \
	tests/unit/devices/test_pl031.c \
	tests/unit/devices/test_pl061.c \
	tests/unit/devices/test_uart_8250.c \
	tests/unit/devices/test_virtio_blk.c \
	tests/unit/devices/test_virtio_console.c \
	tests/unit/devices/test_virtio_mmio.c \
	tests/unit/devices/test_virtio_net.c \
	tests/unit/devices/test_virtio_rng.c \
	tests/unit/devices/test_virtio_vsock.c \
	tests/unit/devices/test_virtqueue.c \
	tests/unit/fdt/test_dt.c \
	tests/unit/memory/test_guest_mem.c \
	tests/unit/vcpu/test_mmio_ring.c \
	tests/unit/vcpu/test_vcpu_state.c

# Keep the objects: make would delete them as intermediates, and a later
# build with other flags could then relink stale test binaries.
.SECONDARY: $(NATIVE_CORE_OBJS)

UNIT_BINS := $(patsubst tests/unit/%.c,$(N)/tests/%,$(UNIT_TESTS))

$(N)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(NATIVE_CC) $(NATIVE_CFLAGS) -c -o $@ $<

$(N)/gen/sandbox_filters.c: GEN_ARCH := native
$(N)/obj/gen/sandbox_filters.o: $(N)/gen/sandbox_filters.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(NATIVE_CC) $(NATIVE_CFLAGS) -c -o $@ $<

$(N)/tests/%: tests/unit/%.c $(NATIVE_CORE_OBJS)
	@mkdir -p $(dir $@)
	@pkg-config --exists check || { echo "Check not found: apt-get install check (or run scripts/setup.sh)" >&2; exit 1; }
	@echo "  CC      $@"
	$(Q)$(NATIVE_CC) $(NATIVE_CFLAGS) $(CHECK_CFLAGS) -Itests/unit -o $@ $< \
		$(NATIVE_CORE_OBJS) $(CHECK_LIBS) $(NATIVE_LIBS)

check: $(UNIT_BINS)
	$(Q)scripts/run-unit-tests.sh $(UNIT_BINS)

check-valgrind: $(UNIT_BINS)
	$(Q)VALGRIND=1 scripts/run-unit-tests.sh $(UNIT_BINS)

# --- fuzzing (clang libFuzzer + ASan + UBSan, native) ------------------------
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=gnu11 -O1 -g -D_GNU_SOURCE -Ivmm \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 60
FUZZ_LONG_SECONDS ?= 1800
FUZZ_TARGETS := $(B)/fuzz/fuzz_virtqueue $(B)/fuzz/fuzz_loader \
	$(B)/fuzz/fuzz_config $(B)/fuzz/fuzz_config_file \
	$(B)/fuzz/fuzz_mmio_bus $(B)/fuzz/fuzz_api $(B)/fuzz/fuzz_virtio_net

$(B)/fuzz/fuzz_virtqueue: tests/fuzz/fuzz_virtqueue.c vmm/devices/virtqueue.c \
		vmm/memory/guest_mem.c vmm/log.c
	@mkdir -p $(dir $@)
	@command -v $(FUZZ_CC) >/dev/null || { echo "clang not found: run scripts/setup.sh" >&2; exit 1; }
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -lpthread

$(B)/fuzz/fuzz_loader: tests/fuzz/fuzz_loader.c vmm/loader.c vmm/log.c \
		vmm/memory/guest_mem.c
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -lz -lpthread

$(B)/fuzz/fuzz_config: tests/fuzz/fuzz_config.c vmm/config.c \
		vmm/config_file.c vmm/log.c
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -lyajl -lpthread

$(B)/fuzz/fuzz_config_file: tests/fuzz/fuzz_config_file.c vmm/config.c \
		vmm/config_file.c vmm/log.c
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -lyajl -lpthread

$(B)/fuzz/fuzz_api: tests/fuzz/fuzz_api.c vmm/api.c vmm/log.c
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -lyajl -lpthread

$(B)/fuzz/fuzz_mmio_bus: tests/fuzz/fuzz_mmio_bus.c vmm/devices/mmio_bus.c \
		vmm/devices/uart_8250.c vmm/devices/pl031.c vmm/devices/pl061.c \
		vmm/devices/virtio_mmio.c vmm/devices/virtio_rng.c \
		vmm/devices/virtqueue.c vmm/memory/guest_mem.c vmm/log.c \
		vmm/fdt/dt.c
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -lfdt -lpthread

$(B)/fuzz/fuzz_virtio_net: tests/fuzz/fuzz_virtio_net.c \
		vmm/devices/virtio_net.c vmm/devices/virtio_mmio.c \
		vmm/devices/virtqueue.c vmm/memory/guest_mem.c vmm/log.c \
		vmm/fdt/dt.c vmm/vhost.c
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -lfdt -lpthread

# A short run of every target (part of the test suite); `make fuzz` is longer.
fuzz-smoke: $(FUZZ_TARGETS)
	$(Q)scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz: $(FUZZ_TARGETS)
	$(Q)scripts/run-fuzz.sh $(FUZZ_LONG_SECONDS) $(FUZZ_TARGETS)

# --- guest, integration, bench ---------------------------------------------
guest:
	$(Q)guest-images/build.sh
	$(Q)guest-images/build-disk.sh

integration: $(VMM) guest
	$(Q)tests/integration/run.sh

test:
	$(Q)$(MAKE) --no-print-directory check
	$(Q)$(MAKE) --no-print-directory integration

bench: $(VMM) $(A)/timeit guest
	$(Q)scripts/bench.sh

clean:
	rm -rf $(B)/arm64/obj $(B)/arm64/gen $(B)/arm64/vmm $(B)/arm64-san \
		$(B)/native $(B)/native-san $(B)/fuzz $(B)/host

-include $(ARM64_OBJS:.o=.d) $(NATIVE_CORE_OBJS:.o=.d) \
	$(patsubst %,%.d,$(UNIT_BINS))
