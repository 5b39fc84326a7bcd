# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- perf: the UART's fast path keeps every console byte, in order ------------
# With --uart-fast (the default) the guest's transmit register is coalesced
# by KVM and the registers are a read-only page while polled; these bursts
# check that nothing is lost, duplicated or reordered on the way.
stat_of() { # stat_of KEY: from the "vmm: stats:" line of $D/$T.err
	sed -n "s/.*vmm: stats:.* $1=\([0-9]*\).*/\1/p" "$D/$T.err" | head -n 1
}
sum_of() { sha256sum | cut -d' ' -f1; }

# A user-space burst through the tty (ring drained on interrupts, timer).
N=2000
boot burst 'seq 1 2000 >/tmp/s; echo BURST-BEGIN; cat /tmp/s; echo BURST-END' --stats
want=$(seq 1 $N | sum_of)
got=$(out_lines | sed -n '/^BURST-BEGIN$/,/^BURST-END$/p' | sed '1d;$d' | sum_of)
name="a $N-line console burst arrives complete and in order (sha256)"
if expect_rc "$name" 0; then
	if [ "$got" = "$want" ]; then
		if [ "$(stat_of coalesced_writes)" -gt 0 ] 2>/dev/null; then
			pass "$name"
		else
			say "skip - $name (this host's KVM did not coalesce: fast path off)"
		fi
	else
		fail "$name" "sha256 $got, want $want ($(out_lines | grep -c '^[0-9]*$') number lines)"
	fi
fi

# A kernel-log burst on 2 vCPUs: printk's console write polls the line
# status (the register page maps and unmaps around every record).
K=300
kcmd='i=0; while [ $i -lt 300 ]; do echo \<2\>kburst-$i-abcdefghijklmnopqrstuvwxyz0123456789 >/dev/kmsg; i=$((i+1)); done'
vmm_run kburst --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --cpus 2 \
	--stats --cmdline "quiet printk.devkmsg=on run=\"$kcmd\""
want=$(i=0; while [ $i -lt $K ]; do
	echo "kburst-$i-abcdefghijklmnopqrstuvwxyz0123456789"; i=$((i + 1)); done | sum_of)
got=$(out_lines | sed -n 's/^.*\] \(kburst-.*\)$/\1/p' | sum_of)
name="a $K-record kernel log burst on 2 vCPUs arrives complete and in order"
if expect_rc "$name" 0; then
	if [ "$got" = "$want" ]; then
		pass "$name"
	else
		fail "$name" "sha256 $got, want $want ($(out_lines | grep -c kburst-) records)"
	fi
fi

# A fully logged boot: a few exits in all, not two per console byte.
T=fulllog
vmm_run fulllog --kernel "$KERNEL" --initrd "$INITRD" --mem 256M --stats \
	--cmdline 'run="true"'
exits=$(stat_of mmio_exits)
bytes=$(stat_of console_tx_bytes)
name="full-log boot: every line, under 3200 MMIO exits"
if expect_rc "$name" 0; then
	if ! out_has 'Booting Linux' || ! out_has 'Run /init' ||
		! out_has 'VMM_GUEST_RUN_EXIT=0'; then
		fail "$name" "boot log incomplete"
	elif [ "$(stat_of coalesced_writes)" = 0 ]; then
		say "skip - $name (this host's KVM did not coalesce: fast path off)"
	elif [ "${exits:-999999}" -le 3200 ]; then
		pass "$name ($exits exits for $bytes bytes)"
	else
		fail "$name" "$exits MMIO exits for $bytes console bytes"
	fi
fi

# Guest memory backends: memfd (prefaulted) boots; hugetlbfs without free
# huge pages is refused before anything starts, exit 5.
boot memfd 'echo memfd-ok' --mem-backend memfd --mem-prefault on
if expect_rc "memfd guest RAM, prefaulted, boots" 0; then
	if out_has memfd-ok; then
		pass "memfd guest RAM, prefaulted, boots"
	else
		fail "memfd guest RAM, prefaulted, boots" "no memfd-ok"
	fi
fi
if [ "$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)" = 0 ]; then
	bad hugetlb-none 5 'mem-backend hugetlbfs: cannot map 256 MiB of huge pages' \
		--kernel "$KERNEL" --initrd "$INITRD" --mem 256M \
		--mem-backend hugetlbfs
else
	say "skip - hugetlbfs refusal (this host has free huge pages)"
fi
