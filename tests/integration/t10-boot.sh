# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- boot and console --------------------------------------------------------
# Full console log (no quiet): the kernel talks a lot through the UART.
T=boot_full_log
vmm_run $T --kernel "$KERNEL" --initrd "$INITRD" --mem 256M \
	--cmdline 'run="echo hello from the guest"' --stats
if expect_rc "default guest boots to init, full log, poweroff exits 0" 0; then
	if out_has 'Booting Linux on physical CPU' && out_has VMM_GUEST_INIT_READY &&
		out_has 'hello from the guest' && out_has VMM_GUEST_RUN_EXIT=0; then
		pass "default guest boots to init, full log, poweroff exits 0"
	else
		fail "default guest boots to init, full log, poweroff exits 0" \
			"console lacks the kernel banner, init marker or output"
	fi
fi

if err_has 'vmm: stats: exit_code=0 ' && err_has 'mmio_exits=[1-9]'; then
	pass "--stats reports exit code and MMIO exits"
else
	fail "--stats reports exit code and MMIO exits" "no stats line"
fi

for n in 2 4; do
	boot cpus$n 'nproc; grep -c ^processor /proc/cpuinfo' --cpus $n
	if expect_rc "--cpus $n: guest counts $n CPUs" 0; then
		if [ "$(out_lines | grep -c "^$n\$")" = 2 ]; then
			pass "--cpus $n: guest counts $n CPUs"
		else
			fail "--cpus $n: guest counts $n CPUs" "nproc/cpuinfo disagree"
		fi
	fi
done

# Commands typed on stdin reach the guest shell and their output comes back.
printf 'echo answer-$((6*7))\nuname -m\npoweroff -f\n' >"$D/stdin.txt"
STDIN=$D/stdin.txt vmm_run stdin --kernel "$KERNEL" --initrd "$INITRD" \
	--mem 256M --cmdline quiet
if expect_rc "commands on stdin run in the guest shell" 0; then
	if out_has 'answer-42' && out_has aarch64; then
		pass "commands on stdin run in the guest shell"
	else
		fail "commands on stdin run in the guest shell" "no command output"
	fi
fi

# The same through a pipe that stays open: input is fed as the guest asks.
T=stdin_pipe
{ sleep 1; printf 'echo piped-$((2+3))\n'; sleep 1; printf 'poweroff -f\n'; } |
	timeout -s KILL "$LIMIT" "$VMM" --kernel "$KERNEL" --initrd "$INITRD" \
		--mem 256M --cmdline quiet >"$D/$T.out" 2>"$D/$T.err"
RC=$?
if expect_rc "commands from a pipe run in the guest shell" 0; then
	if out_has 'piped-5'; then
		pass "commands from a pipe run in the guest shell"
	else
		fail "commands from a pipe run in the guest shell" "no output"
	fi
fi

# The virtio console (hvc0): reaches init, runs commands from stdin, and
# moves output in whole buffers (a handful of exits, not two per byte).
printf 'echo via-hvc-$((3*3))\npoweroff -f\n' >"$D/hvc-stdin.txt"
STDIN=$D/hvc-stdin.txt vmm_run console_virtio --kernel "$KERNEL" \
	--initrd "$INITRD" --mem 256M --console virtio --stats
if expect_rc "--console virtio: init and stdin commands through hvc0" 0; then
	if out_has VMM_GUEST_INIT_READY && out_has 'via-hvc-9' &&
		err_has 'console=hvc0 tx_requests=[1-9]'; then
		pass "--console virtio: init and stdin commands through hvc0"
	else
		fail "--console virtio: init and stdin commands through hvc0" \
			"no marker, no command output or no hvc0 traffic"
	fi
fi
