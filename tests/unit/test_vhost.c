// SPDX-License-Identifier: GPL-2.0-only
/* Tests for vmm/vhost.c: the ioctl sequences, with a fake vhost node. */
#include "vhost.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <unistd.h>

#include "devices/fake_vring.h"
#include "fake_vhost.h"
#include "fake_irq.h"
#include "unit.h"

#define ALL_FEATURES                                                           \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |    \
	 (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VHOST_F_LOG_ALL) |   \
	 (1ULL << VIRTIO_F_ACCESS_PLATFORM) | 1ULL)

static struct fake_vring f;
static struct virtio_mmio t;
static struct vhost vh;
static char why[256];

static struct irq_line irq = FAKE_IRQ_LINE(0);

static uint64_t dev_features(void *dev)
{
	(void)dev;
	return 1; /* a device-specific bit 0 */
}

static void dev_read_config(void *dev, uint64_t off, uint8_t *data,
			    unsigned int len)
{
	(void)dev;
	(void)off;
	memset(data, 0, len);
}

static void dev_notify(void *dev, struct virtio_mmio *tr, unsigned int q)
{
	(void)dev;
	(void)tr;
	(void)q;
}

static void dev_reset(void *dev)
{
	(void)dev;
}

static const struct virtio_dev_ops dev_ops = {
	.features = dev_features,
	.read_config = dev_read_config,
	.notify = dev_notify,
	.reset = dev_reset,
};

static void setup(void)
{
	ck_assert_int_eq(fake_vring_init(&f, 16), 0);
	ck_assert_int_eq(
		virtio_mmio_init(&t, 19, &dev_ops, NULL, 3, 0, &irq, &f.mem),
		0);
	fake_vhost_reset(ALL_FEATURES);
	vhost_init(&vh, 2, fake_vhost_ioctl);
	fake_irq_pulses = 0;
	why[0] = '\0';
}

static void teardown(void)
{
	vhost_close(&vh);
	virtio_mmio_destroy(&t);
	fake_vring_free(&f);
}

/* Opened on /dev/null, memory table set, bound to t, both rings ready. */
static void open_and_bind(void)
{
	ck_assert_int_eq(vhost_open(&vh, "/dev/null", why, sizeof(why)), 0);
	ck_assert_int_eq(vhost_set_mem_table(&vh, &f.mem), 0);
	vhost_bind(&vh, &t);
	t.vqs[0] = f.vq;
	t.vqs[1] = f.vq;
	t.vqs[1].desc = FAKE_DESC + 0x400;
	t.driver_features = (1ULL << VIRTIO_F_VERSION_1) |
			    (1ULL << VIRTIO_RING_F_EVENT_IDX) | 1ULL;
	t.status = 0xf;
}

START_TEST(test_open_missing_names_node_and_module)
{
	ck_assert_int_eq(
		vhost_open(&vh, "/nonexistent/vhost-vsock", why, sizeof(why)),
		-ENOENT);
	ck_assert_str_contains(why, "/nonexistent/vhost-vsock");
	ck_assert_str_contains(why, "vhost_vsock");
	ck_assert_int_eq(vh.fd, -1);
}
END_TEST

START_TEST(test_open_owner_features_calls)
{
	const struct fake_vhost_call *c0, *c1;

	ck_assert_int_eq(vhost_open(&vh, "/dev/null", why, sizeof(why)), 0);
	ck_assert_int_ge(vh.fd, 0);
	ck_assert_int_eq(fake_vhost.calls[0].req, VHOST_SET_OWNER);
	ck_assert_int_eq(fake_vhost.calls[1].req, VHOST_GET_FEATURES);
	ck_assert_uint_eq(vh.features, ALL_FEATURES);
	ck_assert_uint_eq(fake_vhost_count(VHOST_SET_VRING_CALL), 2);
	c0 = fake_vhost_find(VHOST_SET_VRING_CALL, 0);
	c1 = fake_vhost_find(VHOST_SET_VRING_CALL, 1);
	ck_assert_uint_eq(c0->file.index, 0);
	ck_assert_int_eq(c0->file.fd, vh.vqs[0].call_src.fd);
	ck_assert_uint_eq(c1->file.index, 1);
	ck_assert_int_eq(c1->file.fd, vh.vqs[1].call_src.fd);
	ck_assert_int_eq(vh.vqs[2].call_src.fd, -1);
}
END_TEST

