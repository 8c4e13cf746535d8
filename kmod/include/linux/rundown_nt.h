/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NT's run-down protection routines, by their NT names, for porting
 * Windows drivers unchanged. Each maps onto <linux/rundown.h>; the
 * semantics are those of Microsoft's documentation, with the Linux
 * additions noted there (repeated and concurrent waits, misuse reported by
 * WARN_ON_ONCE(), lockdep). IRQL maps onto Linux contexts: what NT allows
 * at IRQL <= DISPATCH_LEVEL (acquire, release) works in any context here,
 * hard interrupt included; waits need process context (PASSIVE_LEVEL).
 *
 * PoolType only selects the allocation flags (every pool is non-pageable
 * in Linux) and PoolTag is accepted and ignored.
 */
#ifndef _LINUX_RUNDOWN_NT_H
#define _LINUX_RUNDOWN_NT_H

#include <linux/rundown.h>
#include <linux/slab.h>

#ifndef TRUE
#define TRUE	1
#endif
#ifndef FALSE
#define FALSE	0
#endif

typedef u8 BOOLEAN;
typedef u32 ULONG;
typedef size_t SIZE_T;

typedef enum _POOL_TYPE {
	NonPagedPool = 0,
	PagedPool = 1,
	NonPagedPoolNx = 512,
} POOL_TYPE;

typedef struct rundown_ref EX_RUNDOWN_REF, *PEX_RUNDOWN_REF;
typedef struct rundown_pcpu EX_RUNDOWN_REF_CACHE_AWARE, *PEX_RUNDOWN_REF_CACHE_AWARE;

/**
 * ExInitializeRundownProtection - initialise a live EX_RUNDOWN_REF
 * @RunRef: the reference
 *
 * Context: any.
 */
static inline void ExInitializeRundownProtection(PEX_RUNDOWN_REF RunRef)
{
	rundown_init(RunRef);
}

/**
 * ExReInitializeRundownProtection - make a run-down reference live again
 * @RunRef: the reference, after ExWaitForRundownProtectionRelease()
 *
 * Context: any.
 */
static inline void ExReInitializeRundownProtection(PEX_RUNDOWN_REF RunRef)
{
	rundown_reinit(RunRef);
}

/**
 * ExAcquireRundownProtection - take run-down protection
 * @RunRef: the reference
 *
 * Context: any, hard interrupt included. Never blocks.
 * Return: TRUE if granted, FALSE once run-down has begun.
 */
static inline BOOLEAN __must_check
ExAcquireRundownProtection(PEX_RUNDOWN_REF RunRef)
{
	return rundown_acquire(RunRef) ? TRUE : FALSE;
}

/**
 * ExAcquireRundownProtectionEx - take @Count instances of run-down protection
 * @RunRef: the reference
 * @Count: how many; 0 takes nothing and tells whether it would be granted
 *
 * Context: any, hard interrupt included. Never blocks.
 * Return: TRUE if granted, FALSE once run-down has begun.
 */
static inline BOOLEAN __must_check
ExAcquireRundownProtectionEx(PEX_RUNDOWN_REF RunRef, ULONG Count)
{
	if (!Count)
		return rundown_is_active(RunRef) ? TRUE : FALSE;
	return rundown_acquire_many(RunRef, Count) ? TRUE : FALSE;
}

/**
 * ExReleaseRundownProtection - release run-down protection
 * @RunRef: the reference
 *
 * Context: any, hard interrupt included.
 */
static inline void ExReleaseRundownProtection(PEX_RUNDOWN_REF RunRef)
{
	rundown_release(RunRef);
}

/**
 * ExReleaseRundownProtectionEx - release @Count instances of run-down protection
 * @RunRef: the reference
 * @Count: how many
 *
 * Context: any, hard interrupt included.
 */
static inline void ExReleaseRundownProtectionEx(PEX_RUNDOWN_REF RunRef, ULONG Count)
{
	if (Count)
		rundown_release_many(RunRef, Count);
}

/**
 * ExWaitForRundownProtectionRelease - run down and wait for all holders
 * @RunRef: the reference
 *
 * Context: process context (PASSIVE_LEVEL), may sleep.
 */
static inline void ExWaitForRundownProtectionRelease(PEX_RUNDOWN_REF RunRef)
{
	rundown_wait(RunRef);
}

/**
 * ExRundownCompleted - mark run-down of the old object complete
 * @RunRef: the reference, after ExWaitForRundownProtectionRelease()
 *
 * Context: any.
 */
static inline void ExRundownCompleted(PEX_RUNDOWN_REF RunRef)
{
	rundown_completed(RunRef);
}

static inline gfp_t __ex_pool_gfp(POOL_TYPE PoolType)
{
	/* NT allows non-paged allocations up to DISPATCH_LEVEL: atomic. */
	return PoolType == PagedPool ? GFP_KERNEL : GFP_ATOMIC;
}

/**
 * ExSizeOfRundownProtectionCacheAware - size of a cache-aware reference
 *
 * Context: any.
 * Return: the bytes ExInitializeRundownProtectionCacheAware() needs.
 */
static inline SIZE_T ExSizeOfRundownProtectionCacheAware(void)
{
	return rundown_pcpu_size();
}

/**
 * ExInitializeRundownProtectionCacheAware - initialise in a caller's buffer
 * @RunRefCacheAware: a buffer of ExSizeOfRundownProtectionCacheAware() bytes
 * @RunRefSize: its size
 *
 * Context: any. The caller frees the buffer (not with
 * ExFreeCacheAwareRundownProtection()).
 */
