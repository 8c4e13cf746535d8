// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// rundown/detail/rseq.hpp: the read side of the cache-aware variant's "rseq"
// protocol, one restartable sequence (rseq(2)) per acquire or release, on
// the registration glibc made for every thread. x86-64 and little-endian
// aarch64; elsewhere k_rseq_arch is false and the "locked" protocol runs.
//
// The section (the same on both architectures):
//
//   0: rseq->rseq_cs = &descriptor          (arms the section)
//   1: cpu = rseq->cpu_id                   start_ip
//      if (cpu >= nr_slots) goto no_cpu     (unregistered thread: cpu_id < 0)
//      if (ref->count != 0) goto flagged    (the run-down flag; acquire load)
//      slots[cpu * stride + word] += n      the commit: one non-locked add
//   2:                                      post_commit_ip
//   abort handler (signature word first): goto 0
//
// The kernel moves a thread that is preempted, migrated or signalled while
// its ip lies in [1, 2) to the abort handler, and clears rseq_cs as it does
// so: the handler re-arms at 0, never at 1. The run-down fence,
// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ), does the same to every
// section in flight on another CPU; that is what makes "read the flag, then
// add" safe without a barrier between them (see src/pcpu.cpp).
//
// The descriptor and the abort handler go to sections of their own
// (__rseq_cs, __rseq_failure) that join the section group of the function
// they were inlined into (the "?" flag): when the linker drops a duplicate
// copy of an inline function, it drops its descriptors with it.
//
// Only the struct rseq offsets and glibc's RSEQ_SIG are needed, declared
// here by hand so that <sys/rseq.h> stays out of the users' translation
// units; src/pcpu.cpp checks them against the system headers.

#ifndef RUNDOWN_DETAIL_RSEQ_HPP
#define RUNDOWN_DETAIL_RSEQ_HPP

#include <rundown/rundown.h>

#include <cstdint>

