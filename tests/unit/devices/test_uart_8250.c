// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for vmm/devices/uart_8250.c, driven through its MMIO ops the way
 * Linux's 8250 driver drives it, with a fake irq_line and output sink.
 */
#include "devices/uart_8250.h"

#include "unit.h"

enum {
	RBR = 0,
	THR = 0,
	DLL = 0,
	IER = 1,
	DLM = 1,
	IIR = 2,
	FCR = 2,
	LCR = 3,
	MCR = 4,
	LSR = 5,
	MSR = 6,
	SCR = 7
};

#define IER_RDI	   0x01
#define IER_THRI   0x02
#define IIR_NO_INT 0x01
#define IIR_THRI   0x02
#define IIR_RDI	   0x04
#define IIR_FIFO   0xc0
#define LSR_DR	   0x01
#define LSR_THRE   0x20
#define LCR_DLAB   0x80
#define MCR_LOOP   0x10

/* What the UART told the world: irq levels, output bytes, rx_ready calls. */
static struct {
	int irq[64];
	unsigned int nirq;
	uint8_t out[256];
	size_t nout;
	int rx_ready;
} seen;

static void fake_set_level(struct irq_line *line, int level)
{
	(void)line;
	ck_assert_uint_lt(seen.nirq, 64);
	seen.irq[seen.nirq++] = level;
}

static void fake_out(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	ck_assert_uint_le(seen.nout + len, sizeof(seen.out));
	memcpy(seen.out + seen.nout, buf, len);
	seen.nout += len;
}

static void fake_rx_ready(void *opaque)
{
	(void)opaque;
	seen.rx_ready++;
}

static struct irq_line irq = { .set_level = fake_set_level, .spi = 1 };
static struct uart_8250 uart;

static void setup(void)
{
	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(
		uart_8250_init(&uart, &irq, fake_out, fake_rx_ready, NULL), 0);
}

static void teardown(void)
{
	uart_8250_destroy(&uart);
}

static uint8_t rd(uint64_t off)
{
	uint8_t v;

	uart_8250_ops.read(&uart, off, &v, 1);
	return v;
}

static void wr(uint64_t off, uint8_t v)
{
	uart_8250_ops.write(&uart, off, &v, 1);
}

/* IIR's interrupt identification, without the FIFO-enabled bits. */
static uint8_t iir(void)
{
	return rd(IIR) & ~IIR_FIFO;
}

static int irq_level(void)
{
	return seen.nirq ? seen.irq[seen.nirq - 1] : 0;
}

static void push(const char *s)
{
	size_t len = strlen(s);

	ck_assert_uint_eq(uart_8250_push_rx(&uart, (const uint8_t *)s, len),
			  len);
}

START_TEST(thr_write_is_output)
{
	wr(THR, 'h');
	wr(THR, 'i');
	ck_assert_uint_eq(seen.nout, 2);
	ck_assert_mem_eq(seen.out, "hi", 2);
	ck_assert_uint_eq(rd(LSR) & LSR_THRE, LSR_THRE);
	/* Without IER.THRI there is no interrupt. */
	ck_assert_uint_eq(iir(), IIR_NO_INT);
	ck_assert_uint_eq(seen.nirq, 0);
}
END_TEST

START_TEST(thre_interrupt)
{
	wr(IER, IER_THRI);
	ck_assert_int_eq(irq_level(), 1);
	ck_assert_uint_eq(iir(), IIR_THRI);
	/* Reading IIR acknowledged it. */
	ck_assert_int_eq(irq_level(), 0);
	ck_assert_uint_eq(iir(), IIR_NO_INT);
	/* Each byte sent empties THR again. */
	wr(THR, 'x');
	ck_assert_int_eq(irq_level(), 1);
	ck_assert_uint_eq(iir(), IIR_THRI);
	ck_assert_uint_eq(iir(), IIR_NO_INT);
	ck_assert_int_eq(irq_level(), 0);
}
END_TEST

START_TEST(linux_startup_thre_test)
{
	/* serial8250_do_startup(): a UART failing this gets UART_BUG_THRE. */
	wr(IER, IER_THRI);
	ck_assert_uint_eq(iir(), IIR_THRI);
	wr(IER, 0);
	wr(IER, IER_THRI);
	ck_assert_uint_eq(iir(), IIR_THRI);
	wr(IER, 0);
	ck_assert_int_eq(irq_level(), 0);
}
END_TEST

START_TEST(rx_closed_until_rdi)
{
	ck_assert_uint_eq(uart_8250_rx_space(&uart), 0);
	ck_assert_uint_eq(uart_8250_push_rx(&uart, (const uint8_t *)"a", 1), 0);
	ck_assert_uint_eq(rd(LSR) & LSR_DR, 0);
	wr(IER, IER_RDI);
	ck_assert_uint_eq(uart_8250_rx_space(&uart), UART_RX_FIFO_SIZE);
}
END_TEST

