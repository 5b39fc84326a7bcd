// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the virtqueue walker: the input is a guest. Its
 * first bytes choose the ring size, the negotiated features and where the
 * three ring parts sit in a small fake RAM; the rest is the RAM itself
 * (descriptors, rings, indirect tables, all garbage or not). The harness
 * then plays the device: pop, touch every byte of every segment (so ASan
 * sees any pointer that leaves RAM), push, decide on interrupts, until the
 * queue is empty or broken. Any crash, hang or sanitizer report is a bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtqueue.h"
#include "log.h"

#define RAM_SIZE 0x10000
#define MAX_POPS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vq_req req;
	struct guest_mem mem;
	struct virtqueue vq;
	uint8_t *ram;
	volatile uint8_t sink = 0;

	if (size < 8)
		return 0;
	log_set_level(LOG_ERROR); /* the walker's warnings are expected */
	/* Exactly RAM_SIZE from malloc: one byte past it is an ASan report. */
	ram = malloc(RAM_SIZE);
	if (!ram)
		return 0;
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data + 8, size - 8 < RAM_SIZE ? size - 8 : RAM_SIZE);
	guest_mem_init_from(&mem, LAYOUT_RAM_BASE, ram, RAM_SIZE);

	vq_reset(&vq, &mem);
	vq.num = (uint16_t)(1u << (data[0] % 10)); /* 1..512: 512 is refused */
	vq.event_idx = data[1] & 1;
	vq.indirect = (data[1] >> 1) & 1;
	/* Ring parts anywhere in RAM, or (top bit) around its end. */
	vq.desc = LAYOUT_RAM_BASE + get16(data + 2);
	vq.avail = LAYOUT_RAM_BASE + get16(data + 4);
	vq.used = LAYOUT_RAM_BASE + get16(data + 6);
	if (data[1] & 4)
		vq.used += RAM_SIZE - 0x100;
	if (vq_enable(&vq)) {
		free(ram);
		return 0;
	}
	for (int pops = 0; pops < MAX_POPS; pops++) {
		if (vq_pop(&vq, &req) != 1)
			break;
		for (unsigned int i = 0; i < req.n_out + req.n_in; i++) {
			uint8_t *b = req.iov[i].iov_base;
			size_t n = req.iov[i].iov_len;

			sink ^= b[0] ^ b[n - 1];
			if (i >= req.n_out)
				memset(b, 0xa5, n); /* the device writes */
		}
		vq_push(&vq, req.head, (uint32_t)req.in_len);
		if (pops % 8 == 0)
			(void)vq_should_notify(&vq);
	}
	(void)vq_should_notify(&vq);
	(void)sink;
	free(ram);
	return 0;
}
