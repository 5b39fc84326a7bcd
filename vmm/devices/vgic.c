// SPDX-License-Identifier: GPL-2.0-only
#include "devices/vgic.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kvm.h"
#include "log.h"
#include "memory/layout.h"

static int vgic_set_attr(int dev_fd, uint32_t group, uint64_t attr,
			 const void *addr)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uint64_t)(uintptr_t)addr,
	};

	return kvm_ioctl(dev_fd, KVM_SET_DEVICE_ATTR, &a);
}

static int vgic_try_create(int vm_fd, uint32_t type)
{
	struct kvm_create_device cd = { .type = type };
	int ret = kvm_ioctl_try(vm_fd, KVM_CREATE_DEVICE, &cd);

	return ret < 0 ? ret : (int)cd.fd;
}

static int vgic_set_addresses(struct vgic *gic)
{
	uint64_t dist = LAYOUT_GIC_DIST_BASE;
	uint64_t other;

	if (gic->version == 3) {
		other = LAYOUT_GICV3_REDIST_BASE;
		if (vgic_set_attr(gic->dev_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				  KVM_VGIC_V3_ADDR_TYPE_DIST, &dist) ||
		    vgic_set_attr(gic->dev_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				  KVM_VGIC_V3_ADDR_TYPE_REDIST, &other))
			return -EINVAL;
		return 0;
	}
	other = LAYOUT_GICV2_CPU_BASE;
	if (vgic_set_attr(gic->dev_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			  KVM_VGIC_V2_ADDR_TYPE_DIST, &dist) ||
	    vgic_set_attr(gic->dev_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			  KVM_VGIC_V2_ADDR_TYPE_CPU, &other))
		return -EINVAL;
	return 0;
}

int vgic_create(struct vgic *gic, int vm_fd, enum config_gic want,
		unsigned int ncpus)
{
	int fd = -ENODEV;

	memset(gic, 0, sizeof(*gic));
	gic->vm_fd = vm_fd;
	gic->ncpus = ncpus;
	gic->dev_fd = -1;
	if (want != CONFIG_GIC_V2) {
		fd = vgic_try_create(vm_fd, KVM_DEV_TYPE_ARM_VGIC_V3);
		gic->version = 3;
		if (fd < 0 && want == CONFIG_GIC_AUTO)
			pr_info("GICv3 cannot be created (%s); trying GICv2",
				strerror(-fd));
	}
	if (fd < 0 && want != CONFIG_GIC_V3) {
		fd = vgic_try_create(vm_fd, KVM_DEV_TYPE_ARM_VGIC_V2);
		gic->version = 2;
	}
	if (fd < 0) {
		pr_err("cannot create an in-kernel %s on this host: %s",
		       want == CONFIG_GIC_V3   ? "GICv3"
		       : want == CONFIG_GIC_V2 ? "GICv2"
					       : "GICv3 or GICv2",
		       strerror(-fd));
		return -ENODEV;
	}
	gic->dev_fd = fd;
	if ((gic->version == 2 && ncpus > LAYOUT_GICV2_MAX_CPUS) ||
	    (gic->version == 3 && ncpus > LAYOUT_GICV3_MAX_CPUS)) {
		pr_err("GICv%d serves at most %llu vCPUs, %u asked",
		       gic->version,
		       gic->version == 2
			       ? (unsigned long long)LAYOUT_GICV2_MAX_CPUS
			       : (unsigned long long)LAYOUT_GICV3_MAX_CPUS,
		       ncpus);
		vgic_destroy(gic);
		return -E2BIG;
	}
	if (vgic_set_addresses(gic)) {
		vgic_destroy(gic);
		return -EINVAL;
	}
	pr_info("in-kernel GICv%d", gic->version);
	return 0;
}

int vgic_finalize(struct vgic *gic)
{
	uint32_t nr_irqs = LAYOUT_GIC_NR_IRQS;

	if (vgic_set_attr(gic->dev_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0,
			  &nr_irqs))
		return -EINVAL;
	/* Only now, with every vCPU created, can KVM size the redistributors.
	 */
	if (vgic_set_attr(gic->dev_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			  KVM_DEV_ARM_VGIC_CTRL_INIT, NULL))
		return -EINVAL;
	return 0;
}

void vgic_destroy(struct vgic *gic)
{
	if (gic->dev_fd >= 0)
		close(gic->dev_fd);
	gic->dev_fd = -1;
}

static void vgic_irq_set_level(struct irq_line *line, int level)
{
	struct vgic *gic = line->opaque;
	struct kvm_irq_level irq = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
		       (32 + line->spi),
		.level = level,
	};

	kvm_ioctl(gic->vm_fd, KVM_IRQ_LINE, &irq);
}

void vgic_irq_line_init(struct irq_line *line, struct vgic *gic,
			unsigned int spi)
{
	line->set_level = vgic_irq_set_level;
	line->opaque = gic;
	line->spi = spi;
}