START_TEST(rx_bytes_in_order)
{
	wr(IER, IER_RDI);
	push("abc");
	ck_assert_uint_eq(rd(LSR) & LSR_DR, LSR_DR);
	ck_assert_uint_eq(iir(), IIR_RDI);
	ck_assert_int_eq(irq_level(), 1);
	ck_assert_uint_eq(rd(RBR), 'a');
	ck_assert_uint_eq(rd(RBR), 'b');
	ck_assert_int_eq(irq_level(), 1);
	ck_assert_uint_eq(rd(RBR), 'c');
	ck_assert_int_eq(irq_level(), 0);
	ck_assert_uint_eq(rd(LSR) & LSR_DR, 0);
	ck_assert_uint_eq(iir(), IIR_NO_INT);
}
END_TEST

START_TEST(rx_fifo_capacity)
{
	uint8_t in[UART_RX_FIFO_SIZE + 10];

	for (unsigned int i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	wr(IER, IER_RDI);
	ck_assert_uint_eq(uart_8250_push_rx(&uart, in, sizeof(in)),
			  UART_RX_FIFO_SIZE);
	ck_assert_uint_eq(uart_8250_rx_space(&uart), 0);
	ck_assert_uint_eq(uart_8250_push_rx(&uart, in, 1), 0);
	for (unsigned int i = 0; i < UART_RX_FIFO_SIZE; i++)
		ck_assert_uint_eq(rd(RBR), i);
	ck_assert_uint_eq(rd(LSR) & LSR_DR, 0);
	ck_assert_uint_eq(uart_8250_rx_space(&uart), UART_RX_FIFO_SIZE);
}
END_TEST

START_TEST(rx_ready_callback)
{
	ck_assert_int_eq(seen.rx_ready, 0);
	wr(IER, IER_RDI);
	ck_assert_int_ge(seen.rx_ready, 1);
	push("xy");
	seen.rx_ready = 0;
	rd(RBR);
	rd(RBR);
	ck_assert_int_ge(seen.rx_ready, 1); /* drained: room for more */
	/* Receive switched off: clearing the FIFO wakes no one. */
	wr(IER, 0);
	seen.rx_ready = 0;
	wr(FCR, 0x07);
	ck_assert_int_eq(seen.rx_ready, 0);
}
END_TEST

START_TEST(fcr_clears_rx)
{
	wr(IER, IER_RDI);
	wr(FCR, 0x01);
	ck_assert_uint_eq(rd(IIR) & IIR_FIFO, IIR_FIFO); /* a 16550A */
	push("junk");
	ck_assert_int_eq(irq_level(), 1);
	wr(FCR, 0x03); /* enable, clear RX */
	ck_assert_uint_eq(rd(LSR) & LSR_DR, 0);
	ck_assert_uint_eq(iir(), IIR_NO_INT);
	ck_assert_int_eq(irq_level(), 0);
	ck_assert_uint_eq(uart_8250_rx_space(&uart), UART_RX_FIFO_SIZE);
	push("z");
	ck_assert_uint_eq(rd(RBR), 'z');
}
END_TEST

START_TEST(dlab_divisor_latch)
{
	wr(IER, 0x05);
	wr(LCR, LCR_DLAB | 0x03);
	wr(DLL, 0x01);
	wr(DLM, 0x02);
	ck_assert_uint_eq(rd(DLL), 0x01);
	ck_assert_uint_eq(rd(DLM), 0x02);
	ck_assert_uint_eq(seen.nout, 0); /* DLL is not THR */
	wr(LCR, 0x03);
	ck_assert_uint_eq(rd(IER), 0x05); /* DLM is not IER */
	ck_assert_uint_eq(rd(LCR), 0x03);
	wr(THR, 'k');
	ck_assert_uint_eq(seen.nout, 1);
	wr(LCR, LCR_DLAB | 0x03);
	ck_assert_uint_eq(rd(DLL), 0x01);
	ck_assert_uint_eq(rd(DLM), 0x02);
}
END_TEST

START_TEST(scratch_register)
{
	wr(SCR, 0x5a);
	ck_assert_uint_eq(rd(SCR), 0x5a);
	wr(SCR, 0xa5);
	ck_assert_uint_eq(rd(SCR), 0xa5);
}
END_TEST

START_TEST(loopback)
{
	wr(MCR, MCR_LOOP | 0x0a); /* RTS, OUT2: Linux's autoconfig probe */
	ck_assert_uint_eq(rd(MSR) & 0xf0, 0x90); /* CTS, DCD */
	wr(MCR, MCR_LOOP | 0x05);		 /* DTR, OUT1 */
	ck_assert_uint_eq(rd(MSR) & 0xf0, 0x60); /* DSR, RI */
	wr(THR, 'L');
	wr(THR, 'B');
	ck_assert_uint_eq(seen.nout, 0);
	ck_assert_uint_eq(rd(LSR) & LSR_DR, LSR_DR);
	ck_assert_uint_eq(rd(RBR), 'L');
	ck_assert_uint_eq(rd(RBR), 'B');
	wr(MCR, 0x0b);
	wr(THR, 'o');
	ck_assert_uint_eq(seen.nout, 1);
	ck_assert_uint_eq(seen.out[0], 'o');
}
END_TEST

START_TEST(irq_signalled_on_changes_only)
{
	wr(IER, IER_RDI | IER_THRI);
	push("a");
	push("b");
	rd(LSR);
	rd(IIR); /* RX has priority: THRI stays pending */
	rd(RBR);
	rd(RBR);
	ck_assert_uint_eq(iir(), IIR_THRI);
	wr(THR, '!');
	wr(SCR, 0);
	/* Raised once for both causes, dropped at the ack, raised by THR. */
	ck_assert_uint_eq(seen.nirq, 3);
	ck_assert_int_eq(seen.irq[0], 1);
	ck_assert_int_eq(seen.irq[1], 0);
	ck_assert_int_eq(seen.irq[2], 1);
}
END_TEST

/* The register page: what a fake KVM maps, checked against trapped reads. */
static uint8_t page[4096];
static int page_mapped, page_calls;

static int fake_map(void *opaque, int on)
{
	(void)opaque;
	/* Only a change is ever asked for. */
	ck_assert_int_ne(page_mapped, on);
	page_mapped = on;
	page_calls++;
	return 0;
}

/* While mapped, the page must show what each register reads as. */
static void page_matches(void)
{
	uint8_t shown[8];

	if (!page_mapped)
		return;
	memcpy(shown, page, sizeof(shown));
	for (unsigned int i = 0; i < 8; i++)
		ck_assert_uint_eq(shown[i], rd(i));
}

START_TEST(register_page_only_while_reads_are_pure)
{
	page_mapped = page_calls = 0;
	memset(page, 0xee, sizeof(page));
	uart_8250_set_page(&uart, page, fake_map, NULL);
	ck_assert_int_eq(page_mapped, 1);
	ck_assert_uint_eq(page[LSR] & LSR_THRE, LSR_THRE);
	page_matches();
	wr(THR, 'x'); /* output changes no register a read shows */
	ck_assert_int_eq(page_calls, 1);
	wr(SCR, 0x5a); /* a new value: unmapped, rewritten, mapped */
	ck_assert_int_eq(page_mapped, 1);
	ck_assert_int_eq(page_calls, 3);
	ck_assert_uint_eq(page[SCR], 0x5a);
	page_matches();
	wr(IER, IER_RDI | IER_THRI); /* IIR and RBR have side effects now */
	ck_assert_int_eq(page_mapped, 0);
	push("ab");
	ck_assert_int_eq(page_mapped, 0);
	wr(IER, 0); /* input queued: RBR would pop */
	ck_assert_int_eq(page_mapped, 0);
	ck_assert_uint_eq(rd(RBR), 'a');
	ck_assert_uint_eq(rd(RBR), 'b');
	ck_assert_int_eq(page_mapped, 1);
	page_matches();
	wr(LCR, LCR_DLAB | 0x03); /* DLL/DLM over RBR/IER */
	ck_assert_int_eq(page_mapped, 0);
	wr(LCR, 0x03);
	ck_assert_int_eq(page_mapped, 1);
	ck_assert_uint_eq(page[LCR], 0x03);
	page_matches();
	wr(MCR, MCR_LOOP);
	ck_assert_int_eq(page_mapped, 0);
	wr(MCR, 0x08);
	ck_assert_int_eq(page_mapped, 1);
	page_matches();
	for (unsigned int i = 8; i < sizeof(page); i++)
		ck_assert_uint_eq(page[i], 0xee); /* only 8 bytes are ours */
	ck_assert_uint_eq(seen.nout, 1);
}
END_TEST

static Suite *uart_suite(void)
{
	Suite *s = suite_create("uart_8250");
	TCase *tc = tcase_create("uart_8250");

	tcase_add_checked_fixture(tc, setup, teardown);
	unit_add_tests(tc, thr_write_is_output, thre_interrupt,
		       linux_startup_thre_test, rx_closed_until_rdi,
		       rx_bytes_in_order, rx_fifo_capacity, rx_ready_callback,
		       fcr_clears_rx, dlab_divisor_latch, scratch_register,
		       loopback, irq_signalled_on_changes_only,
		       register_page_only_while_reads_are_pure);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(uart_suite());
}