namespace rundown::inline abi2::detail {

#if defined(__linux__) && \
	(defined(__x86_64__) || (defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__))
inline constexpr bool k_rseq_arch = true;
#else
inline constexpr bool k_rseq_arch = false;
#endif

// struct rseq (<linux/rseq.h>): the offsets of the fields used here.
inline constexpr int k_rseq_cpu_id_offset = 4;  // __u32 cpu_id (negative: not registered)
inline constexpr int k_rseq_cs_offset = 8;      // __u64 rseq_cs, the armed descriptor
// glibc's RSEQ_SIG: the 32-bit word right before every abort handler.
#if defined(__x86_64__)
inline constexpr std::uint32_t k_rseq_sig = 0x53053053;
#elif defined(__aarch64__)
inline constexpr std::uint32_t k_rseq_sig = 0xd428bc00;  // "brk #0x45e0"
#endif
static_assert(RUNDOWN_PCPU_STRIDE == 128, "the sections scale the CPU number by 128 (<< 7)");

enum class rseq_outcome { committed, flagged, no_cpu };

// Label 2 (post_commit_ip) and the descriptor, struct rseq_cs: version 0,
// flags 0, start_ip (label 1), post_commit_offset, abort_ip (label 4).
#define RUNDOWN_DETAIL_RSEQ_CS                    \
	"2:\n\t"                                  \
	".pushsection __rseq_cs, \"aw?\"\n\t"       \
	".balign 32\n\t"                          \
	"3:\n\t"                                  \
	".long 0, 0\n\t"                          \
	".quad 1b, 2b - 1b, 4f\n\t"               \
	".popsection\n\t"

#if defined(__x86_64__) && defined(__linux__)

// Word @Word of this CPU's slot += n, unless the run-down flag is set
// (acquires count in word 0, releases in word 1: two independent chains of
// adds instead of one). The caller has checked p->mode == rseq (so
// p->rseq_offset is glibc's __rseq_offset).
template <int Word>
[[gnu::always_inline]] inline rseq_outcome rseq_slot_add(rundown_pcpu* p, std::uint64_t n) noexcept
{
	// %fs:off is this thread's struct rseq. The abort handler sits in its
	// own section behind the signature, which is encoded as the operand
	// of a ud1 so that falling into it traps.
	asm goto("0:\n\t"
		 "leaq 3f(%%rip), %%rax\n\t"
		 "movq %%rax, %%fs:8(%[off])\n\t"
		 "1:\n\t"
		 "movl %%fs:4(%[off]), %%eax\n\t"
		 "cmpl %[nr], %%eax\n\t"
		 "jae %l[no_cpu]\n\t"
		 "cmpq $0, %[count]\n\t"
		 "jne %l[flagged]\n\t"
		 "shlq $7, %%rax\n\t"
		 "addq %[n], %c[disp](%[slots], %%rax)\n\t"
		 RUNDOWN_DETAIL_RSEQ_CS
		 ".pushsection __rseq_failure, \"ax?\"\n\t"
		 ".byte 0x0f, 0xb9, 0x3d\n\t"
		 ".long 0x53053053\n\t"
		 "4:\n\t"
		 "jmp 0b\n\t"
		 ".popsection"
		 :
		 : [off] "r"(p->rseq_offset), [nr] "r"(p->nr_slots), [count] "m"(p->count),
		   [slots] "r"(p->slots), [n] "er"(n), [disp] "i"(Word * 8)
		 : "rax", "cc", "memory"
		 : flagged, no_cpu);
	return rseq_outcome::committed;
flagged:
	return rseq_outcome::flagged;
no_cpu:
	return rseq_outcome::no_cpu;
}

#elif defined(__aarch64__) && defined(__linux__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__

template <int Word>
[[gnu::always_inline]] inline rseq_outcome rseq_slot_add(rundown_pcpu* p, std::uint64_t n) noexcept
{
	char* const rs = static_cast<char*>(__builtin_thread_pointer()) + p->rseq_offset;
	// The flag load is ldar: it orders the holder's accesses after it
	// behind a reinit's release store (the x86 load is acquire already).
	asm goto("0:\n\t"
		 "adrp x9, 3f\n\t"
		 "add x9, x9, :lo12:3f\n\t"
		 "str x9, [%[rs], #8]\n\t"
		 "1:\n\t"
		 "ldr w9, [%[rs], #4]\n\t"  /* zero-extends into x9 */
		 "cmp w9, %w[nr]\n\t"
		 "b.hs %l[no_cpu]\n\t"
		 "ldar x10, [%[count]]\n\t"
		 "cbnz x10, %l[flagged]\n\t"
		 "add x10, %[slots], x9, lsl #7\n\t"
		 "ldr x11, [x10, %[disp]]\n\t"
		 "add x11, x11, %[n]\n\t"
		 "str x11, [x10, %[disp]]\n\t"
		 RUNDOWN_DETAIL_RSEQ_CS
		 ".pushsection __rseq_failure, \"ax?\"\n\t"
		 ".inst 0xd428bc00\n\t"
		 "4:\n\t"
		 "b 0b\n\t"
		 ".popsection"
		 :
		 : [rs] "r"(rs), [nr] "r"(p->nr_slots), [count] "r"(&p->count), [slots] "r"(p->slots),
		   [n] "r"(n), [disp] "I"(Word * 8)
		 : "x9", "x10", "x11", "cc", "memory"
		 : flagged, no_cpu);
	return rseq_outcome::committed;
flagged:
	return rseq_outcome::flagged;
no_cpu:
	return rseq_outcome::no_cpu;
}

#else

// Never called: without k_rseq_arch no object is ever in rseq mode.
template <int Word>
inline rseq_outcome rseq_slot_add(rundown_pcpu*, std::uint64_t) noexcept
{
	return rseq_outcome::no_cpu;
}

#endif

#undef RUNDOWN_DETAIL_RSEQ_CS

}  // namespace rundown::inline abi2::detail

#endif  // RUNDOWN_DETAIL_RSEQ_HPP
