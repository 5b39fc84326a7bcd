// SPDX-License-Identifier: GPL-2.0-only
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_ids.h>

#include "console.h"
#include "devices/boot_timer.h"
#include "devices/mmio_bus.h"
#include "devices/pl031.h"
#include "devices/uart_8250.h"
#include "devices/vgic.h"
#include "devices/virtio_console.h"
#include "devices/virtio_rng.h"
#include "event_loop.h"
#include "events.h"
#include "exit_codes.h"
#include "fdt/dt.h"
#include "kvm.h"
#include "loader.h"
#include "log.h"
#include "memory/guest_mem.h"
#include "sandbox.h"
#include "vcpu/arm64_regs.h"
#include "vcpu/mmio_ring.h"
#include "vcpu/vcpu.h"
#include "vm_disk.h"
#include "vm_virtio.h"

struct vm {
	const struct vm_config *cfg;
	struct timespec started;
	struct kvm kvm;
	struct guest_mem mem;
	struct vgic gic;
	struct vcpu *vcpus;
	unsigned int nvcpus; /* created so far */
	struct vcpu_host host;
	struct mmio_bus bus;
	struct irq_line uart_irq, rtc_irq;
	struct uart_8250 uart;
	struct pl031 rtc;
	struct console con;
	struct event_loop loop;
	struct event_source stop_src;	 /* eventfd: a vCPU asked to stop */
	struct event_source sig_src;	 /* signalfd: INT, TERM, HUP */
	struct event_source timeout_src; /* timerfd: --timeout */
	struct boot_timer boot_timer;
	struct mmio_ring ring;	       /* coalesced UART transmit */
	struct event_source drain_src; /* timerfd: drain the ring */
	unsigned int drain_idle;       /* ticks that found nothing */
	uint8_t *uart_page;	       /* the UART's read-only register page */
	size_t page_size;
	uint64_t boot_ms; /* when the guest wrote the boot timer; 0: not yet */
	int serial_log_fd;
	struct vm_disk *disks;	/* cfg->ndisks of them */
	unsigned int next_slot; /* next free virtio-mmio slot */
	struct vm_virtio rng_dev;
	struct vm_virtio hvc_dev;
	struct virtio_console hvc;
	struct virtio_rng rng;
	struct boot_files boot;
	struct boot_layout layout;
	char *cmdline;
	uint64_t mpidr[CONFIG_MAX_CPUS];
	int stop_requested;
	int exit_code;
};