START_TEST(test_open_failure_names_ioctl_and_closes)
{
	fake_vhost.fail = VHOST_SET_OWNER;
	fake_vhost.fail_errno = EBUSY;
	ck_assert_int_eq(vhost_open(&vh, "/dev/null", why, sizeof(why)),
			 -EBUSY);
	ck_assert_str_contains(why, "VHOST_SET_OWNER");
	ck_assert_str_contains(why, "/dev/null");
	ck_assert_int_eq(vh.fd, -1);
	ck_assert_int_eq(vh.vqs[0].call_src.fd, -1);
}
END_TEST

START_TEST(test_mem_table_is_guest_ram)
{
	const struct fake_vhost_call *c;

	ck_assert_int_eq(vhost_open(&vh, "/dev/null", why, sizeof(why)), 0);
	ck_assert_int_eq(vhost_set_mem_table(&vh, &f.mem), 0);
	c = fake_vhost_find(VHOST_SET_MEM_TABLE, 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nregions, 1);
	ck_assert_uint_eq(c->region.guest_phys_addr, FAKE_RAM_BASE);
	ck_assert_uint_eq(c->region.memory_size, FAKE_RAM_SIZE);
	ck_assert_uint_eq(c->region.userspace_addr, (uintptr_t)f.ram);
}
END_TEST

START_TEST(test_kick_bound_to_queue)
{
	const struct fake_vhost_call *c;

	ck_assert_int_eq(vhost_open(&vh, "/dev/null", why, sizeof(why)), 0);
	ck_assert_int_eq(vhost_set_kick(&vh, 1, 42), 0);
	c = fake_vhost_find(VHOST_SET_VRING_KICK, 0);
	ck_assert_uint_eq(c->file.index, 1);
	ck_assert_int_eq(c->file.fd, 42);
	ck_assert_int_eq(vhost_set_kick(&vh, 2, 43), -EINVAL);
}
END_TEST

START_TEST(test_features_mask_drops_log_and_iommu)
{
	ck_assert_int_eq(vhost_open(&vh, "/dev/null", why, sizeof(why)), 0);
	ck_assert_uint_eq(vhost_features_mask(&vh),
			  ALL_FEATURES & ~((1ULL << VHOST_F_LOG_ALL) |
					   (1ULL << VIRTIO_F_ACCESS_PLATFORM)));
}
END_TEST

START_TEST(test_ring_addr_translates_and_bounds)
{
	struct vhost_vring_addr a;
	struct virtqueue vq = f.vq;

	ck_assert_int_eq(vhost_ring_addr(&f.mem, &vq, 1, &a), 0);
	ck_assert_uint_eq(a.index, 1);
	ck_assert_uint_eq(a.desc_user_addr, (uintptr_t)fake_ptr(&f, FAKE_DESC));
	ck_assert_uint_eq(a.avail_user_addr,
			  (uintptr_t)fake_ptr(&f, FAKE_AVAIL));
	ck_assert_uint_eq(a.used_user_addr, (uintptr_t)fake_ptr(&f, FAKE_USED));
	ck_assert_uint_eq(a.flags, 0);
	/* The used ring's last word (avail_event) past the end of RAM. */
	vq.used = FAKE_RAM_BASE + FAKE_RAM_SIZE - (4 + 8 * 16);
	ck_assert_int_eq(vhost_ring_addr(&f.mem, &vq, 0, &a), -EFAULT);
	vq = f.vq;
	vq.desc = 0x1000; /* below RAM */
	ck_assert_int_eq(vhost_ring_addr(&f.mem, &vq, 0, &a), -EFAULT);
	vq = f.vq;
	vq.avail = UINT64_MAX - 8; /* wraps */
	ck_assert_int_eq(vhost_ring_addr(&f.mem, &vq, 0, &a), -EFAULT);
}
END_TEST

