# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- device tree dump (checked with dtc by run.sh on the build host) -----------
vmm_run dump_dtb --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --cpus 2 \
	--dump-dtb "$D/dump.dtb"
if expect_rc "--dump-dtb writes the tree and exits 0" 0; then
	if [ -s "$D/dump.dtb" ] && ! [ -s "$D/dump_dtb.out" ]; then
		pass "--dump-dtb writes the tree and exits 0"
	else
		fail "--dump-dtb writes the tree and exits 0" "no file, or guest ran"
	fi
fi
