// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/devices/virtqueue.c. The guest writes the rings, so most
 * cases here are a guest breaking a rule, one class each: the request
 * must fail alone (returned used with length 0) or, when the ring itself
 * is damaged, the queue must stop -- and nothing may point outside RAM.
 */
#include "devices/virtqueue.h"

#include <errno.h>

#include "fake_vring.h"
#include "unit.h"

#define R  0		      /* device-readable */
#define W  VRING_DESC_F_WRITE /* device-writable */
#define N  VRING_DESC_F_NEXT
#define IN VRING_DESC_F_INDIRECT

static struct fake_vring f;
static struct vq_req req;

static void setup(void)
{
	ck_assert_int_eq(fake_vring_init(&f, 16), 0);
}

static void teardown(void)
{
	fake_vring_free(&f);
}

/* The request at @head must have been failed: used, length 0, counted. */
static void assert_failed_alone(uint16_t head)
{
	uint32_t id, len;

	ck_assert_int_eq(vq_pop(&f.vq, &req), 0);
	ck_assert_uint_eq(fake_used_idx(&f), 1);
	fake_used_elem(&f, 0, &id, &len);
	ck_assert_uint_eq(id, head);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(f.vq.bad_chains, 1);
	ck_assert_int_eq(f.vq.broken, 0);
}

START_TEST(enable_checks_size_alignment_and_bounds)
{
	struct virtqueue *vq = &f.vq;

	vq->ready = 0;
	vq->num = 0;
	ck_assert_int_eq(vq_enable(vq), -EINVAL);
	vq->num = 24; /* not a power of two */
	ck_assert_int_eq(vq_enable(vq), -EINVAL);
	vq->num = 512; /* above VQ_NUM_MAX */
	ck_assert_int_eq(vq_enable(vq), -EINVAL);
	vq->num = 16;
	vq->desc = FAKE_DESC + 8; /* descriptors need 16-byte alignment */
	ck_assert_int_eq(vq_enable(vq), -EINVAL);
	vq->desc = FAKE_DESC;
	vq->used = FAKE_USED + 2; /* used ring needs 4 */
	ck_assert_int_eq(vq_enable(vq), -EINVAL);
	vq->used = FAKE_RAM_BASE + FAKE_RAM_SIZE - 8; /* runs off RAM */
	ck_assert_int_eq(vq_enable(vq), -EINVAL);
	vq->used = LAYOUT_UART_BASE; /* in the MMIO hole */
	ck_assert_int_eq(vq_enable(vq), -EINVAL);
	ck_assert_int_eq(vq->ready, 0);
	vq->used = FAKE_USED;
	ck_assert_int_eq(vq_enable(vq), 0);
	ck_assert_int_eq(vq->ready, 1);
}
END_TEST

START_TEST(empty_ring_pops_nothing)
{
	ck_assert_int_eq(vq_pop(&f.vq, &req), 0);
	ck_assert_int_eq(vq_has_work(&f.vq), 0);
}
END_TEST

START_TEST(chain_gives_readable_then_writable_segments)
{
	fake_desc(&f, 3, FAKE_DATA, 16, R | N, 7);
	fake_desc(&f, 7, FAKE_DATA + 0x100, 512, W | N, 1);
	fake_desc(&f, 1, FAKE_DATA + 0x400, 1, W, 0);
	fake_avail_add(&f, 3);
	ck_assert_int_eq(vq_has_work(&f.vq), 1);
	ck_assert_int_eq(vq_pop(&f.vq, &req), 1);
	ck_assert_uint_eq(req.head, 3);
	ck_assert_uint_eq(req.n_out, 1);
	ck_assert_uint_eq(req.n_in, 2);
	ck_assert_uint_eq(req.out_len, 16);
	ck_assert_uint_eq(req.in_len, 513);
	ck_assert_ptr_eq(req.iov[0].iov_base, fake_ptr(&f, FAKE_DATA));
	ck_assert_ptr_eq(req.iov[2].iov_base, fake_ptr(&f, FAKE_DATA + 0x400));
	ck_assert_int_eq(vq_pop(&f.vq, &req), 0);
}
END_TEST

START_TEST(push_publishes_used_entry)
{
	uint32_t id, len;

	vq_push(&f.vq, 5, 4097);
	ck_assert_uint_eq(fake_used_idx(&f), 1);
	fake_used_elem(&f, 0, &id, &len);
	ck_assert_uint_eq(id, 5);
	ck_assert_uint_eq(len, 4097);
}
END_TEST

