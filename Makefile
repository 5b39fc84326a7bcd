# vmm: one non-recursive Makefile.
#
#   make                 build/arm64/vmm (cross-compiled, static, on non-arm64
#                        hosts; native on arm64)
#   make check           unit tests (Check), on this host, no /dev/kvm needed
#   make integration     boot real guests (on an emulated arm64 KVM host when
#                        this machine is not one)
#   make test            both
#   make bench           boot-time, exit and RSS figures
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
ARM64_CFLAGS := $(BASE_CFLAGS) $(shell pkg-config --cflags libfdt zlib 2>/dev/null)
ARM64_LDLIBS := -lfdt -lz -lpthread
ARM64_LDFLAGS := $(SAN_LDFLAGS)
else
CROSS_COMPILE ?= aarch64-linux-gnu-
ARM64_CC := $(CROSS_COMPILE)gcc
SYSROOT := $(B)/arm64-sysroot
ARM64_CFLAGS := $(BASE_CFLAGS) -I$(SYSROOT)/usr/include
# Static: the emulated host runs it from a minimal initramfs.
ARM64_LDFLAGS := -static -L$(SYSROOT)/usr/lib/aarch64-linux-gnu
ARM64_LDLIBS := -lfdt -lz -lpthread
ifeq ($(SANITIZE),1)
# The sanitizers do not link statically: keep the static build unsanitized.
ARM64_CFLAGS := $(filter-out -fsanitize=%,$(ARM64_CFLAGS))
endif
endif

# Sources that need nothing but libc, libfdt and zlib: unit-tested on any host.
CORE_SRCS := \
	vmm/config.c \
	vmm/devices/mmio_bus.c \
	vmm/devices/pl031.c \
	vmm/devices/uart_8250.c \
	vmm/fdt/dt.c \
	vmm/loader.c \
	vmm/log.c \
	vmm/memory/guest_mem.c \
	vmm/memory/layout.c

# Sources that drive KVM on arm64.
KVM_SRCS := \
	vmm/console.c \
	vmm/devices/vgic.c \
	vmm/event_loop.c \
	vmm/kvm.c \
	vmm/main.c \
	vmm/vcpu/arm64_regs.c \
	vmm/vcpu/vcpu.c \
	vmm/vm.c

VMM := $(B)/arm64/vmm
ARM64_OBJS := $(patsubst %.c,$(B)/arm64/obj/%.o,$(CORE_SRCS) $(KVM_SRCS))

.PHONY: all vmm check integration test bench guest clean check-valgrind deps
all: vmm
vmm: $(VMM)

deps-check:
	@if [ "$(HOST_ARCH)" != aarch64 ] && \
	    { ! command -v $(ARM64_CC) >/dev/null || \
	      [ ! -f $(SYSROOT)/usr/lib/aarch64-linux-gnu/libfdt.a ]; }; then \
		echo "missing the arm64 cross toolchain or $(SYSROOT):" \
		     "run scripts/setup.sh (installs gcc-aarch64-linux-gnu" \
		     "and fetches Debian's arm64 libfdt-dev, zlib1g-dev)" >&2; \
		exit 1; fi
.PHONY: deps-check

$(VMM): $(ARM64_OBJS)
	@echo "  LD      $@"
	$(Q)$(ARM64_CC) $(ARM64_LDFLAGS) -o $@ $^ $(ARM64_LDLIBS)

$(B)/arm64/obj/%.o: %.c | deps-check
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(ARM64_CC) $(ARM64_CFLAGS) -c -o $@ $<

# --- unit tests (native) ----------------------------------------------------
NATIVE_CC ?= cc
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
NATIVE_CFLAGS := $(BASE_CFLAGS) $(shell pkg-config --cflags libfdt zlib 2>/dev/null)
NATIVE_LIBS := -lfdt -lz -lpthread $(SAN_LDFLAGS)
# Sanitized objects live apart, so switching SANITIZE never mixes builds.
N := $(B)/native$(if $(filter 1,$(SANITIZE)),-san)
NATIVE_CORE_OBJS := $(patsubst %.c,$(N)/obj/%.o,$(CORE_SRCS))

UNIT_TESTS := \
	tests/unit/test_config.c \
	tests/unit/test_loader.c \
	tests/unit/devices/test_mmio_bus.c \
	tests/unit/devices/test_pl031.c \
	tests/unit/devices/test_uart_8250.c \
	tests/unit/fdt/test_dt.c \
	tests/unit/memory/test_guest_mem.c

# Keep the objects: make would delete them as intermediates, and a later
# build with other flags could then relink stale test binaries.
.SECONDARY: $(NATIVE_CORE_OBJS)

UNIT_BINS := $(patsubst tests/unit/%.c,$(N)/tests/%,$(UNIT_TESTS))

$(N)/obj/%.o: %.c
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

# --- guest, integration, bench ---------------------------------------------
guest:
	$(Q)guest-images/build.sh

integration: $(VMM) guest
	$(Q)tests/integration/run.sh

test:
	$(Q)$(MAKE) --no-print-directory check
	$(Q)$(MAKE) --no-print-directory integration

bench: $(VMM) guest
	$(Q)scripts/bench.sh

clean:
	rm -rf $(B)/arm64/obj $(B)/arm64/vmm $(B)/native $(B)/native-san

-include $(ARM64_OBJS:.o=.d) $(NATIVE_CORE_OBJS:.o=.d) \
	$(patsubst %,%.d,$(UNIT_BINS))
