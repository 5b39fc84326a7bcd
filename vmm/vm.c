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

#include "api.h"
#include "api_server.h"
#include "console.h"
#include "devices/boot_timer.h"
#include "devices/mmio_bus.h"
#include "devices/pl031.h"
#include "devices/pl061.h"
#include "devices/uart_8250.h"
#include "devices/vgic.h"
#include "devices/virtio_console.h"
#include "devices/virtio_rng.h"
#include "devices/virtio_vsock.h"
#include "event_loop.h"
#include "events.h"
#include "exit_codes.h"
#include "fdt/dt.h"
#include "json.h"
#include "kvm.h"
#include "loader.h"
#include "log.h"
#include "memory/guest_mem.h"
#include "sandbox.h"
#include "vcpu/arm64_regs.h"
#include "vcpu/mmio_ring.h"
#include "vcpu/vcpu.h"
#include "vm_disk.h"
#include "vm_net.h"
#include "vm_virtio.h"

#define VM_SETUP_STEPS 10

struct vm {
	const struct vm_config *cfg;
	struct timespec started;
	uint64_t setup_us[VM_SETUP_STEPS]; /* each set-up step's time */
	struct kvm kvm;
	struct guest_mem mem;
	struct vgic gic;
	struct vcpu *vcpus;
	unsigned int nvcpus; /* created so far */
	struct vcpu_host host;
	struct mmio_bus bus;
	struct irq_line uart_irq, rtc_irq, gpio_irq;
	struct uart_8250 uart;
	struct pl031 rtc;
	struct pl061 gpio; /* pin LAYOUT_GPIO_POWER_PIN: the power button */
	struct console con;
	struct event_loop loop;
	struct event_source stop_src;	 /* eventfd: a vCPU asked to stop */
	struct event_source sig_src;	 /* signalfd: INT, TERM, HUP */
	struct event_source timeout_src; /* timerfd: --timeout */
	struct event_source grace_src;	 /* timerfd: shutdown grace period */
	struct event_source release_src; /* timerfd: let go of the button */
	struct boot_timer boot_timer;
	struct mmio_ring ring;	       /* coalesced UART transmit */
	struct event_source drain_src; /* timerfd: drain the ring */
	unsigned int drain_idle;       /* ticks that found nothing */
	uint8_t *uart_page;	       /* the UART's read-only register page */
	size_t page_size;
	uint64_t boot_ms; /* when the guest wrote the boot timer; 0: not yet */
	char *exit_vcpus; /* the exit event's "vcpus" array, or NULL */
	int serial_log_fd;
	struct vm_disk *disks;	/* cfg->ndisks of them */
	struct vm_net *nets;	/* cfg->nnets of them */
	unsigned int next_slot; /* next free virtio-mmio slot */
	struct vm_virtio rng_dev;
	struct vm_virtio hvc_dev;
	struct virtio_console hvc;
	struct virtio_rng rng;
	struct vm_virtio vsock_dev;
	struct virtio_vsock vsock;
	struct boot_files boot;
	struct boot_layout layout;
	char *cmdline;
	uint64_t mpidr[CONFIG_MAX_CPUS];
	int stop_requested;
	int exit_code;
	struct api_server api;	     /* --api-socket */
	struct event_source api_src; /* eventfd: the API asks the main thread */
	int api_shutdown;	     /* set by the API thread, read by main */
	int smaps_fd; /* /proc/self/smaps, opened before a chroot */
	/* A shutdown through the power button; main thread only. */
	int shutdown_pending;
	int shutdown_code; /* exit code if the grace period runs out */
	unsigned int shutdown_grace_s;
	unsigned int button_presses;
	char shutdown_why[32];
};

/* How long the power button is held down (at least: see pl061.h). */
#define VM_BUTTON_HOLD_NS 100000000L

/*
 * vm_stop() - stop the VM with exit @code, saying so with @event and its
 * JSON @fields (NULL: the event that @code implies). First caller wins;
 * safe from any thread.
 */