START_TEST(loop_in_chain_fails_request)
{
	fake_desc(&f, 0, FAKE_DATA, 16, R | N, 1);
	fake_desc(&f, 1, FAKE_DATA, 16, R | N, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(next_past_ring_fails_request)
{
	fake_desc(&f, 2, FAKE_DATA, 16, R | N, 16);
	fake_avail_add(&f, 2);
	assert_failed_alone(2);
}
END_TEST

START_TEST(buffer_past_end_of_ram_fails_request)
{
	fake_desc(&f, 0, FAKE_RAM_BASE + FAKE_RAM_SIZE - 8, 16, W, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(buffer_in_mmio_hole_fails_request)
{
	fake_desc(&f, 0, LAYOUT_UART_BASE, 64, W, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(buffer_address_wrap_fails_request)
{
	fake_desc(&f, 0, UINT64_MAX - 7, 64, W, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(absurd_length_fails_request)
{
	fake_desc(&f, 0, FAKE_DATA, 0xffffffff, W, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(zero_length_fails_request)
{
	fake_desc(&f, 0, FAKE_DATA, 16, R | N, 1);
	fake_desc(&f, 1, FAKE_DATA, 0, W, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(readable_after_writable_fails_request)
{
	fake_desc(&f, 0, FAKE_DATA, 16, W | N, 1);
	fake_desc(&f, 1, FAKE_DATA + 16, 16, R, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(too_many_segments_fails_request)
{
	struct fake_vring big;

	ck_assert_int_eq(fake_vring_init(&big, 256), 0);
	for (uint16_t i = 0; i < VQ_MAX_SEGS + 1; i++)
		fake_desc(&big, i, FAKE_DATA, 8, R | N, i + 1);
	fake_desc(&big, VQ_MAX_SEGS + 1, FAKE_DATA, 8, W, 0);
	fake_avail_add(&big, 0);
	ck_assert_int_eq(vq_pop(&big.vq, &req), 0);
	ck_assert_uint_eq(big.vq.bad_chains, 1);
	ck_assert_uint_eq(fake_used_idx(&big), 1);
	fake_vring_free(&big);
}
END_TEST

START_TEST(bad_request_does_not_block_the_next)
{
	fake_desc(&f, 0, LAYOUT_UART_BASE, 16, W, 0);
	fake_desc(&f, 1, FAKE_DATA, 16, W, 0);
	fake_avail_add(&f, 0);
	fake_avail_add(&f, 1);
	ck_assert_int_eq(vq_pop(&f.vq, &req), 1);
	ck_assert_uint_eq(req.head, 1);
	ck_assert_uint_eq(f.vq.bad_chains, 1);
}
END_TEST

START_TEST(indirect_table_is_walked)
{
	f.vq.indirect = 1;
	fake_desc_at(&f, FAKE_INDIRECT, 0, FAKE_DATA, 16, R | N, 2);
	fake_desc_at(&f, FAKE_INDIRECT, 2, FAKE_DATA + 16, 8, W | N, 1);
	fake_desc_at(&f, FAKE_INDIRECT, 1, FAKE_DATA + 32, 1, W, 0);
	fake_desc(&f, 4, FAKE_INDIRECT, 3 * 16, IN, 0);
	fake_avail_add(&f, 4);
	ck_assert_int_eq(vq_pop(&f.vq, &req), 1);
	ck_assert_uint_eq(req.head, 4);
	ck_assert_uint_eq(req.n_out, 1);
	ck_assert_uint_eq(req.n_in, 2);
	ck_assert_uint_eq(req.in_len, 9);
}
END_TEST

START_TEST(indirect_without_feature_fails_request)
{
	fake_desc_at(&f, FAKE_INDIRECT, 0, FAKE_DATA, 16, W, 0);
	fake_desc(&f, 0, FAKE_INDIRECT, 16, IN, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(indirect_bad_table_length_fails_request)
{
	f.vq.indirect = 1;
	fake_desc(&f, 0, FAKE_INDIRECT, 24, IN, 0); /* not whole entries */
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(indirect_table_too_big_fails_request)
{
	f.vq.indirect = 1;
	fake_desc(&f, 0, FAKE_INDIRECT, 16 * (VQ_MAX_SEGS + 1), IN, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(indirect_table_outside_ram_fails_request)
{
	f.vq.indirect = 1;
	fake_desc(&f, 0, FAKE_RAM_BASE + FAKE_RAM_SIZE - 16, 32, IN, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(nested_indirect_fails_request)
{
	f.vq.indirect = 1;
	fake_desc_at(&f, FAKE_INDIRECT, 0, FAKE_INDIRECT, 16, IN, 0);
	fake_desc(&f, 0, FAKE_INDIRECT, 16, IN, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(indirect_with_next_fails_request)
{
	f.vq.indirect = 1;
	fake_desc_at(&f, FAKE_INDIRECT, 0, FAKE_DATA, 16, W, 0);
	fake_desc(&f, 0, FAKE_INDIRECT, 16, IN | N, 1);
	fake_desc(&f, 1, FAKE_DATA, 16, W, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(loop_in_indirect_table_fails_request)
{
	f.vq.indirect = 1;
	fake_desc_at(&f, FAKE_INDIRECT, 0, FAKE_DATA, 16, R | N, 1);
	fake_desc_at(&f, FAKE_INDIRECT, 1, FAKE_DATA, 16, R | N, 0);
	fake_desc(&f, 0, FAKE_INDIRECT, 32, IN, 0);
	fake_avail_add(&f, 0);
	assert_failed_alone(0);
}
END_TEST

START_TEST(avail_index_jump_breaks_queue)
{
	fake_set16(&f, FAKE_AVAIL + 2, 17); /* 17 new entries in a ring of 16 */
	ck_assert_int_eq(vq_pop(&f.vq, &req), 0);
	ck_assert_int_eq(f.vq.broken, 1);
	/* A broken queue neither serves nor writes anything any more. */
	vq_push(&f.vq, 0, 1);
	ck_assert_uint_eq(fake_used_idx(&f), 0);
	ck_assert_int_eq(vq_has_work(&f.vq), 0);
}
END_TEST

START_TEST(head_outside_ring_breaks_queue)
{
	fake_avail_add(&f, 16);
	ck_assert_int_eq(vq_pop(&f.vq, &req), 0);
	ck_assert_int_eq(f.vq.broken, 1);
}
END_TEST

START_TEST(indices_wrap_at_16_bits)
{
	uint32_t id, len;

	f.vq.last_avail = f.vq.used_idx = 65535;
	f.avail_idx = 65535;
	fake_set16(&f, FAKE_USED + 2, 65535);
	fake_desc(&f, 0, FAKE_DATA, 1, W, 0);
	fake_desc(&f, 1, FAKE_DATA, 1, W, 0);
	fake_avail_add(&f, 0);
	fake_avail_add(&f, 1);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(vq_pop(&f.vq, &req), 1);
		ck_assert_uint_eq(req.head, i);
		vq_push(&f.vq, req.head, 1);
	}
	ck_assert_uint_eq(fake_used_idx(&f), 1);
	fake_used_elem(&f, 65535, &id, &len);
	ck_assert_uint_eq(id, 0);
	fake_used_elem(&f, 0, &id, &len);
	ck_assert_uint_eq(id, 1);
}
END_TEST

START_TEST(no_interrupt_flag_is_respected)
{
	vq_push(&f.vq, 0, 1);
	ck_assert_int_eq(vq_should_notify(&f.vq), 1);
	fake_set16(&f, FAKE_AVAIL, VRING_AVAIL_F_NO_INTERRUPT);
	vq_push(&f.vq, 0, 1);
	ck_assert_int_eq(vq_should_notify(&f.vq), 0);
}
END_TEST

START_TEST(event_idx_interrupts_only_when_asked)
{
	f.vq.event_idx = 1;
	vq_push(&f.vq, 0, 1);
	ck_assert_int_eq(vq_should_notify(&f.vq), 1); /* first: always */
	/* The driver wants an interrupt once used entry 3 is published. */
	fake_set16(&f, FAKE_AVAIL + 4 + 2 * 16, 3);
	vq_push(&f.vq, 0, 1); /* used idx 2 */
	ck_assert_int_eq(vq_should_notify(&f.vq), 0);
	vq_push(&f.vq, 0, 1);
	vq_push(&f.vq, 0, 1); /* used idx 4: passed 3 */
	ck_assert_int_eq(vq_should_notify(&f.vq), 1);
}
END_TEST

START_TEST(event_idx_publishes_avail_event)
{
	f.vq.event_idx = 1;
	fake_desc(&f, 0, FAKE_DATA, 1, W, 0);
	fake_avail_add(&f, 0);
	fake_avail_add(&f, 0);
	ck_assert_int_eq(vq_pop(&f.vq, &req), 1);
	ck_assert_int_eq(vq_pop(&f.vq, &req), 1);
	ck_assert_int_eq(vq_pop(&f.vq, &req), 0);
	/* Kick me when you add entry 2. */
	ck_assert_uint_eq(fake_get16(&f, FAKE_USED + 4 + 8 * 16), 2);
}
END_TEST

static Suite *virtqueue_suite(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *tc = tcase_create("virtqueue");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(
		tc, enable_checks_size_alignment_and_bounds,
		empty_ring_pops_nothing,
		chain_gives_readable_then_writable_segments,
		push_publishes_used_entry, loop_in_chain_fails_request,
		next_past_ring_fails_request,
		buffer_past_end_of_ram_fails_request,
		buffer_in_mmio_hole_fails_request,
		buffer_address_wrap_fails_request, absurd_length_fails_request,
		zero_length_fails_request,
		readable_after_writable_fails_request,
		too_many_segments_fails_request,
		bad_request_does_not_block_the_next, indirect_table_is_walked,
		indirect_without_feature_fails_request,
		indirect_bad_table_length_fails_request,
		indirect_table_too_big_fails_request,
		indirect_table_outside_ram_fails_request,
		nested_indirect_fails_request, indirect_with_next_fails_request,
		loop_in_indirect_table_fails_request,
		avail_index_jump_breaks_queue, head_outside_ring_breaks_queue,
		indices_wrap_at_16_bits, no_interrupt_flag_is_respected,
		event_idx_interrupts_only_when_asked,
		event_idx_publishes_avail_event);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(virtqueue_suite());
}
