# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- bad input: an error naming the problem, its exit code, nothing started ---

head -c 4096 /dev/zero | tr '\0' x >"$D/garbage.img"
bad wrong_magic 3 'bad magic' --kernel "$D/garbage.img"
head -c 1000000 "$KERNEL" >"$D/truncated.img"
bad truncated_kernel 3 'truncated' --kernel "$D/truncated.img"
bad missing_kernel 3 'No such file' --kernel "$D/does-not-exist"
bad missing_initrd 3 "initrd.*No such file" --kernel "$KERNEL" \
	--initrd "$D/does-not-exist"
bad ram_smaller_than_kernel 3 'larger than the 16 MiB of RAM' \
	--kernel "$KERNEL" --initrd "$INITRD" --mem 16M
# 28M holds the Image file but not its BSS plus initrd and device tree.
bad ram_too_small 3 'do not fit in 28 MiB of RAM' --kernel "$KERNEL" \
	--initrd "$INITRD" --mem 28M
bad bad_option 2 "unknown option '--bogus'" --bogus
bad bad_mem 2 "--mem 'lots'" --kernel "$KERNEL" --mem lots
bad bad_cpus 2 "--cpus '0'" --kernel "$KERNEL" --cpus 0
bad no_kernel 2 'kernel FILE is required'

vmm_run help --help
if expect_rc "--help: exit 0, options and exit codes on stdout" 0; then
	if out_has 'Usage: vmm --kernel FILE' && out_has ' --cpus N' &&
		out_has 'Exit status:' && out_has '10  guest rebooted'; then
		pass "--help: exit 0, options and exit codes on stdout"
	else
		fail "--help: exit 0, options and exit codes on stdout" "text"
	fi
fi
vmm_run version --version
expect_rc "--version: exit 0" 0 && out_has '^vmm [0-9]' &&
	pass "--version prints the version"
