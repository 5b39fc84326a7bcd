/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A VM's lifecycle: validate the boot inputs, create the VM and its
 * devices in the order KVM needs, run the vCPU threads and the event loop,
 * and tear everything down on every path, returning the exit code that
 * tells a script what happened (exit_codes.h).
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include "config.h"

struct vm;

/*
 * vm_run() - boot the VM @cfg describes and wait for it to end. Returns an
 * enum vmm_exit_code. Every vCPU thread is joined and the terminal
 * restored before it returns; it never exits the process.
 */
int vm_run(const struct vm_config *cfg);

/*
 * vm_request_shutdown() - ask the guest to power off: press its power
 * button (PL061 pin 3, gpio-keys KEY_POWER), emit "shutdown_requested"
 * (how "power_button", grace_s) and log it, and arm a grace timer. If the
 * guest powers off in time, the VM ends as any poweroff does (exit 0,
 * "guest_poweroff"); if not, it is stopped hard when the timer fires:
 * a warning in the log, "shutdown_forced", exit @forced_code
 * (VMM_EXIT_SIGTERM for SIGTERM, VMM_EXIT_HARD_STOP for the API).
 *
 * @grace_s: seconds to wait; negative: the --shutdown-grace value. 0 stops
 * at once with @forced_code ("shutdown_requested" with how "stop").
 * @why: who asked, a short word of vmm's own ("SIGTERM", "api"; no quotes
 * or backslashes: it goes into the events as is), copied.
 *
 * Call it on the main thread only, from an event-loop callback (it arms
 * timerfds on the loop and keeps its state unlocked). Returns 0, -EALREADY
 * when a shutdown is already waiting (nothing changes: its grace timer
 * keeps running), -ESHUTDOWN when the VM is already stopping, or -errno
 * when a timer could not be armed (the VM is then stopped hard at once).
 */
int vm_request_shutdown(struct vm *vm, int grace_s, int forced_code,
			const char *why);

#endif