START_TEST(test_start_then_stop)
{
	const struct fake_vhost_call *c;

	open_and_bind();
	ck_assert_int_eq(vhost_start(&vh), 0);
	c = fake_vhost_find(VHOST_SET_FEATURES, 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->u64, t.driver_features);
	ck_assert_uint_eq(fake_vhost_count(VHOST_SET_VRING_NUM), 2);
	ck_assert_uint_eq(fake_vhost_count(VHOST_SET_VRING_BASE), 2);
	ck_assert_uint_eq(fake_vhost_count(VHOST_SET_VRING_ADDR), 2);
	c = fake_vhost_find(VHOST_SET_VRING_NUM, 1);
	ck_assert_uint_eq(c->st.index, 1);
	ck_assert_uint_eq(c->st.num, 16);
	c = fake_vhost_find(VHOST_SET_VRING_BASE, 1);
	ck_assert_uint_eq(c->st.num, 0);
	c = fake_vhost_find(VHOST_SET_VRING_ADDR, 1);
	ck_assert_uint_eq(c->addr.index, 1);
	ck_assert_uint_eq(c->addr.desc_user_addr,
			  (uintptr_t)fake_ptr(&f, FAKE_DESC + 0x400));
	vhost_stop(&vh);
	ck_assert_uint_eq(fake_vhost_count(VHOST_GET_VRING_BASE), 2);
	vhost_stop(&vh); /* nothing left to stop */
	ck_assert_uint_eq(fake_vhost_count(VHOST_GET_VRING_BASE), 2);
}
END_TEST

START_TEST(test_start_needs_every_ring)
{
	open_and_bind();
	t.vqs[1].ready = 0;
	ck_assert_int_eq(vhost_start(&vh), -EINVAL);
	vhost_stop(&vh); /* queue 0 was started: stopped */
	ck_assert_uint_eq(fake_vhost_count(VHOST_GET_VRING_BASE), 1);
}
END_TEST

START_TEST(test_start_ioctl_failure)
{
	open_and_bind();
	fake_vhost.fail = VHOST_SET_VRING_ADDR;
	fake_vhost.fail_errno = EFAULT;
	ck_assert_int_eq(vhost_start(&vh), -EFAULT);
	vhost_stop(&vh);
	ck_assert_uint_eq(fake_vhost_count(VHOST_GET_VRING_BASE), 1);
}
END_TEST

START_TEST(test_call_sets_isr_then_pulses)
{
	uint64_t one = 1;
	uint8_t isr[4];

	open_and_bind();
	ck_assert_int_eq(write(vh.vqs[1].call_src.fd, &one, 8), 8);
	vh.vqs[1].call_src.fn(&vh.vqs[1].call_src, 1);
	ck_assert_uint_eq(fake_irq_pulses, 1);
	ck_assert_uint_eq(vh.calls, 1);
	ck_assert_uint_eq(t.interrupts, 1);
	virtio_mmio_ops.read(&t, VIRTIO_MMIO_INTERRUPT_STATUS, isr, 4);
	ck_assert_uint_eq(isr[0], VIRTIO_MMIO_INT_VRING);
	/* Nothing pending: nothing raised. */
	vh.vqs[1].call_src.fn(&vh.vqs[1].call_src, 1);
	ck_assert_uint_eq(fake_irq_pulses, 1);
}
END_TEST

START_TEST(test_call_after_reset_is_dropped)
{
	uint64_t one = 1;
	uint8_t isr[4];

	open_and_bind();
	t.status = 0;
	ck_assert_int_eq(write(vh.vqs[0].call_src.fd, &one, 8), 8);
	vh.vqs[0].call_src.fn(&vh.vqs[0].call_src, 1);
	ck_assert_uint_eq(fake_irq_pulses, 0);
	virtio_mmio_ops.read(&t, VIRTIO_MMIO_INTERRUPT_STATUS, isr, 4);
	ck_assert_uint_eq(isr[0], 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vhost");
	TCase *tc = tcase_create("vhost");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(tc, test_open_missing_names_node_and_module,
		       test_open_owner_features_calls,
		       test_open_failure_names_ioctl_and_closes,
		       test_mem_table_is_guest_ram, test_kick_bound_to_queue,
		       test_features_mask_drops_log_and_iommu,
		       test_ring_addr_translates_and_bounds,
		       test_start_then_stop, test_start_needs_every_ring,
		       test_start_ioctl_failure, test_call_sets_isr_then_pulses,
		       test_call_after_reset_is_dropped);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
