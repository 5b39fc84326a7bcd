# Sourced by suite.sh (POSIX sh); helpers and $KERNEL etc. come from it.
# --- devices -------------------------------------------------------------------
T=date
host_before=$(date +%s)
boot date 'date +%s'
host_after=$(date +%s)
guest=$(out_lines | grep -E '^[0-9]{9,}$' | head -n 1)
if expect_rc "guest date agrees with the host (PL031)" 0; then
	if [ -n "$guest" ] && [ "$guest" -ge $((host_before - 5)) ] &&
		[ "$guest" -le $((host_after + 5)) ]; then
		pass "guest date agrees with the host (PL031)"
	else
		fail "guest date agrees with the host (PL031)" \
			"guest $guest, host $host_before..$host_after"
	fi
fi

# A guest access where no device is: reads 0, logged, the VM carries on.
boot unmapped 'devmem 0x09050000 32; devmem 0x09050000 32 0x1234; echo still-alive'
if expect_rc "unmapped MMIO reads 0, is logged, VM survives" 0; then
	if out_has 0x00000000 && out_has still-alive && err_has 'hits no device'; then
		pass "unmapped MMIO reads 0, is logged, VM survives"
	else
		fail "unmapped MMIO reads 0, is logged, VM survives" \
			"missing 0x00000000, still-alive or the log line"
	fi
fi

# A load pair to device memory: KVM cannot decode it (ISV=0). vmm reports
# the address and vCPU and injects an abort; the probe dies, the guest lives.
boot nisv 'mmio-probe ldp 0x09050000; echo still-alive'
if expect_rc "ISV=0 access is reported with address and vCPU, VM survives" 0; then
	if out_has still-alive && err_has 'vcpu 0: guest access to 0x9050000 that KVM cannot decode (ISV=0'; then
		pass "ISV=0 access is reported with address and vCPU, VM survives"
	else
		fail "ISV=0 access is reported with address and vCPU, VM survives" \
			"missing still-alive or the ISV=0 report"
	fi
fi

# GICv2 where the host's GIC cannot emulate one: a clear error, exit 4.
boot gicv2 'true' --gic v2
if [ "$RC" = 0 ] && out_has VMM_GUEST_INIT_READY; then
	pass "--gic v2 boots (this host can emulate a GICv2)"
elif expect_rc "--gic v2 on a GICv3-only host: exit 4, named error" 4; then
	if err_has 'cannot create an in-kernel GICv2'; then
		pass "--gic v2 on a GICv3-only host: exit 4, named error"
	else
		fail "--gic v2 on a GICv3-only host: exit 4, named error" "no message"
	fi
fi

boot gzip 'echo gz-ok' --kernel build/guest/Image.gz
if expect_rc "Image.gz boots" 0 && out_has gz-ok; then
	pass "Image.gz boots"
elif [ "$RC" = 0 ]; then
	fail "Image.gz boots" "no output"
fi

# virtio-rng, on by default: the guest's hwrng is virtio and reads work.
boot rng 'cat /sys/class/misc/hw_random/rng_current; head -c 4096 /dev/hwrng | wc -c'
if expect_rc "virtio-rng: guest hwrng is virtio, reads succeed" 0; then
	if out_lines | grep -q '^virtio_rng' && out_lines | grep -qx 4096; then
		pass "virtio-rng: guest hwrng is virtio, reads succeed"
	else
		fail "virtio-rng: guest hwrng is virtio, reads succeed" \
			"rng_current or the read"
	fi
fi
boot rng_off 'cat /sys/class/misc/hw_random/rng_current 2>&1; true' --rng off
if expect_rc "--rng off: no virtio hwrng" 0; then
	if ! out_lines | grep -q '^virtio_rng'; then
		pass "--rng off: no virtio hwrng"
	else
		fail "--rng off: no virtio hwrng" "virtio_rng still there"
	fi
fi
