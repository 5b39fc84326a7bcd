// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmm: command line → struct vm_config → vm_run() → exit code. The only
 * place that exits the process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "exit_codes.h"
#include "log.h"
#include "vm.h"

int main(int argc, char *argv[])
{
	struct vm_config cfg;
	char why[512];
	int ret;

	/*
	 * Descriptors inherited from whoever started us are not ours to keep
	 * open for a guest's lifetime (and must not leak into a jail).
	 */
	close_range(3, ~0U, 0);
	if (argc >= 2 && strcmp(argv[1], "ctl") == 0)
		return ctl_main(argc - 1, argv + 1);
	config_init(&cfg);
	if (config_parse_args(&cfg, argc, argv, why, sizeof(why))) {
		fprintf(stderr, "vmm: error: %s\nTry 'vmm --help'.\n", why);
		config_free(&cfg);
		return VMM_EXIT_USAGE;
	}
	if (cfg.help) {
		fputs(config_usage(), stdout);
		return 0;
	}
	if (cfg.version) {
		printf("vmm %s\n", VMM_VERSION);
		return 0;
	}
	log_set_level(cfg.log_level);
	ret = vm_run(&cfg);
	config_free(&cfg);
	return ret;
}