static inline void
ExInitializeRundownProtectionCacheAware(PEX_RUNDOWN_REF_CACHE_AWARE RunRefCacheAware,
					SIZE_T RunRefSize)
{
	rundown_pcpu_init_buffer(RunRefCacheAware, RunRefSize);
}

/**
 * ExAllocateCacheAwareRundownProtection - allocate a live cache-aware reference
 * @PoolType: pool to allocate from (all are non-pageable in Linux)
 * @PoolTag: ignored
 *
 * Context: process context for PagedPool (may sleep); any context but hard
 * interrupt for the non-paged pools (atomic allocation, as NT allows them up
 * to DISPATCH_LEVEL).
 * Return: the reference, or NULL. Free with ExFreeCacheAwareRundownProtection().
 */
static inline PEX_RUNDOWN_REF_CACHE_AWARE
ExAllocateCacheAwareRundownProtection(POOL_TYPE PoolType, ULONG PoolTag)
{
	gfp_t gfp = __ex_pool_gfp(PoolType);
	PEX_RUNDOWN_REF_CACHE_AWARE ref = kmalloc(sizeof(*ref), gfp);

	if (ref && rundown_pcpu_init(ref, gfp)) {
		kfree(ref);
		ref = NULL;
	}
	return ref;
}

/**
 * ExFreeCacheAwareRundownProtection - free an allocated cache-aware reference
 * @RunRefCacheAware: from ExAllocateCacheAwareRundownProtection()
 *
 * Context: any. No reference may be held or attempted any more.
 */
static inline void
ExFreeCacheAwareRundownProtection(PEX_RUNDOWN_REF_CACHE_AWARE RunRefCacheAware)
{
	rundown_pcpu_exit(RunRefCacheAware);
	kfree(RunRefCacheAware);
}

/**
 * ExAcquireRundownProtectionCacheAware - take cache-aware run-down protection
 * @RunRefCacheAware: the reference
 *
 * Context: any, hard interrupt included. Never blocks.
 * Return: TRUE if granted, FALSE once run-down has begun.
 */
static inline BOOLEAN __must_check
ExAcquireRundownProtectionCacheAware(PEX_RUNDOWN_REF_CACHE_AWARE RunRefCacheAware)
{
	return rundown_pcpu_acquire(RunRefCacheAware) ? TRUE : FALSE;
}

/**
 * ExAcquireRundownProtectionCacheAwareEx - take @Count instances, cache-aware
 * @RunRefCacheAware: the reference
 * @Count: how many; 0 takes nothing and tells whether it would be granted
 *
 * Context: any, hard interrupt included. Never blocks.
 * Return: TRUE if granted, FALSE once run-down has begun.
 */
static inline BOOLEAN __must_check
ExAcquireRundownProtectionCacheAwareEx(PEX_RUNDOWN_REF_CACHE_AWARE RunRefCacheAware,
				       ULONG Count)
{
	if (!Count)
		return rundown_pcpu_is_active(RunRefCacheAware) ? TRUE : FALSE;
	return rundown_pcpu_acquire_many(RunRefCacheAware, Count) ? TRUE : FALSE;
}

/**
 * ExReleaseRundownProtectionCacheAware - release cache-aware run-down protection
 * @RunRefCacheAware: the reference
 *
 * Context: any, hard interrupt included.
 */
static inline void
ExReleaseRundownProtectionCacheAware(PEX_RUNDOWN_REF_CACHE_AWARE RunRefCacheAware)
{
	rundown_pcpu_release(RunRefCacheAware);
}

/**
 * ExReleaseRundownProtectionCacheAwareEx - release @Count instances, cache-aware
 * @RunRef: the reference
 * @Count: how many
 *
 * Context: any, hard interrupt included.
 */
static inline void
ExReleaseRundownProtectionCacheAwareEx(PEX_RUNDOWN_REF_CACHE_AWARE RunRef, ULONG Count)
{
	if (Count)
		rundown_pcpu_release_many(RunRef, Count);
}

/**
 * ExWaitForRundownProtectionReleaseCacheAware - run down a cache-aware reference
 * @RunRef: the reference
 *
 * Context: process context (PASSIVE_LEVEL), may sleep.
 */
static inline void
ExWaitForRundownProtectionReleaseCacheAware(PEX_RUNDOWN_REF_CACHE_AWARE RunRef)
{
	rundown_pcpu_wait(RunRef);
}

/**
 * ExRundownCompletedCacheAware - mark run-down complete, cache-aware
 * @RunRefCacheAware: the reference, after the wait
 *
 * Context: any.
 */
static inline void
ExRundownCompletedCacheAware(PEX_RUNDOWN_REF_CACHE_AWARE RunRefCacheAware)
{
	rundown_pcpu_completed(RunRefCacheAware);
}

/**
 * ExReInitializeRundownProtectionCacheAware - make it live again, cache-aware
 * @RunRefCacheAware: the reference, after the wait
 *
 * Context: any.
 */
static inline void
ExReInitializeRundownProtectionCacheAware(PEX_RUNDOWN_REF_CACHE_AWARE RunRefCacheAware)
{
	rundown_pcpu_reinit(RunRefCacheAware);
}

#endif /* _LINUX_RUNDOWN_NT_H */
