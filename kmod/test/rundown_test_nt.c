// SPDX-License-Identifier: GPL-2.0
/*
 * rundown_test.ko: the NT names of <linux/rundown_nt.h>, called the way a
 * ported Windows driver calls them (hence the CamelCase).
 */
#define pr_fmt(fmt) "rundown_test: " fmt

#include <linux/slab.h>
#include <linux/rundown_nt.h>
#include "rundown_test.h"

void t_nt_plain(struct rd *unused)
{
	EX_RUNDOWN_REF ref;
	PEX_RUNDOWN_REF p = &ref;

	ExInitializeRundownProtection(p);
	EXPECT(ExAcquireRundownProtection(p) == TRUE);
	EXPECT(ExAcquireRundownProtectionEx(p, 4) == TRUE);
	ExReleaseRundownProtectionEx(p, 4);
	ExReleaseRundownProtection(p);
	ExWaitForRundownProtectionRelease(p);
	EXPECT(ExAcquireRundownProtection(p) == FALSE);
	EXPECT(ExAcquireRundownProtectionEx(p, 2) == FALSE);
	ExRundownCompleted(p);
	ExReInitializeRundownProtection(p);
	EXPECT(ExAcquireRundownProtection(p) == TRUE);
	ExReleaseRundownProtection(p);
}

/*
 * Out-of-line copies of the NT cache-aware fast paths, for the disassembly
 * check (kmod/test/check-fastpath.sh; see rundown_test_ool.c).
 */
static noinline BOOLEAN
ool_ExAcquireRundownProtectionCacheAware(PEX_RUNDOWN_REF_CACHE_AWARE p)
{
	return ExAcquireRundownProtectionCacheAware(p);
}

static noinline BOOLEAN
ool_ExAcquireRundownProtectionCacheAwareEx(PEX_RUNDOWN_REF_CACHE_AWARE p, ULONG n)
{
	return ExAcquireRundownProtectionCacheAwareEx(p, n);
}

static noinline void ool_ExReleaseRundownProtectionCacheAware(PEX_RUNDOWN_REF_CACHE_AWARE p)
{
	ExReleaseRundownProtectionCacheAware(p);
}

static noinline void
ool_ExReleaseRundownProtectionCacheAwareEx(PEX_RUNDOWN_REF_CACHE_AWARE p, ULONG n)
{
	ExReleaseRundownProtectionCacheAwareEx(p, n);
}

void t_nt_cache_aware(struct rd *unused)
{
	PEX_RUNDOWN_REF_CACHE_AWARE p;
	SIZE_T size = ExSizeOfRundownProtectionCacheAware();
	void *buf;

	p = ExAllocateCacheAwareRundownProtection(NonPagedPoolNx, 0x74737552);
	EXPECT(p);
	if (p) {
		EXPECT(ExAcquireRundownProtectionCacheAware(p) == TRUE);
		EXPECT(ExAcquireRundownProtectionCacheAwareEx(p, 3) == TRUE);
		ExReleaseRundownProtectionCacheAwareEx(p, 3);
		ExReleaseRundownProtectionCacheAware(p);
		ExWaitForRundownProtectionReleaseCacheAware(p);
		EXPECT(ExAcquireRundownProtectionCacheAware(p) == FALSE);
		ExRundownCompletedCacheAware(p);
		ExReInitializeRundownProtectionCacheAware(p);
		EXPECT(ExAcquireRundownProtectionCacheAware(p) == TRUE);
		ExReleaseRundownProtectionCacheAware(p);
		ExWaitForRundownProtectionReleaseCacheAware(p);
		ExFreeCacheAwareRundownProtection(p);
	}
	EXPECT(size == rundown_pcpu_size());
	buf = kmalloc(size, GFP_KERNEL);
	EXPECT(buf);
	if (buf) {
		p = buf;
		ExInitializeRundownProtectionCacheAware(p, size);
		EXPECT(ExAcquireRundownProtectionCacheAware(p) == TRUE);
		ExReleaseRundownProtectionCacheAware(p);
		EXPECT(ool_ExAcquireRundownProtectionCacheAware(p) == TRUE);
		EXPECT(ool_ExAcquireRundownProtectionCacheAwareEx(p, 3) == TRUE);
		EXPECT(ool_ExAcquireRundownProtectionCacheAwareEx(p, 0) == TRUE);
		ool_ExReleaseRundownProtectionCacheAwareEx(p, 3);
		ool_ExReleaseRundownProtectionCacheAwareEx(p, 0);
		ool_ExReleaseRundownProtectionCacheAware(p);
		ExWaitForRundownProtectionReleaseCacheAware(p);
		EXPECT(ExAcquireRundownProtectionCacheAware(p) == FALSE);
		EXPECT(ool_ExAcquireRundownProtectionCacheAware(p) == FALSE);
		EXPECT(ool_ExAcquireRundownProtectionCacheAwareEx(p, 2) == FALSE);
		EXPECT(ool_ExAcquireRundownProtectionCacheAwareEx(p, 0) == FALSE);
		ExRundownCompletedCacheAware(p);
		kfree(buf);
	}
}

