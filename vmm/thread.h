/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Starting vmm's threads (vCPUs, the control API) with a stack sized for
 * what they do, rather than glibc's default of RLIMIT_STACK (8 MiB).
 */
#ifndef VMM_THREAD_H
#define VMM_THREAD_H

#include <pthread.h>

/*
 * Each thread's stack. Below 2 MiB on purpose: a stack mapping that holds
 * a whole aligned 2 MiB block gets a transparent huge page at its first
 * touch, which the host zeroes in full and which then counts 2 MiB to
 * vmm's RSS. vmm's deepest frames are a few KiB; the libraries' (libevent,
 * yajl, glibc's printf) tens of KiB.
 */
#define THREAD_STACK_SIZE (512u * 1024u)

/*
 * thread_start() - pthread_create() with a THREAD_STACK_SIZE stack.
 * 0 or a positive error number, as pthread_create() returns.
 */
int thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