static void vm_stop(struct vm *vm, int code, const char *why, const char *event,
		    const char *fields)
{
	int expected = 0;
	uint64_t one = 1;
	char buf[96];

	if (!__atomic_compare_exchange_n(&vm->stop_requested, &expected, 1, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	vm->exit_code = code;
	pr_info("stopping: %s (exit code %d)", why, code);
	if (event) {
		events_emit_fields(event, fields);
	} else {
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
		case VMM_EXIT_HARD_STOP:
			snprintf(buf, sizeof(buf),
				 "\"reason\":\"%s\",\"how\":\"stop\"", why);
			events_emit_fields("shutdown_requested", buf);
			break;
		default:
			events_emit("error", "reason", why, 1);
		}
	}
	/* The guest did not end on its own: say where it was. */
	if (code == VMM_EXIT_TIMEOUT ||
	    (event && strcmp(event, "shutdown_forced") == 0))
		__atomic_store_n(&vm->host.report_state, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&vm->host.stopping, 1, __ATOMIC_RELEASE);
	vcpu_host_wake(&vm->host); /* paused vCPUs must see it too */
	if (write(vm->stop_src.fd, &one, sizeof(one)) < 0)
		pr_err("cannot wake the event loop: %s", strerror(errno));
}

/* First caller wins; safe from any thread. */
static void vm_request_stop(void *opaque, int code, const char *why)
{
	vm_stop(opaque, code, why, NULL, NULL);
}

static int vm_arm_timer(struct event_source *src, time_t sec, long nsec)
{
	struct itimerspec its = { .it_value = { sec, nsec } };

	return timerfd_settime(src->fd, 0, &its, NULL) < 0 ? -errno : 0;
}

static void vm_timer_ack(struct event_source *src)
{
	uint64_t expirations;

	if (read(src->fd, &expirations, sizeof(expirations)) < 0)
		return; /* nothing to do: the timer fired once */
}

int vm_request_shutdown(struct vm *vm, int grace_s, int forced_code,
			const char *why)
{
	unsigned int grace =
		grace_s < 0 ? vm->cfg->shutdown_grace_s : (unsigned int)grace_s;
	char fields[128];
	int ret;

	if (__atomic_load_n(&vm->stop_requested, __ATOMIC_ACQUIRE))
		return -ESHUTDOWN;
	if (vm->shutdown_pending)
		return -EALREADY;
	if (grace == 0) {
		snprintf(fields, sizeof(fields),
			 "\"reason\":\"%s\",\"how\":\"stop\",\"grace_s\":0",
			 why);
		vm_stop(vm, forced_code, why, "shutdown_requested", fields);
		return 0;
	}
	vm->shutdown_pending = 1;
	vm->shutdown_code = forced_code;
	vm->shutdown_grace_s = grace;
	snprintf(vm->shutdown_why, sizeof(vm->shutdown_why), "%s", why);
	/* Press; the release timer lets go (see pl061_release_input()). */
	pl061_set_input(&vm->gpio, LAYOUT_GPIO_POWER_PIN, 1);
	vm->button_presses++;
	snprintf(fields, sizeof(fields),
		 "\"reason\":\"%s\",\"how\":\"power_button\",\"grace_s\":%u",
		 vm->shutdown_why, grace);
	events_emit_fields("shutdown_requested", fields);
	pr_info("%s: pressed the guest's power button; stopping it hard if "
		"it has not powered off in %u s",
		vm->shutdown_why, grace);
	ret = vm_arm_timer(&vm->release_src, 0, VM_BUTTON_HOLD_NS);
	if (!ret)
		ret = vm_arm_timer(&vm->grace_src, (time_t)grace, 0);
	if (ret) {
		pr_err("cannot arm the shutdown timers: %s", strerror(-ret));
		vm_stop(vm, forced_code, "no shutdown timer", "shutdown_forced",
			fields);
	}
	return ret;
}

static void vm_on_button_release(struct event_source *src, uint32_t events)
{
	struct vm *vm = src->opaque;

	(void)events;
	vm_timer_ack(src);
	pl061_release_input(&vm->gpio, LAYOUT_GPIO_POWER_PIN);
}

/* @why: what ended the wait (the grace period, a second SIGTERM). */
static void vm_force_shutdown(struct vm *vm, const char *why)
{
	char fields[128];

	snprintf(fields, sizeof(fields), "\"reason\":\"%s\",\"grace_s\":%u",
		 why, vm->shutdown_grace_s);
	vm_stop(vm, vm->shutdown_code, why, "shutdown_forced", fields);
}

static void vm_on_grace_expired(struct event_source *src, uint32_t events)
{
	struct vm *vm = src->opaque;

	(void)events;
	vm_timer_ack(src);
	/* The log says why when the guest cannot have heard the button. */
	pr_warn("%s: the guest did not shut down within %u s of the power "
		"button%s; stopping it hard (exit code %d)",
		vm->shutdown_why, vm->shutdown_grace_s,
		pl061_irq_enabled(&vm->gpio, LAYOUT_GPIO_POWER_PIN)
			? ""
			: " (it never enabled the button's interrupt: does "
			  "its kernel have gpio-keys?)",
		vm->shutdown_code);
	vm_force_shutdown(vm, "grace period expired");
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
		/* The first asks the guest; a second insists. */
		if (vm->shutdown_pending) {
			pr_warn("second SIGTERM: stopping the guest hard");
			vm_force_shutdown(vm, "second SIGTERM");
		} else {
			vm_request_shutdown(vm, -1, VMM_EXIT_SIGTERM,
					    "SIGTERM");
		}
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
	/* Before KVM: a missing vhost-vsock or a taken CID starts nothing. */
	if (cfg->vsock_cid &&
	    virtio_vsock_open(&vm->vsock, VIRTIO_VSOCK_DEV_PATH, why,
			      sizeof(why))) {
		pr_err("--vsock: %s", why);
		return VMM_EXIT_HOST_RESOURCE;
	}
	if (vm_nets_open(cfg, &vm->nets, why, sizeof(why))) {
		pr_err("%s", why);
		return VMM_EXIT_HOST_RESOURCE;
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
	struct mmio_region gpio = pl061_region(&vm->gpio, LAYOUT_GPIO_BASE);

	mmio_bus_init(&vm->bus);
	vm->host.bus = &vm->bus;
	vgic_irq_line_init(&vm->uart_irq, &vm->gic, LAYOUT_SPI_UART);
	vgic_irq_line_init(&vm->rtc_irq, &vm->gic, LAYOUT_SPI_RTC);
	vgic_irq_line_init(&vm->gpio_irq, &vm->gic, LAYOUT_SPI_GPIO);
	if (uart_8250_init(&vm->uart, &vm->uart_irq, console_output,
			   console_rx_ready, &vm->con) ||
	    pl031_init(&vm->rtc, &vm->rtc_irq, NULL) ||
	    pl061_init(&vm->gpio, &vm->gpio_irq, LAYOUT_GPIO_POWER_PIN))
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
	    mmio_bus_register(&vm->bus, &gpio) ||
	    mmio_bus_register(&vm->bus, &boot)) {
		pr_err("internal: device map overlaps");
		return VMM_EXIT_INTERNAL;
	}
	for (unsigned int i = 0; i < vm->cfg->ndisks; i++) {
		if (vm_disk_attach(&vm->disks[i], vm->next_slot++, &env))
			return VMM_EXIT_INTERNAL;
	}
	/* NICs right after the disks: eth0, eth1, ... in --net order. */
	for (unsigned int i = 0; i < vm->cfg->nnets; i++) {
		if (vm_net_attach(&vm->nets[i], vm->next_slot++, &env))
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
	if (vm->cfg->vsock_cid) {
		if (vm_virtio_attach(&vm->vsock_dev, vm->next_slot++,
				     VIRTIO_ID_VSOCK, &virtio_vsock_ops,
				     &vm->vsock, VIRTIO_VSOCK_QUEUES,
				     VIRTIO_VSOCK_CONFIG_SIZE, &env) ||
		    vm_virtio_attach_vhost(&vm->vsock_dev, &vm->vsock.vh, &env))
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
	char why[512];
	int ret;

	ret = dtb ? loader_copy(&vm->mem, &vm->boot, &vm->layout, why,
				sizeof(why))
		  : -EFAULT;
	if (ret == -EIO) {
		pr_err("%s", why);
		return VMM_EXIT_BAD_INPUT;
	}
	if (ret) {
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
	/* Created now, armed by a shutdown request (seccomp allows that). */
	vm->grace_src.fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	vm->grace_src.fn = vm_on_grace_expired;
	vm->grace_src.opaque = vm;
	vm->release_src.fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	vm->release_src.fn = vm_on_button_release;
	vm->release_src.opaque = vm;
	if (vm->stop_src.fd < 0 || vm->sig_src.fd < 0 || vm->grace_src.fd < 0 ||
	    vm->release_src.fd < 0 ||
	    event_loop_add(&vm->loop, &vm->stop_src, EPOLLIN) ||
	    event_loop_add(&vm->loop, &vm->sig_src, EPOLLIN) ||
	    event_loop_add(&vm->loop, &vm->grace_src, EPOLLIN) ||
	    event_loop_add(&vm->loop, &vm->release_src, EPOLLIN)) {
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
	/*
	 * What set-up freed (a compressed kernel's buffers, the DTB's) goes
	 * back to the system before the guest runs: without this, the heap
	 * keeps it resident for the VM's whole life.
	 */
	malloc_trim(0);
	events_emit("kernel_started", NULL, NULL, 0);
	for (unsigned int i = 0; i < vm->nvcpus && !ret; i++)
		ret = vcpu_start(&vm->vcpus[i]);
	if (!ret && vm->cfg->api_socket)
		ret = api_server_start(&vm->api);
	/*
	 * Every thread exists now; from here the main thread only serves the
	 * event loop and tears down, so it confines itself to that.
	 */
	if (!ret && sandbox_enter(SANDBOX_MAIN))
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
	vcpu_host_wake(&vm->host);
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		vcpu_join(&vm->vcpus[i]);
}

/*
 * Sum an smaps line into the RSS totals; @in_ram follows the mappings.
 * strtoul, not sscanf: scanf is 29 KiB of text resident for this.
 */
static void vm_rss_line(const struct vm *vm, const char *line, int *in_ram,
			uint64_t *total_kib, uint64_t *outside_kib)
{
	uintptr_t ram_lo = (uintptr_t)vm->mem.hva,
		  ram_hi = ram_lo + vm->mem.size;
	char *end;
	unsigned long lo = strtoul(line, &end, 16), hi, kib;

	if (end != line && *end == '-') {
		hi = strtoul(end + 1, &end, 16);
		*in_ram = lo >= ram_lo && hi <= ram_hi;
	} else if (strncmp(line, "Rss:", 4) == 0) {
		kib = strtoul(line + 4, NULL, 10);
		*total_kib += kib;
		if (!*in_ram)
			*outside_kib += kib;
	}
}

/*
 * RSS of the process, and of it what is not guest RAM, from the smaps
 * opened at set-up (so it works after a --chroot, and on the API thread,
 * whose filter opens nothing). Read with pread(), line by line.
 */
static void vm_rss(const struct vm *vm, uint64_t *total_kib,
		   uint64_t *outside_kib)
{
	char buf[4096 + 1];
	size_t have = 0;
	off_t off = 0;
	int in_ram = 0;
	ssize_t n;

	*total_kib = *outside_kib = 0;
	if (vm->smaps_fd < 0)
		return;
	while ((n = pread(vm->smaps_fd, buf + have, sizeof(buf) - 1 - have,
			  off)) > 0) {
		char *line = buf, *nl;

		off += n;
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			vm_rss_line(vm, line, &in_ram, total_kib, outside_kib);
			line = nl + 1;
		}
		/* Keep the partial last line; a line never fills the buffer. */
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0;
	}
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
	if (vm->button_presses)
		fprintf(stderr,
			"vmm: stats: power_button presses=%u "
			"gpio_interrupts=%" PRIu64 " gpio_data_reads=%" PRIu64
			" guest_listening=%d\n",
			vm->button_presses, vm->gpio.interrupts,
			vm->gpio.data_reads,
			pl061_irq_enabled(&vm->gpio, LAYOUT_GPIO_POWER_PIN));
	if (vm->cfg->vsock_cid)
		fprintf(stderr,
			"vmm: stats: vsock cid=%" PRIu64 " starts=%" PRIu64
			" calls=%" PRIu64 " event_kicks=%" PRIu64
			" interrupts=%" PRIu64 "\n",
			vm->vsock.cid, vm->vsock.starts, vm->vsock.vh.calls,
			vm->vsock.event_kicks, vm->vsock_dev.t.interrupts);
	for (unsigned int i = 0; vm->disks && i < vm->cfg->ndisks; i++) {
		const struct vm_disk *d = &vm->disks[i];

		fprintf(stderr,
			"vmm: stats: disk=%s requests=%" PRIu64
			" read_bytes=%" PRIu64 " written_bytes=%" PRIu64
			" errors=%" PRIu64 " bad_chains=%" PRIu64
			" notifies=%" PRIu64 " interrupts=%" PRIu64
			" submits=%" PRIu64 "\n",
			d->v.name, d->blk.requests, d->blk.read_bytes,
			d->blk.written_bytes, d->blk.errors,
			d->v.t.vqs[0].bad_chains, d->v.t.notifies,
			d->v.t.interrupts, blk_backend_submits(d->blk.be));
	}
	vm_nets_print_stats(vm->nets, vm->cfg->nnets);
}

/* --- the control API (api.h): called on the API thread ------------------ */

static const char *vm_state(struct vm *vm)
{
	if (__atomic_load_n(&vm->stop_requested, __ATOMIC_ACQUIRE))
		return "stopping";
	if (__atomic_load_n(&vm->api_shutdown, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&vm->shutdown_pending, __ATOMIC_ACQUIRE))
		return "shutting_down";
	if (__atomic_load_n(&vm->host.paused, __ATOMIC_ACQUIRE))
		return "paused";
	return "running";
}

static uint64_t load(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static int vm_api_status(void *opaque, yajl_gen g)
{
	struct vm *vm = opaque;
	const char *state = vm_state(vm);
	uint64_t boot_ms = load(&vm->boot_ms);

	json_kv(g, "state", state);
	json_kv_u64(g, "vcpus", vm->nvcpus);
	json_kv_u64(g, "memory_bytes", vm->mem.size);
	json_kv_u64(g, "uptime_ms", events_ms_since_start());
	json_str(g, "boot_ms");
	if (boot_ms)
		json_u64(g, boot_ms);
	else
		yajl_gen_null(g);
	json_kv_u64(g, "pid", (uint64_t)getpid());
	json_kv(g, "version", VMM_VERSION);
	return 0;
}

static void gen_virtio(yajl_gen g, const struct vm_virtio *v)
{
	json_kv_u64(g, "notifies", load(&v->t.notifies));
	json_kv_u64(g, "interrupts", load(&v->t.interrupts));
}

static int vm_api_metrics(void *opaque, yajl_gen g)
{
	struct vm *vm = opaque;
	uint64_t rss, outside;

	json_kv_u64(g, "uptime_ms", events_ms_since_start());
	vm_rss(vm, &rss, &outside);
	json_kv_u64(g, "rss_kib", rss);
	json_kv_u64(g, "rss_outside_guest_kib", outside);
	json_str(g, "vcpus");
	yajl_gen_array_open(g);
	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		const struct vcpu *c = &vm->vcpus[i];

		yajl_gen_map_open(g);
		json_kv_u64(g, "id", c->id);
		json_kv_u64(g, "exits", vcpu_stat(&c->exits));
		json_str(g, "exits_by_reason");
		yajl_gen_map_open(g);
		json_kv_u64(g, "mmio", vcpu_stat(&c->mmio_exits));
		json_kv_u64(g, "mmio_unhandled", vcpu_stat(&c->unhandled_mmio));
		json_kv_u64(g, "mmio_undecodable", vcpu_stat(&c->nisv_exits));
		json_kv_u64(g, "system_event", vcpu_stat(&c->system_events));
		json_kv_u64(g, "signal", vcpu_stat(&c->interrupted));
		yajl_gen_map_close(g);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	json_str(g, "devices");
	yajl_gen_map_open(g);
	json_str(g, "uart");
	yajl_gen_map_open(g);
	json_kv_u64(g, "accesses", vm_region_accesses(vm, LAYOUT_UART_BASE));
	json_kv_u64(g, "tx_bytes", load(&vm->uart.tx_bytes));
	json_kv_u64(g, "rx_bytes", load(&vm->uart.rx_bytes));
	yajl_gen_map_close(g);
	json_str(g, "rtc");
	yajl_gen_map_open(g);
	json_kv_u64(g, "accesses", vm_region_accesses(vm, LAYOUT_RTC_BASE));
	yajl_gen_map_close(g);
	for (unsigned int i = 0; vm->disks && i < vm->cfg->ndisks; i++) {
		const struct vm_disk *d = &vm->disks[i];

		json_str(g, d->v.name);
		yajl_gen_map_open(g);
		json_kv_u64(g, "requests", load(&d->blk.requests));
		json_kv_u64(g, "read_bytes", load(&d->blk.read_bytes));
		json_kv_u64(g, "written_bytes", load(&d->blk.written_bytes));
		json_kv_u64(g, "errors", load(&d->blk.errors));
		json_kv_u64(g, "bad_chains", load(&d->v.t.vqs[0].bad_chains));
		gen_virtio(g, &d->v);
		yajl_gen_map_close(g);
	}
	if (vm->hvc_dev.attached) {
		json_str(g, "hvc0");
		yajl_gen_map_open(g);
		json_kv_u64(g, "requests", load(&vm->hvc.tx_requests));
		json_kv_u64(g, "tx_bytes", load(&vm->hvc.tx_bytes));
		json_kv_u64(g, "rx_bytes", load(&vm->hvc.rx_bytes));
		gen_virtio(g, &vm->hvc_dev);
		yajl_gen_map_close(g);
	}
	if (vm->rng_dev.attached) {
		json_str(g, "rng");
		yajl_gen_map_open(g);
		json_kv_u64(g, "requests", load(&vm->rng.requests));
		json_kv_u64(g, "bytes", load(&vm->rng.bytes));
		gen_virtio(g, &vm->rng_dev);
		yajl_gen_map_close(g);
	}
	json_str(g, "api");
	yajl_gen_map_open(g);
	json_kv_u64(g, "requests",
		    __atomic_load_n(&vm->api.requests, __ATOMIC_RELAXED));
	json_kv_u64(g, "errors",
		    __atomic_load_n(&vm->api.errors, __ATOMIC_RELAXED));
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	return 0;
}

static char *vm_api_config(void *opaque)
{
	struct vm *vm = opaque;

	return config_to_json(vm->cfg);
}

static int vm_api_action(void *opaque, enum api_action a, const char **state,
			 char *why, size_t why_len)
{
	struct vm *vm = opaque;
	uint64_t one = 1;
	int ret = 0;

	if (__atomic_load_n(&vm->stop_requested, __ATOMIC_ACQUIRE)) {
		log_why(why, why_len, "the VM is stopping");
		*state = vm_state(vm);
		return -EBUSY;
	}
	switch (a) {
	case API_PAUSE:
		ret = vcpu_pause_all(vm->vcpus, vm->nvcpus, &vm->host);
		if (ret == -EALREADY)
			log_why(why, why_len, "the VM is already paused");
		if (!ret)
			events_emit("paused", NULL, NULL, 0);
		break;
	case API_RESUME:
		ret = vcpu_resume_all(&vm->host);
		if (ret == -EALREADY)
			log_why(why, why_len, "the VM is not paused");
		if (!ret)
			events_emit("resumed", NULL, NULL, 0);
		break;
	case API_SHUTDOWN:
		if (__atomic_exchange_n(&vm->api_shutdown, 1,
					__ATOMIC_ACQ_REL)) {
			log_why(why, why_len, "a shutdown is under way");
			ret = -EALREADY;
			break;
		}
		/* The power button and its timer belong to the main thread. */
		if (write(vm->api_src.fd, &one, sizeof(one)) < 0)
			ret = -errno;
		break;
	case API_STOP:
		vm_request_stop(vm, VMM_EXIT_HARD_STOP,
				"stopped by the control API");
		break;
	}
	*state = vm_state(vm);
	return ret;
}

static const struct api_ops vm_api_ops = {
	.status = vm_api_status,
	.metrics = vm_api_metrics,
	.config = vm_api_config,
	.action = vm_api_action,
};

/* On the main thread: what the API asked of it. */
static void vm_on_api(struct event_source *src, uint32_t events)
{
	struct vm *vm = src->opaque;
	uint64_t n;

	(void)events;
	if (read(src->fd, &n, sizeof(n)) != sizeof(n))
		return;
	if (!__atomic_load_n(&vm->api_shutdown, __ATOMIC_ACQUIRE))
		return;
	/* A paused guest cannot act on the button: let it run. */
	if (!vcpu_resume_all(&vm->host))
		events_emit("resumed", NULL, NULL, 0);
	/* -EALREADY: SIGTERM pressed it already; the grace runs as set. */
	vm_request_shutdown(vm, -1, VMM_EXIT_HARD_STOP, "api");
}

/* The socket is made before any chroot: its path is the user's. */
static int vm_setup_api(struct vm *vm)
{
	char why[300];
	int ret;

	if (!vm->cfg->api_socket)
		return 0;
	vm->api_src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->api_src.fn = vm_on_api;
	vm->api_src.opaque = vm;
	if (vm->api_src.fd < 0 ||
	    event_loop_add(&vm->loop, &vm->api_src, EPOLLIN)) {
		pr_err("control API: %s", strerror(errno));
		return VMM_EXIT_INTERNAL;
	}
	ret = api_server_open(&vm->api, vm->cfg->api_socket, &vm_api_ops, vm,
			      why, sizeof(why));
	if (ret) {
		pr_err("%s", why);
		return ret == -ENAMETOOLONG ? VMM_EXIT_USAGE
					    : VMM_EXIT_HOST_RESOURCE;
	}
	pr_info("control API on %s", vm->cfg->api_socket);
	return 0;
}

/*
 * The vCPUs that logged where they were (joined: their state is final), as
 * a JSON array for the exit event; NULL when none did.
 */
static char *vm_vcpus_json(const struct vm *vm)
{
	size_t size = 2 + (size_t)vm->nvcpus * 256, len = 0;
	char *buf = NULL;

	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		const struct vcpu *c = &vm->vcpus[i];
		int n;

		if (!c->state_read)
			continue;
		if (!buf && !(buf = malloc(size)))
			return NULL;
		buf[len] = len ? ',' : '[';
		len++;
		n = vcpu_state_json(c->id, &c->state, buf + len, size - len);
		if (n < 0 || (size_t)n >= size - len - 1) {
			free(buf);
			return NULL;
		}
		len += (size_t)n;
	}
	if (buf) {
		buf[len++] = ']';
		buf[len] = '\0';
	}
	return buf;
}

static void vm_teardown(struct vm *vm)
{
	/* The API thread touches vCPUs and devices: it goes first. */
	api_server_close(&vm->api);
	vm_stop_vcpus(vm);
	if (vm->vcpus)
		vm->exit_vcpus = vm_vcpus_json(vm);
	/* The last bytes the guest queued, before the console closes. */
	mmio_ring_drain(&vm->ring);
	console_destroy(&vm->con);
	if (vm->cfg->stats && vm->nvcpus && !vm->cfg->dump_dtb)
		vm_print_stats(vm);
	vm_disks_close(vm->disks, vm->cfg->ndisks);
	vm->disks = NULL;
	vm_nets_close(vm->nets, vm->cfg->nnets);
	vm->nets = NULL;
	vm_virtio_destroy(&vm->rng_dev);
	/* Closing vhost-vsock stops it: before guest RAM goes. */
	virtio_vsock_close(&vm->vsock);
	vm_virtio_destroy(&vm->vsock_dev);
	vm_virtio_destroy(&vm->hvc_dev);
	mmio_ring_destroy(&vm->ring);
	if (vm->uart_page)
		munmap(vm->uart_page, vm->page_size);
	if (vm->drain_src.fd >= 0)
		close(vm->drain_src.fd);
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	vcpu_host_destroy(&vm->host);
	vgic_destroy(&vm->gic);
	if (vm->stop_src.fd >= 0)
		close(vm->stop_src.fd);
	if (vm->sig_src.fd >= 0)
		close(vm->sig_src.fd);
	if (vm->timeout_src.fd >= 0)
		close(vm->timeout_src.fd);
	if (vm->api_src.fd >= 0)
		close(vm->api_src.fd);
	if (vm->smaps_fd >= 0)
		close(vm->smaps_fd);
	if (vm->grace_src.fd >= 0)
		close(vm->grace_src.fd);
	if (vm->release_src.fd >= 0)
		close(vm->release_src.fd);
	if (vm->serial_log_fd >= 0)
		close(vm->serial_log_fd);
	event_loop_destroy(&vm->loop);
	uart_8250_destroy(&vm->uart);
	pl031_destroy(&vm->rtc);
	pl061_destroy(&vm->gpio);
	kvm_close(&vm->kvm);
	guest_mem_free(&vm->mem);
	loader_free_files(&vm->boot);
	free(vm->cmdline);
}

/* Set-up steps with more than one call, or that --dump-dtb skips. */
static int vm_step_inputs(struct vm *vm)
{
	int ret = vm_check_inputs(vm);

	if (!ret && !vm->cfg->dump_dtb &&
	    sandbox_prepare((enum sandbox_mode)vm->cfg->seccomp))
		ret = VMM_EXIT_INTERNAL;
	return ret;
}

static int vm_step_api(struct vm *vm)
{
	/* For --stats and the API's metrics, while /proc is in reach. */
	if (vm->cfg->stats || vm->cfg->api_socket)
		vm->smaps_fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	return vm->cfg->dump_dtb ? 0 : vm_setup_api(vm);
}

static int vm_step_privileges(struct vm *vm)
{
	return vm->cfg->dump_dtb ? 0 : vm_drop_privileges(vm);
}

/*
 * Set-up in order, each step timed: the "created" event lists the times,
 * so a script (and the benchmark) sees where a slow start went.
 */
static const struct {
	const char *name;
	int (*fn)(struct vm *vm);
} vm_setup_steps[VM_SETUP_STEPS] = {
	{ "inputs", vm_step_inputs },	{ "kvm", vm_create_kvm },
	{ "memory", vm_create_memory }, { "vcpus", vm_create_cpus },
	{ "loop", vm_setup_loop },	{ "devices", vm_create_devices },
	{ "uart", vm_setup_uart_fast }, { "load", vm_load },
	{ "api", vm_step_api },		{ "privileges", vm_step_privileges },
};

static int vm_set_up(struct vm *vm)
{
	for (unsigned int i = 0; i < VM_SETUP_STEPS; i++) {
		uint64_t t0 = events_mono_ns();
		int ret = vm_setup_steps[i].fn(vm);

		vm->setup_us[i] = (events_mono_ns() - t0) / 1000u;
		if (ret)
			return ret;
	}
	return 0;
}

/* {"event":"created","setup_us":{"inputs":812,"kvm":4310,...},...} */
static void vm_emit_created(const struct vm *vm)
{
	char fields[VM_SETUP_STEPS * 32];
	size_t n = 0;

	n += (size_t)snprintf(fields, sizeof(fields), "\"setup_us\":{");
	for (unsigned int i = 0; i < VM_SETUP_STEPS && n < sizeof(fields); i++)
		n += (size_t)snprintf(fields + n, sizeof(fields) - n,
				      "%s\"%s\":%llu", i ? "," : "",
				      vm_setup_steps[i].name,
				      (unsigned long long)vm->setup_us[i]);
	if (n < sizeof(fields))
		snprintf(fields + n, sizeof(fields) - n, "}");
	events_emit_fields("created", fields);
}

int vm_run(const struct vm_config *cfg)
{
	char *vcpus, *fields;
	struct vm *vm;
	sigset_t set;
	int ret;

	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		pr_err("out of memory");
		return VMM_EXIT_INTERNAL;
	}
	/*
	 * One malloc arena: a thread that allocates (a vCPU's virtio-blk
	 * request) would otherwise get an arena of its own, resident for good.
	 */
	mallopt(M_ARENA_MAX, 1);
	vm->cfg = cfg;
	vm->host.request_stop = vm_request_stop;
	vm->host.test_violation = getenv_test_violation(vm, "vcpu");
	if (cfg->seccomp == CONFIG_SECCOMP_OFF)
		pr_warn("--seccomp=off: vmm runs WITHOUT system call filters; "
			"a guest that breaks out of a device has the whole "
			"process. Debugging only.");
	vm_virtio_init(&vm->rng_dev, "rng");
	vm_virtio_init(&vm->hvc_dev, "hvc");
	vm_virtio_init(&vm->vsock_dev, "vsock");
	virtio_vsock_init(&vm->vsock, cfg->vsock_cid, NULL);
	vm->host.opaque = vm;
	vm->kvm.fd = vm->kvm.vm_fd = -1;
	vm->gic.dev_fd = -1;
	vm->stop_src.fd = vm->sig_src.fd = vm->loop.epfd = -1;
	vm->timeout_src.fd = vm->serial_log_fd = -1;
	vm->api_src.fd = vm->smaps_fd = -1;
	api_server_init(&vm->api);
	vm->grace_src.fd = vm->release_src.fd = -1;
	vm->drain_src.fd = -1;
	vm->con.ready_src.fd = -1;
	loader_files_init(&vm->boot);
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
	if (vcpu_signals_init() || vcpu_host_init(&vm->host)) {
		ret = VMM_EXIT_INTERNAL;
		goto out;
	}

	ret = vm_set_up(vm);
	if (!ret && !cfg->dump_dtb)
		vm_emit_created(vm);
	if (!ret && cfg->dump_dtb) {
		void *dtb =
			guest_mem_ptr(&vm->mem, vm->layout.dtb, DT_MAX_SIZE);

		ret = vm_dump_dtb(vm, dtb, dt_total_size(dtb));
		goto out;
	}
	if (!ret) {
		ret = vm_run_vcpus(vm);
		if (!ret)
			ret = vm->exit_code;
	}
out:
	if (vm->stop_requested)
		ret = vm->exit_code;
	vm_teardown(vm);
	vcpus = vm->exit_vcpus;
	free(vm);
	/* "vcpus": where each was, when the guest did not end on its own. */
	fields = vcpus ? malloc(strlen(vcpus) + 32) : NULL;
	if (fields) {
		sprintf(fields, "\"code\":%d,\"vcpus\":%s", ret, vcpus);
		events_emit_fields("exit", fields);
	} else {
		char code[12];

		snprintf(code, sizeof(code), "%d", ret);
		events_emit("exit", "code", code, 0);
	}
	free(fields);
	free(vcpus);
	events_close();
	return ret;
}
