/* SPDX-License-Identifier: GPL-2.0-only */
/* `vmm ctl`: the control API's command-line client (see ctl.c). */
#ifndef VMM_CTL_H
#define VMM_CTL_H

/* ctl_main() - argv[0] is "ctl". Returns the process exit status. */
int ctl_main(int argc, char *const argv[]);

#endif