/* First caller wins; safe from any thread. */
static void vm_request_stop(void *opaque, int code, const char *why)
{
	struct vm *vm = opaque;
	int expected = 0;
	uint64_t one = 1;

	if (!__atomic_compare_exchange_n(&vm->stop_requested, &expected, 1, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	vm->exit_code = code;
	pr_info("stopping: %s (exit code %d)", why, code);
	switch (code) {
	case VMM_EXIT_POWEROFF:
		events_emit("guest_poweroff", NULL, NULL, 0);
		break;
	case VMM_EXIT_REBOOT:
		events_emit("guest_reboot", NULL, NULL, 0);
		break;
	case VMM_EXIT_CRASH:
		events_emit("guest_crash", "reason", why, 1);
		break;
	case VMM_EXIT_TIMEOUT:
		events_emit("timeout", NULL, NULL, 0);
		break;
	case VMM_EXIT_SIGINT:
	case VMM_EXIT_SIGTERM:
	case VMM_EXIT_SIGHUP:
		events_emit("shutdown_requested", "reason", why, 1);
		break;
	default:
		events_emit("error", "reason", why, 1);
	}
	__atomic_store_n(&vm->host.stopping, 1, __ATOMIC_RELEASE);
	if (write(vm->stop_src.fd, &one, sizeof(one)) < 0)
		pr_err("cannot wake the event loop: %s", strerror(errno));
}

/*
 * Test hook: VMM_TEST_SECCOMP_VIOLATION=main|vcpu makes that thread issue
 * a system call its filter refuses, so the tests can see what a user would
 * if vmm ever did. Read before any filter is in place.
 */
static int getenv_test_violation(const struct vm *vm, const char *who)
{
	const char *v = getenv("VMM_TEST_SECCOMP_VIOLATION");

	(void)vm;
	return v && strcmp(v, who) == 0;
}

static void vm_on_timeout(struct event_source *src, uint32_t events)
{
	struct vm *vm = src->opaque;

	(void)events;
	vm_request_stop(vm, VMM_EXIT_TIMEOUT, "--timeout expired");
}

/* On the vCPU thread that wrote the boot timer. */
static void vm_booted(void *opaque)
{
	struct vm *vm = opaque;
	char ms[24];

	vm->boot_ms = events_ms_since_start();
	snprintf(ms, sizeof(ms), "%" PRIu64, vm->boot_ms);
	pr_info("guest boot complete after %s ms", ms);
	/*
	 * A report still in flight on a vCPU when a stop was asked for is
	 * late news: after shutdown_requested only exit follows.
	 */
	if (!__atomic_load_n(&vm->stop_requested, __ATOMIC_ACQUIRE))
		events_emit("boot_complete", "boot_ms", ms, 0);
}

static void vm_on_stop(struct event_source *src, uint32_t events)
{
	struct vm *vm = src->opaque;

	(void)events;
	event_loop_stop(&vm->loop);
}

static void vm_on_signal(struct event_source *src, uint32_t events)
{
	struct vm *vm = src->opaque;
	struct signalfd_siginfo si;

	(void)events;
	if (read(src->fd, &si, sizeof(si)) != sizeof(si))
		return;
	switch (si.ssi_signo) {
	case SIGINT:
		vm_request_stop(vm, VMM_EXIT_SIGINT, "SIGINT");
		break;
	case SIGTERM:
		vm_request_stop(vm, VMM_EXIT_SIGTERM, "SIGTERM");
		break;
	case SIGHUP:
		vm_request_stop(vm, VMM_EXIT_SIGHUP, "SIGHUP");
		break;
	}
}

static void vm_quit_key(void *opaque)
{
	vm_request_stop(opaque, VMM_EXIT_SIGINT, "Ctrl-A x");
}

/*
 * Everything the user gave us is checked here, before /dev/kvm is opened,
 * so a bad kernel or a RAM size too small starts nothing.
 */
static int vm_check_inputs(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	char why[512];

	if (events_open(cfg->events)) {
		pr_err("--events '%s': %s", cfg->events, strerror(errno));
		return VMM_EXIT_USAGE;
	}
	if (cfg->serial_log) {
		vm->serial_log_fd =
			open(cfg->serial_log,
			     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (vm->serial_log_fd < 0) {
			pr_err("--serial-log '%s': %s", cfg->serial_log,
			       strerror(errno));
			return VMM_EXIT_USAGE;
		}
	}
	vm->cmdline = config_kernel_cmdline(cfg, why, sizeof(why));
	if (!vm->cmdline) {
		pr_err("%s", why);
		return VMM_EXIT_USAGE;
	}
	if (loader_read_files(cfg->kernel, cfg->initrd, cfg->mem_size,
			      &vm->boot, why, sizeof(why))) {
		pr_err("%s", why);
		return VMM_EXIT_BAD_INPUT;
	}
	if (loader_place(LAYOUT_RAM_BASE, cfg->mem_size, &vm->boot.img,
			 vm->boot.initrd_len, DT_MAX_SIZE, &vm->layout, why,
			 sizeof(why))) {
		pr_err("%s", why);
		return VMM_EXIT_BAD_INPUT;
	}
	if (vm_disks_open(cfg, &vm->disks, why, sizeof(why))) {
		pr_err("%s", why);
		return VMM_EXIT_BAD_INPUT;
	}
	pr_info("kernel%s at 0x%" PRIx64 "-0x%" PRIx64 ", initrd at 0x%" PRIx64
		" (%zu bytes), dtb at 0x%" PRIx64,
		vm->boot.kernel_was_gzip ? " (gunzipped)" : "",
		vm->layout.kernel, vm->layout.kernel_end, vm->layout.initrd,
		vm->boot.initrd_len, vm->layout.dtb);
	return 0;
}

static int vm_create_kvm(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	unsigned int ipa = layout_ipa_bits(cfg->mem_size);
	unsigned int max_ipa;

	if (kvm_open(&vm->kvm))
		return VMM_EXIT_NO_KVM;
	/* Without KVM_CAP_ARM_VM_IPA_SIZE every VM gets 40 bits. */
	max_ipa =
		vm->kvm.ipa_max_bits ? (unsigned int)vm->kvm.ipa_max_bits : 40;
	if (!kvm_check_cap(vm->kvm.fd, KVM_CAP_ARM_PSCI_0_2)) {
		pr_err("KVM on this host lacks PSCI 0.2 "
		       "(KVM_CAP_ARM_PSCI_0_2)");
		return VMM_EXIT_NO_KVM;
	}
	if ((int)cfg->cpus > vm->kvm.max_vcpus) {
		pr_err("--cpus %u: KVM on this host allows at most %d",
		       cfg->cpus, vm->kvm.max_vcpus);
		return VMM_EXIT_NO_KVM;
	}
	if (ipa == 0 || ipa > max_ipa) {
		pr_err("--mem %" PRIu64 "M needs a %u-bit guest physical "
		       "address space; this host's KVM allows %u bits",
		       cfg->mem_size >> 20, ipa, max_ipa);
		return VMM_EXIT_NO_KVM;
	}
	/* Without the capability only the default 40-bit type exists. */
	if (kvm_create_vm(&vm->kvm, vm->kvm.ipa_max_bits ? ipa : 0))
		return VMM_EXIT_INTERNAL;
	pr_info("VM with a %u-bit IPA space", vm->kvm.ipa_max_bits ? ipa : 40);
	if (kvm_check_cap(vm->kvm.vm_fd, KVM_CAP_ARM_NISV_TO_USER)) {
		if (kvm_enable_cap(&vm->kvm, KVM_CAP_ARM_NISV_TO_USER, 0))
			return VMM_EXIT_INTERNAL;
	} else {
		pr_info("KVM cannot report ISV=0 accesses to userspace");
	}
	vm->host.can_inject_dabt =
		kvm_check_cap(vm->kvm.vm_fd, KVM_CAP_ARM_INJECT_EXT_DABT) > 0;
	return 0;
}

/* "HugePages_Free" etc. from /proc/meminfo, for a message; 0 if unknown. */
static unsigned long meminfo_value(const char *key)
{
	char line[128];
	unsigned long v = 0;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = strtoul(line + n + 1, NULL, 10);
			break;
		}
	}
	if (f)
		fclose(f);
	return v;
}

static int vm_create_memory(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	static const char *const names[] = { "anon", "memfd", "hugetlbfs" };
	int ret = guest_mem_alloc_backend(
		&vm->mem, LAYOUT_RAM_BASE, cfg->mem_size,
		(enum guest_mem_backend)cfg->mem_backend, cfg->mem_prefault);

	if (ret && cfg->mem_backend == CONFIG_MEM_HUGETLBFS) {
		unsigned long kib = meminfo_value("Hugepagesize");

		pr_err("--mem-backend hugetlbfs: cannot map %" PRIu64
		       " MiB of huge pages (%s); this host has %lu free of "
		       "%lu KiB (/proc/sys/vm/nr_hugepages)",
		       cfg->mem_size >> 20, strerror(-ret),
		       meminfo_value("HugePages_Free"), kib);
		return VMM_EXIT_HOST_RESOURCE;
	}
	if (ret) {
		pr_err("cannot map %" PRIu64 " MiB of guest RAM (%s%s): %s",
		       cfg->mem_size >> 20, names[cfg->mem_backend],
		       cfg->mem_prefault ? ", prefaulted" : "", strerror(-ret));
		return VMM_EXIT_INTERNAL;
	}
	if (kvm_set_memory(&vm->kvm, 0, vm->mem.base, vm->mem.size,
			   vm->mem.hva))
		return VMM_EXIT_INTERNAL;
	return 0;
}

/*
 * vGIC, then every vCPU, then the vGIC's init: KVM sizes the
 * redistributors from the vCPUs that exist at CTRL_INIT, and refuses new
 * vCPUs after it.
 */
static int vm_create_cpus(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct kvm_vcpu_init target;
	int ret;

	ret = vgic_create(&vm->gic, vm->kvm.vm_fd, cfg->gic, cfg->cpus);
	if (ret)
		return ret == -E2BIG || ret == -ENODEV ? VMM_EXIT_NO_KVM
						       : VMM_EXIT_INTERNAL;
	if (kvm_ioctl(vm->kvm.vm_fd, KVM_ARM_PREFERRED_TARGET, &target) < 0)
		return VMM_EXIT_INTERNAL;
	vm->vcpus = calloc(cfg->cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return VMM_EXIT_INTERNAL;
	for (unsigned int i = 0; i < cfg->cpus; i++) {
		if (vcpu_create(&vm->vcpus[i], &vm->kvm, i, &target, &vm->host))
			return VMM_EXIT_INTERNAL;
		vm->mpidr[i] = vm->vcpus[i].mpidr;
		vm->nvcpus++;
	}
	if (vgic_finalize(&vm->gic))
		return VMM_EXIT_INTERNAL;
	return 0;
}

/* The device table: every emulated device, in one place. */
static int vm_create_devices(struct vm *vm)
{
	const struct vm_virtio_env env = { .kvm = &vm->kvm,
					   .bus = &vm->bus,
					   .mem = &vm->mem,
					   .loop = &vm->loop };
	struct mmio_region uart = uart_8250_region(&vm->uart, LAYOUT_UART_BASE);
	struct mmio_region rtc = pl031_region(&vm->rtc, LAYOUT_RTC_BASE);

	mmio_bus_init(&vm->bus);
	vm->host.bus = &vm->bus;
	vgic_irq_line_init(&vm->uart_irq, &vm->gic, LAYOUT_SPI_UART);
	vgic_irq_line_init(&vm->rtc_irq, &vm->gic, LAYOUT_SPI_RTC);
	if (uart_8250_init(&vm->uart, &vm->uart_irq, console_output,
			   console_rx_ready, &vm->con) ||
	    pl031_init(&vm->rtc, &vm->rtc_irq, NULL))
		return VMM_EXIT_INTERNAL;
	struct mmio_region boot = {
		.name = "boot-timer",
		.base = LAYOUT_BOOT_TIMER_BASE,
		.size = LAYOUT_BOOT_TIMER_SIZE,
		.ops = &boot_timer_ops,
		.opaque = &vm->boot_timer,
	};

	boot_timer_init(&vm->boot_timer, vm_booted, vm);
	if (mmio_bus_register(&vm->bus, &uart) ||
	    mmio_bus_register(&vm->bus, &rtc) ||
	    mmio_bus_register(&vm->bus, &boot)) {
		pr_err("internal: device map overlaps");
		return VMM_EXIT_INTERNAL;
	}
	for (unsigned int i = 0; i < vm->cfg->ndisks; i++) {
		if (vm_disk_attach(&vm->disks[i], vm->next_slot++, &env))
			return VMM_EXIT_INTERNAL;
	}
	if (vm->cfg->console_virtio) {
		virtio_console_init(&vm->hvc, console_output, console_rx_ready,
				    &vm->con);
		if (vm_virtio_attach(&vm->hvc_dev, vm->next_slot++,
				     VIRTIO_ID_CONSOLE, &virtio_console_ops,
				     &vm->hvc, VIRTIO_CONSOLE_QUEUES, 0, &env))
			return VMM_EXIT_INTERNAL;
		virtio_console_bind(&vm->hvc, &vm->hvc_dev.t);
	}
	if (vm->cfg->rng) {
		virtio_rng_init(&vm->rng, NULL);
		if (vm_virtio_attach(&vm->rng_dev, vm->next_slot++,
				     VIRTIO_ID_RNG, &virtio_rng_ops, &vm->rng,
				     1, 0, &env))
			return VMM_EXIT_INTERNAL;
	}
	return 0;
}

/* The memslot of the UART's register page (slot 0 is RAM). */
#define VM_UART_PAGE_SLOT 1
/*
 * How often the event loop drains writes KVM queued with no exit since:
 * every 5 ms while the guest writes, every 50 ms after 100 empty ticks.
 */
#define VM_DRAIN_NS	 (5 * 1000 * 1000)
#define VM_DRAIN_IDLE_NS (50 * 1000 * 1000)
#define VM_DRAIN_IDLE	 100

static int vm_uart_map_page(void *opaque, int on)
{
	struct vm *vm = opaque;
	int ret = kvm_set_memory_readonly(
		&vm->kvm, VM_UART_PAGE_SLOT, LAYOUT_UART_BASE,
		on ? LAYOUT_UART_SIZE : 0, vm->uart_page);

	/* A page left mapped could show the guest a stale register. */
	if (ret && !on)
		vm_request_stop(vm, VMM_EXIT_INTERNAL,
				"cannot unmap the UART register page");
	return ret;
}

static void vm_on_drain_timer(struct event_source *src, uint32_t events)
{
	struct vm *vm = src->opaque;
	uint64_t ticks;

	uint64_t before = vm->ring.entries;
	long ns = 0;

	(void)events;
	if (read(src->fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	mmio_ring_drain(&vm->ring);
	/* A change of entries (any drainer's) means the guest is writing. */
	if (vm->ring.entries != before) {
		if (vm->drain_idle >= VM_DRAIN_IDLE)
			ns = VM_DRAIN_NS;
		vm->drain_idle = 0;
	} else if (++vm->drain_idle == VM_DRAIN_IDLE) {
		ns = VM_DRAIN_IDLE_NS;
	}
	if (ns) {
		struct itimerspec its = { .it_value.tv_nsec = ns,
					  .it_interval.tv_nsec = ns };

		timerfd_settime(src->fd, 0, &its, NULL);
	}
}

/*
 * --uart-fast: the guest's UART transmit register is coalesced (KVM queues
 * the writes in a ring, no exit) and, while reading the registers has no
 * side effect, they are a read-only page (no exit for the line status
 * polled before each byte). Each part is used when the host has it; the
 * UART works the same without either.
 */
static int vm_setup_uart_fast(struct vm *vm)
{
	long psz = sysconf(_SC_PAGESIZE);
	void *ring_page = NULL;

	vm->host.ring = &vm->ring;
	vm->page_size = psz > 0 ? (size_t)psz : 4096;
	if (vm->cfg->uart_fast &&
	    kvm_check_cap(vm->kvm.vm_fd, KVM_CAP_COALESCED_MMIO) > 0 &&
	    (size_t)vm->kvm.vcpu_mmap_size >=
		    (KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * vm->page_size &&
	    kvm_coalesce_mmio(&vm->kvm, LAYOUT_UART_BASE, 1) == 0)
		ring_page = (char *)vm->vcpus[0].run +
			    KVM_COALESCED_MMIO_PAGE_OFFSET * vm->page_size;
	if (mmio_ring_init(&vm->ring, ring_page, vm->page_size, &vm->bus))
		return VMM_EXIT_INTERNAL;
	if (ring_page) {
		struct itimerspec its = {
			.it_value.tv_nsec = VM_DRAIN_NS,
			.it_interval.tv_nsec = VM_DRAIN_NS,
		};

		vm->drain_src.fd = timerfd_create(CLOCK_MONOTONIC,
						  TFD_CLOEXEC | TFD_NONBLOCK);
		vm->drain_src.fn = vm_on_drain_timer;
		vm->drain_src.opaque = vm;
		if (vm->drain_src.fd < 0 ||
		    timerfd_settime(vm->drain_src.fd, 0, &its, NULL) < 0 ||
		    event_loop_add(&vm->loop, &vm->drain_src, EPOLLIN)) {
			pr_err("coalesced MMIO drain timer: %s",
			       strerror(errno));
			return VMM_EXIT_INTERNAL;
		}
	}
	if (!vm->cfg->uart_fast || vm->page_size != LAYOUT_UART_SIZE ||
	    kvm_check_cap(vm->kvm.vm_fd, KVM_CAP_READONLY_MEM) <= 0)
		return 0;
	vm->uart_page = mmap(NULL, vm->page_size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->uart_page == MAP_FAILED) {
		vm->uart_page = NULL;
		return 0;
	}
	uart_8250_set_page(&vm->uart, vm->uart_page, vm_uart_map_page, vm);
	pr_info("UART fast path: coalesced THR %s, register page %s",
		ring_page ? "on" : "off", vm->uart.page ? "on" : "off");
	return 0;
}

static int vm_build_dtb(struct vm *vm, void *buf, size_t size)
{
	struct dt_machine m = {
		.ncpus = vm->cfg->cpus,
		.mpidr = vm->mpidr,
		.ram_base = vm->mem.base,
		.ram_size = vm->mem.size,
		.gic_version = vm->gic.version,
		.bootargs = vm->cmdline,
		.initrd_start = vm->layout.initrd,
		.initrd_end = vm->layout.initrd + vm->layout.initrd_size,
	};
	const char *why = NULL;

	if (getrandom(&m.kaslr_seed, sizeof(m.kaslr_seed), 0) < 0 ||
	    getrandom(m.rng_seed, sizeof(m.rng_seed), 0) < 0) {
		pr_err("getrandom: %s", strerror(errno));
		return VMM_EXIT_INTERNAL;
	}
	if (dt_build(&m, &vm->bus, buf, size, &why)) {
		pr_err("building the device tree: %s", why ? why : "failed");
		return VMM_EXIT_INTERNAL;
	}
	return 0;
}

static int vm_dump_dtb(struct vm *vm, const void *fdt, size_t size)
{
	const char *path = vm->cfg->dump_dtb;
	size_t done = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		pr_err("--dump-dtb '%s': %s", path, strerror(errno));
		return VMM_EXIT_USAGE;
	}
	while (done < size) {
		ssize_t n = write(fd, (const char *)fdt + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pr_err("--dump-dtb '%s': %s", path,
			       n < 0 ? strerror(errno) : "short write");
			close(fd);
			return VMM_EXIT_INTERNAL;
		}
		done += n;
	}
	if (close(fd) < 0) {
		pr_err("--dump-dtb '%s': %s", path, strerror(errno));
		return VMM_EXIT_INTERNAL;
	}
	return 0;
}

/* Kernel, initrd and DTB into RAM; then the boot vCPU's registers. */
static int vm_load(struct vm *vm)
{
	void *dtb = guest_mem_ptr(&vm->mem, vm->layout.dtb, DT_MAX_SIZE);
	int ret;

	if (!dtb || loader_copy(&vm->mem, &vm->boot, &vm->layout)) {
		pr_err("internal: boot layout outside guest RAM");
		return VMM_EXIT_INTERNAL;
	}
	/* The copies in guest RAM are all that is needed from here on. */
	loader_free_files(&vm->boot);
	ret = vm_build_dtb(vm, dtb, DT_MAX_SIZE);
	if (ret)
		return ret;
	if (vm->cfg->dump_dtb)
		return 0;
	if (arm64_set_boot_regs(vm->vcpus[0].fd, vm->layout.kernel,
				vm->layout.dtb))
		return VMM_EXIT_INTERNAL;
	return 0;
}

static int vm_setup_loop(struct vm *vm)
{
	sigset_t set;

	if (event_loop_init(&vm->loop))
		return VMM_EXIT_INTERNAL;
	vm->stop_src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->stop_src.fn = vm_on_stop;
	vm->stop_src.opaque = vm;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	vm->sig_src.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	vm->sig_src.fn = vm_on_signal;
	vm->sig_src.opaque = vm;
	if (vm->stop_src.fd < 0 || vm->sig_src.fd < 0 ||
	    event_loop_add(&vm->loop, &vm->stop_src, EPOLLIN) ||
	    event_loop_add(&vm->loop, &vm->sig_src, EPOLLIN)) {
		pr_err("event loop setup: %s", strerror(errno));
		return VMM_EXIT_INTERNAL;
	}
	if (vm->cfg->timeout_s) {
		struct itimerspec its = { .it_value.tv_sec =
						  vm->cfg->timeout_s };

		vm->timeout_src.fd = timerfd_create(CLOCK_MONOTONIC,
						    TFD_CLOEXEC | TFD_NONBLOCK);
		vm->timeout_src.fn = vm_on_timeout;
		vm->timeout_src.opaque = vm;
		if (vm->timeout_src.fd < 0 ||
		    timerfd_settime(vm->timeout_src.fd, 0, &its, NULL) < 0 ||
		    event_loop_add(&vm->loop, &vm->timeout_src, EPOLLIN)) {
			pr_err("--timeout: %s", strerror(errno));
			return VMM_EXIT_INTERNAL;
		}
	}
	return 0;
}

static int vm_drop_privileges(const struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;

	if (sandbox_drop_privileges(cfg->chroot_dir, cfg->drop_user, cfg->uid,
				    cfg->gid))
		return VMM_EXIT_INTERNAL;
	return 0;
}

static unsigned int uart_input_space(void *uart)
{
	return uart_8250_rx_space(uart);
}

static size_t uart_input_push(void *uart, const uint8_t *buf, size_t len)
{
	return uart_8250_push_rx(uart, buf, len);
}

static int vm_run_vcpus(struct vm *vm)
{
	struct console_input input = { uart_input_space, uart_input_push,
				       &vm->uart };
	int ret = 0;

	/* Guest input goes to whichever device is the guest's console. */
	if (vm->cfg->console_virtio)
		input = (struct console_input){ virtio_console_rx_space,
						virtio_console_push_rx,
						&vm->hvc };
	if (console_init(&vm->con, STDIN_FILENO, STDOUT_FILENO) ||
	    console_attach(&vm->con, &input, &vm->loop, vm_quit_key, vm,
			   &vm->host.stopping)) {
		pr_err("console setup: %s", strerror(errno));
		return VMM_EXIT_INTERNAL;
	}
	vm->con.log_fd = vm->serial_log_fd;
	events_emit("kernel_started", NULL, NULL, 0);
	for (unsigned int i = 0; i < vm->nvcpus && !ret; i++)
		ret = vcpu_start(&vm->vcpus[i]);
	/*
	 * Every thread exists now; from here the main thread only serves the
	 * event loop and tears down, so it confines itself to that.
	 */
	if (!ret &&
	    sandbox_enter(SANDBOX_MAIN, (enum sandbox_mode)vm->cfg->seccomp))
		ret = -EPERM;
	if (!ret && getenv_test_violation(vm, "main"))
		syscall(SYS_getppid); /* refused: must end the process */
	if (ret)
		vm_request_stop(vm, VMM_EXIT_INTERNAL, "a vCPU thread failed");
	else if (event_loop_run(&vm->loop))
		vm_request_stop(vm, VMM_EXIT_INTERNAL, "event loop failed");
	return 0;
}

static void vm_stop_vcpus(struct vm *vm)
{
	__atomic_store_n(&vm->host.stopping, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		vcpu_join(&vm->vcpus[i]);
}

/* RSS of the process, and of it what is not guest RAM (from smaps). */
static void vm_rss(const struct vm *vm, uint64_t *total_kib,
		   uint64_t *outside_kib)
{
	uintptr_t ram_lo = (uintptr_t)vm->mem.hva,
		  ram_hi = ram_lo + vm->mem.size;
	char line[1024];
	int in_ram = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	*total_kib = *outside_kib = 0;
	if (!f)
		return;
	/* strtoul, not sscanf: scanf is 29 KiB of text resident for this. */
	while (fgets(line, sizeof(line), f)) {
		char *end;
		unsigned long lo = strtoul(line, &end, 16), hi, kib;

		if (end != line && *end == '-') {
			hi = strtoul(end + 1, &end, 16);
			in_ram = lo >= ram_lo && hi <= ram_hi;
		} else if (strncmp(line, "Rss:", 4) == 0) {
			kib = strtoul(line + 4, NULL, 10);
			*total_kib += kib;
			if (!in_ram)
				*outside_kib += kib;
		}
	}
	fclose(f);
}

static uint64_t vm_region_accesses(struct vm *vm, gpa_t base)
{
	struct mmio_region *r = mmio_bus_find(&vm->bus, base, 1);

	return r ? __atomic_load_n(&r->accesses, __ATOMIC_RELAXED) : 0;
}

static void vm_print_stats(struct vm *vm)
{
	uint64_t exits = 0, mmio = 0, unhandled = 0, nisv = 0, rss, outside;
	struct timespec now;
	double ms;

	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		exits += vm->vcpus[i].exits;
		mmio += vm->vcpus[i].mmio_exits;
		unhandled += vm->vcpus[i].unhandled_mmio;
		nisv += vm->vcpus[i].nisv_exits;
	}
	vm_rss(vm, &rss, &outside);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - vm->started.tv_sec) * 1e3 +
	     (now.tv_nsec - vm->started.tv_nsec) / 1e6;
	fprintf(stderr,
		"vmm: stats: exit_code=%d run_ms=%.0f vcpus=%u "
		"vcpu_exits=%" PRIu64 " mmio_exits=%" PRIu64
		" unhandled_mmio=%" PRIu64 " nisv_exits=%" PRIu64
		" uart_accesses=%" PRIu64 " rtc_accesses=%" PRIu64
		" console_tx_bytes=%" PRIu64 " console_rx_bytes=%" PRIu64
		" rss_kib=%" PRIu64 " rss_outside_guest_kib=%" PRIu64
		" boot_ms=%" PRIu64 " coalesced_writes=%" PRIu64
		" uart_page_maps=%" PRIu64 "\n",
		vm->exit_code, ms, vm->nvcpus, exits, mmio, unhandled, nisv,
		vm_region_accesses(vm, LAYOUT_UART_BASE),
		vm_region_accesses(vm, LAYOUT_RTC_BASE), vm->uart.tx_bytes,
		vm->uart.rx_bytes, rss, outside, vm->boot_ms, vm->ring.entries,
		vm->uart.page_maps);
	if (vm->cfg->console_virtio)
		fprintf(stderr,
			"vmm: stats: console=hvc0 tx_requests=%" PRIu64
			" tx_bytes=%" PRIu64 " rx_bytes=%" PRIu64
			" notifies=%" PRIu64 " interrupts=%" PRIu64 "\n",
			vm->hvc.tx_requests, vm->hvc.tx_bytes, vm->hvc.rx_bytes,
			vm->hvc_dev.t.notifies, vm->hvc_dev.t.interrupts);
	for (unsigned int i = 0; vm->disks && i < vm->cfg->ndisks; i++) {
		const struct vm_disk *d = &vm->disks[i];

		fprintf(stderr,
			"vmm: stats: disk=%s requests=%" PRIu64
			" read_bytes=%" PRIu64 " written_bytes=%" PRIu64
			" errors=%" PRIu64 " bad_chains=%" PRIu64
			" notifies=%" PRIu64 " interrupts=%" PRIu64 "\n",
			d->v.name, d->blk.requests, d->blk.read_bytes,
			d->blk.written_bytes, d->blk.errors,
			d->v.t.vqs[0].bad_chains, d->v.t.notifies,
			d->v.t.interrupts);
	}
}

static void vm_teardown(struct vm *vm)
{
	vm_stop_vcpus(vm);
	/* The last bytes the guest queued, before the console closes. */
	mmio_ring_drain(&vm->ring);
	console_destroy(&vm->con);
	if (vm->cfg->stats && vm->nvcpus && !vm->cfg->dump_dtb)
		vm_print_stats(vm);
	vm_disks_close(vm->disks, vm->cfg->ndisks);
	vm->disks = NULL;
	vm_virtio_destroy(&vm->rng_dev);
	vm_virtio_destroy(&vm->hvc_dev);
	mmio_ring_destroy(&vm->ring);
	if (vm->uart_page)
		munmap(vm->uart_page, vm->page_size);
	if (vm->drain_src.fd >= 0)
		close(vm->drain_src.fd);
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	vgic_destroy(&vm->gic);
	if (vm->stop_src.fd >= 0)
		close(vm->stop_src.fd);
	if (vm->sig_src.fd >= 0)
		close(vm->sig_src.fd);
	if (vm->timeout_src.fd >= 0)
		close(vm->timeout_src.fd);
	if (vm->serial_log_fd >= 0)
		close(vm->serial_log_fd);
	event_loop_destroy(&vm->loop);
	uart_8250_destroy(&vm->uart);
	pl031_destroy(&vm->rtc);
	kvm_close(&vm->kvm);
	guest_mem_free(&vm->mem);
	loader_free_files(&vm->boot);
	free(vm->cmdline);
}

int vm_run(const struct vm_config *cfg)
{
	struct vm *vm;
	sigset_t set;
	int ret;

	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		pr_err("out of memory");
		return VMM_EXIT_INTERNAL;
	}
	/*
	 * One malloc arena: each vCPU thread builds its seccomp filter, and
	 * with an arena of its own that would stay resident (52 KiB each).
	 */
	mallopt(M_ARENA_MAX, 1);
	vm->cfg = cfg;
	vm->host.request_stop = vm_request_stop;
	vm->host.sandbox_mode = (int)cfg->seccomp;
	vm->host.test_violation = getenv_test_violation(vm, "vcpu");
	if (cfg->seccomp == CONFIG_SECCOMP_OFF)
		pr_warn("--seccomp=off: vmm runs WITHOUT system call filters; "
			"a guest that breaks out of a device has the whole "
			"process. Debugging only.");
	vm_virtio_init(&vm->rng_dev, "rng");
	vm_virtio_init(&vm->hvc_dev, "hvc");
	vm->host.opaque = vm;
	vm->kvm.fd = vm->kvm.vm_fd = -1;
	vm->gic.dev_fd = -1;
	vm->stop_src.fd = vm->sig_src.fd = vm->loop.epfd = -1;
	vm->timeout_src.fd = vm->serial_log_fd = -1;
	vm->drain_src.fd = -1;
	vm->con.ready_src.fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &vm->started);
	/*
	 * Block the signals we handle (via signalfd) and the vCPU kick signal
	 * before any thread exists, so every thread inherits the mask; each
	 * vCPU thread unblocks only the kick.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (vcpu_signals_init()) {
		ret = VMM_EXIT_INTERNAL;
		goto out;
	}

	ret = vm_check_inputs(vm);
	if (!ret)
		ret = vm_create_kvm(vm);
	if (!ret)
		ret = vm_create_memory(vm);
	if (!ret)
		ret = vm_create_cpus(vm);
	if (!ret)
		ret = vm_setup_loop(vm);
	if (!ret)
		ret = vm_create_devices(vm);
	if (!ret)
		ret = vm_setup_uart_fast(vm);
	if (!ret)
		ret = vm_load(vm);
	if (!ret && !cfg->dump_dtb)
		ret = vm_drop_privileges(vm);
	if (!ret && !cfg->dump_dtb)
		events_emit("created", NULL, NULL, 0);
	if (!ret && cfg->dump_dtb) {
		void *dtb =
			guest_mem_ptr(&vm->mem, vm->layout.dtb, DT_MAX_SIZE);

		ret = vm_dump_dtb(vm, dtb, dt_total_size(dtb));
		goto out;
	}
	if (!ret) {
		vm_run_vcpus(vm);
		ret = vm->exit_code;
	}
out:
	if (vm->stop_requested)
		ret = vm->exit_code;
	vm_teardown(vm);
	free(vm);
	{
		char code[12];

		snprintf(code, sizeof(code), "%d", ret);
		events_emit("exit", "code", code, 0);
		events_close();
	}
	return ret;
}
