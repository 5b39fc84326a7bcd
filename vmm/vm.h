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

/*
 * vm_run() - boot the VM @cfg describes and wait for it to end. Returns an
 * enum vmm_exit_code. Every vCPU thread is joined and the terminal
 * restored before it returns; it never exits the process.
 */
int vm_run(const struct vm_config *cfg);

#endif
