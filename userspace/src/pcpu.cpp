// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// librundown, the cache-aware variant: the choice of protocol, init and
// reinit, the run-down (flag, fence, sweep, hand-over), the waits, the
// releases that come after the flag, and its C API. Every slow path of the
// variant lives here; the fast paths are inline in
// <rundown/detail/core.hpp> and <rundown/detail/rseq.hpp>, and the
// protocols are described in <rundown/rundown.hpp>.
//
// Run-down, both protocols (the waiter whose flag CAS succeeded does 2-4):
//  1. Flag: CAS count 0 -> dying | unswept | bias. From now on every rseq
//     section that starts fails (acquire) or goes to the central count
//     (release).
//  2. Fence. rseq: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ). The kernel runs a full barrier on
//     every CPU that runs one of our threads and aborts the rseq section
//     in flight there; a thread preempted inside a section aborts when it
//     runs again. So after the fence no section that read the flag clear
//     can still commit (it committed before the barrier, which orders it
//     before our sweep, or it restarts and sees the flag), and the slots
//     are frozen. Plain MEMBARRIER_CMD_PRIVATE_EXPEDITED would not do: a
//     section that already read the flag could commit after the sweep.
//     locked: no fence; the sweep's exchanges collapse the slots instead
//     (an acquire fails on a collapsed slot, a release sees the bit).
//  3. Sweep: sum every slot once (rseq: plain loads of frozen slots, each
//     slot's acquires minus its releases;
//     locked: exchange each with "collapsed"). Modular arithmetic: exact
//     while fewer than 2^59 references are held.
//  4. Hand-over: one fetch_add adds the sum, removes the bias and clears
//     "unswept". The bias keeps the count above 0 until then, whatever the
//     releases that came to it since step 1.
// Only the flag's winner sweeps: a CAS from 0 cannot succeed in the wrong
// generation. (Letting any waiter that saw "unswept" hand over with a CAS
// from that value would not do: after a reinit the next run-down's count
// can read exactly the same, and a waiter that summed the previous
// generation's slots would hand over its stale sum; the model catches it.)
// A release after the flag subtracts from the central count (acq_rel);
// whoever takes it to 0 after the hand-over (the sweep, or that release)
// wakes the sleepers if a waiter marked itself. After that RMW it touches
// nothing of the object but the futex address (a private futex's key is
// the address: waking after the waiter freed the object is harmless).

#include <rundown/detail/core.hpp>

#include "debug.hpp"
#include "futex.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <linux/membarrier.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define RUNDOWN_SYS_RSEQ 1
#else
#define RUNDOWN_SYS_RSEQ 0
#endif

namespace rundown::inline abi2::detail {

#if RUNDOWN_SYS_RSEQ
// The hand-written constants of detail/rseq.hpp against the system's.
static_assert(offsetof(struct rseq, cpu_id) == k_rseq_cpu_id_offset);
static_assert(offsetof(struct rseq, rseq_cs) == k_rseq_cs_offset);
#if defined(__x86_64__) || defined(__aarch64__)
static_assert(RSEQ_SIG == k_rseq_sig);
#endif
#endif

namespace {

// ---------------------------------------------------------------------------
// The protocol, chosen once per process (before main: a constructor below),
// never changed. fork() keeps it: the child inherits the rseq registration
// of the forking thread and the process's membarrier registration.

struct protocol_choice {
	std::uint32_t mode;
	std::int64_t rseq_offset;
	const char* name;
};

bool membarrier_rseq_ready() noexcept
{
	const long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) ||
	    !(cmds & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ))
		return false;
	// Once per process, here rather than in the first wait: with more
	// than one thread the kernel pays a grace period for it.
	return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) == 0;
}

protocol_choice choose() noexcept
{
	bool rseq_registered = false;
	std::int64_t offset = 0;
#if RUNDOWN_SYS_RSEQ
	// cpu_id and rseq_cs are the fields we use: the first 16 bytes.
	rseq_registered = __rseq_size >= 16;
	offset = __rseq_offset;
#endif
	bool forced = false;
	if (const char* env = std::getenv("RUNDOWN_PCPU_PROTOCOL"))
		forced = std::strcmp(env, "locked") == 0;
#if defined(__SANITIZE_THREAD__)
	// ThreadSanitizer sees neither the sections nor the fence's ordering.
	forced = true;
#endif
	if (k_rseq_arch && rseq_registered && !forced && membarrier_rseq_ready())
		return {k_mode_rseq, offset, "rseq"};
	if (k_rseq_arch && rseq_registered)
		return {k_mode_locked_rseq, offset, "locked"};
	return {k_mode_locked, 0, "locked"};
}

const protocol_choice& protocol() noexcept
{
	static const protocol_choice c = choose();
	return c;
}

[[gnu::constructor]] void choose_early() noexcept { (void)protocol(); }

// ---------------------------------------------------------------------------

u64_ref central(rundown_pcpu* p) noexcept { return u64_ref(p->count); }

// The futex word: the low half of the central count.
std::uint32_t* pcpu_futex(rundown_pcpu* p) noexcept { return low_half(&p->count); }

constexpr bool drained(std::uint64_t v) noexcept { return (v & ~k_pc_sleepers) == k_pc_dying; }

u32_ref generation(rundown_pcpu* p) noexcept { return u32_ref(p->gen); }

// rundown_pcpu::gen: the reinit count in bits 0-30; bit 31 set by a reinit
// whose run-down had sleepers. A waiter of that run-down may still be on
// its way to FUTEX_WAIT with a value it read before the reinit, and the
// next run-down can bring the futex word back to that value (the bias's low
// half, minus the same number of releases): so the next flag starts with
// "sleepers" set, and that run-down's drain wakes it.
constexpr std::uint32_t k_gen_late = std::uint32_t{1} << 31;

// Step 1. True when this call set the flag (its caller sweeps).
bool pcpu_flag(rundown_pcpu* p) noexcept
{
	const std::uint64_t flag = k_pc_dying | k_pc_unswept | k_pc_bias |
				   ((generation(p).load(std::memory_order_acquire) & k_gen_late) ? k_pc_sleepers : 0);
	std::uint64_t v = 0;
	// acq_rel: nothing to publish or take yet, but the fence that
	// follows must come after this store in every CPU's view (the
	// membarrier system call is a full barrier on our side).
	return central(p).compare_exchange_strong(v, flag, std::memory_order_acq_rel, std::memory_order_acquire);
}

// Step 2 for every rseq object flagged so far in this thread.
void pcpu_fence() noexcept
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, 0, 0) != 0)
		misuse("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) failed after registration");
}

// Whoever takes the count to drained wakes the waiters that marked
// themselves. @old is the count before that RMW.
void pcpu_finish(rundown_pcpu* p, std::uint64_t old) noexcept
{
	if (old & k_pc_sleepers)
		futex_wake_all(pcpu_futex(p));
}

std::int64_t checked_held(std::uint64_t sum) noexcept
{
	const auto held = static_cast<std::int64_t>(sum);
	if (held < 0)
		misuse("rundown_pcpu_release: more releases than acquires");
	if (held >= static_cast<std::int64_t>(k_pc_bias))
		misuse("rundown_pcpu: 2^59 or more references held");
	return held;
}

// Step 4, the hand-over of @held references counted in the slots.
void pcpu_hand_over(rundown_pcpu* p, std::int64_t held) noexcept
{
	// acq_rel: release is [A] for the holders the sweep collected (the
	// drained value's release sequence reaches every waiter); acquire
	// takes the releases that came to the count before us.
	const std::uint64_t old = central(p).fetch_add(
		static_cast<std::uint64_t>(held) - k_pc_bias - k_pc_unswept, std::memory_order_acq_rel);
	if ((old & k_pc_count) + static_cast<std::uint64_t>(held) < k_pc_bias)
		misuse("rundown_pcpu_release: more releases than acquires");
	if ((old & k_pc_count) + static_cast<std::uint64_t>(held) == k_pc_bias)
		pcpu_finish(p, old);
}

// Step 3, rseq protocol, after the fence.
void pcpu_sweep_rseq(rundown_pcpu* p) noexcept
{
	// Plain loads would do (the slots are frozen, see step 2); relaxed
	// atomic loads say so to the compiler. The sum is modular.
	std::uint64_t sum = 0;
	for (std::uint32_t i = 0; i < p->nr_slots; ++i) {
		std::uint64_t* slot = &p->slots[std::size_t{i} * k_slot_words];
		sum += u64_ref(slot[k_rseq_acquires]).load(std::memory_order_relaxed) -
		       u64_ref(slot[k_rseq_releases]).load(std::memory_order_relaxed);
	}
	pcpu_hand_over(p, checked_held(sum));
}

// Step 3, locked protocol: collapse every slot.
void pcpu_sweep_locked(rundown_pcpu* p) noexcept
{
	// Acquire: [A], pairs with the release fetch_sub of every holder
	// whose release landed in the slot before the exchange. A slot
	// counts in units of 2 and was 0 (not collapsed) at reinit.
	std::uint64_t sum = 0;
	for (std::uint32_t i = 0; i < p->nr_slots; ++i)
		sum += pcpu_slot(p, i).exchange(k_lk_collapsed, std::memory_order_acquire);
	pcpu_hand_over(p, checked_held(static_cast<std::uint64_t>(static_cast<std::int64_t>(sum) >> 1)));
}

void pcpu_sweep(rundown_pcpu* p) noexcept
{
	if (p->mode == k_mode_rseq)
		pcpu_sweep_rseq(p);
	else
		pcpu_sweep_locked(p);
}

const char* pcpu_variant(const rundown_pcpu* p) noexcept
{
	switch (p->mode) {
	case k_mode_rseq:
		return "cache-aware, rseq protocol";
	case k_mode_tracked:
		return "cache-aware, locked protocol, tracked";
	default:
		return "cache-aware, locked protocol";
	}
}

void pcpu_report(rundown_pcpu* p, std::uint64_t v, const debug::stall_watch& watch) noexcept
{
	// The count is exact once the slots were summed in (the hand-over).
	debug::report({p, "rundown_pcpu", pcpu_variant(p), !(v & k_pc_unswept), v & k_pc_count,
		       p->mode == k_mode_tracked, 0, watch.waited_ns()});
}

// Sleep until the run-down of generation @gen is over: drained, or a
// reinit since (the count went back to 0, or the generation moved on: the
// owner reinitialised after its wait returned, so ours is over too; the
// reinit's release stores pair with our acquire loads, [A] through it).
// 0, or -ETIMEDOUT at @deadline. @watch reports a stall (its copy here:
// once per call).
int pcpu_sleep(rundown_pcpu* p, std::uint32_t gen, std::uint64_t deadline, bool spin,
	       debug::stall_watch watch) noexcept
{
	u64_ref c = central(p);
	const auto over = [p, gen](std::uint64_t x) {
		return drained(x) || x == 0 || generation(p).load(std::memory_order_acquire) != gen;
	};
	// Acquire: [A], the drained value's release sequence.
	std::uint64_t v = c.load(std::memory_order_acquire);
	for (int i = 0; spin && !over(v) && i < k_spin_rounds; ++i) {
		cpu_relax();
		v = c.load(std::memory_order_acquire);
	}
	while (!over(v)) {
		if (expired(deadline))
			return -ETIMEDOUT;
		if (watch.due())
			pcpu_report(p, v, watch);
		if (!(v & k_pc_sleepers)) {
			// Ask the finisher for a wake. FUTEX_WAIT re-checks the
			// value under the futex bucket lock, which pairs with
			// the finisher's RMW + FUTEX_WAKE.
			if (!c.compare_exchange_weak(v, v | k_pc_sleepers, std::memory_order_acquire,
						     std::memory_order_acquire))
				continue;
			v |= k_pc_sleepers;
		}
		// The low half changes with every RMW of the count, except
		// when the count is a multiple of 2^32: poll in that
		// (theoretical) case, as the plain word does.
		const auto low = static_cast<std::uint32_t>(v);
		std::uint64_t until = watch.sleep_until(deadline);
		if (low == 0)
			until = std::min(until, now_ns() + 1000000U);
		(void)futex_wait(pcpu_futex(p), low, until);
		v = c.load(std::memory_order_acquire);
	}
	return 0;
}

int pcpu_wait(rundown_pcpu* p, std::uint64_t deadline, bool spin) noexcept
{
	const debug::stall_watch watch = debug::stall_watch::start();
	const bool won = pcpu_flag(p);
	// The generation of the run-down we joined, read after the flag: a
	// reinit between the two only makes us wait for the next run-down.
	const std::uint32_t gen = generation(p).load(std::memory_order_acquire);
	if (won) {
		if (p->mode == k_mode_rseq)
			pcpu_fence();
		pcpu_sweep(p);
	}
	return pcpu_sleep(p, gen, deadline, spin, watch);
}

// The batch: flag all, one fence, sweep the ones we flagged, then sleep
// on each. Which ones we flagged is kept on the stack, for up to k_batch
// objects per fence.
constexpr std::size_t k_batch = 4096;

template <class At>
void pcpu_wait_many(std::size_t n, At at) noexcept
{
	// Each object's stall is timed from the call.
	const debug::stall_watch watch = debug::stall_watch::start();
	for (std::size_t first = 0; first < n; first += k_batch) {
		const std::size_t count = std::min(k_batch, n - first);
		std::uint64_t won[k_batch / 64] = {};
		bool fence = false;
		for (std::size_t i = 0; i < count; ++i) {
			rundown_pcpu* p = at(first + i);
			if (pcpu_flag(p)) {
				won[i / 64] |= std::uint64_t{1} << (i % 64);
				fence |= p->mode == k_mode_rseq;
			}
		}
		if (fence)
			pcpu_fence();
		for (std::size_t i = 0; i < count; ++i)
			if (won[i / 64] & (std::uint64_t{1} << (i % 64)))
				pcpu_sweep(at(first + i));
	}
	for (std::size_t i = 0; i < n; ++i) {
		rundown_pcpu* p = at(i);
		(void)pcpu_sleep(p, generation(p).load(std::memory_order_acquire), k_forever, true, watch);
	}
}

// Possible CPUs (not online ones: a CPU may come online later), from the
// highest id in /sys/devices/system/cpu/possible ("0-3", "0,2-5").
std::uint32_t possible_cpus() noexcept
{
	static const std::uint32_t n = [] {
		long max = -1;
		if (FILE* f = std::fopen("/sys/devices/system/cpu/possible", "re")) {
			char buf[256] = {};
			if (std::fgets(buf, sizeof(buf), f)) {
				// Numbers separated by '-' and ',': read digits only.
				for (char* s = buf; *s;) {
					if (*s < '0' || *s > '9') {
						++s;
						continue;
					}
					char* end = nullptr;
					max = std::max(max, std::strtol(s, &end, 10));
					s = end;
				}
			}
			std::fclose(f);
		}
		if (max < 0)
			max = sysconf(_SC_NPROCESSORS_CONF) - 1;
		return static_cast<std::uint32_t>(std::clamp(max + 1, 1L, 1L << 20));
	}();
	return n;
}

// The CPU hint of the out-of-line locked protocol.
unsigned pcpu_any_cpu(const rundown_pcpu* p) noexcept
{
	const int cpu = sched_getcpu();
	return cpu < 0 ? 0U : static_cast<unsigned>(cpu) % p->nr_slots;
}

// The state of an object whose init failed or that was exited: run down
// and drained, no slots; acquires fail, waits return at once.
void pcpu_make_empty(rundown_pcpu* ref) noexcept
{
	*ref = rundown_pcpu{};
	ref->count = k_pc_dying;
	ref->mode = k_mode_locked;
	ref->layout = RUNDOWN_LAYOUT_VERSION;
}

}  // namespace

}  // namespace rundown::inline abi2::detail

// ---------------------------------------------------------------------------
// The slow paths the inline code calls.

using namespace rundown::detail;

extern "C" {

void rundown_slow_pcpu_central_release(rundown_pcpu* p, unsigned long n) noexcept
{
	// acq_rel: release is [A] for this holder (the count's release
	// sequence reaches every waiter that reads it drained); acquire, in
	// case this RMW drains it, so the wake carries the others along.
	const std::uint64_t old = central(p).fetch_sub(n, std::memory_order_acq_rel);
	if ((old & k_pc_count) < n || !(old & k_pc_dying))
		misuse("rundown_pcpu_release: more releases than acquires");
	if (drained(old - n))
		pcpu_finish(p, old);
}

void rundown_slow_pcpu_no_cpu(const rundown_pcpu*) noexcept
{
	misuse("rundown_pcpu: a thread without glibc's rseq registration (or a CPU number past the "
	       "possible CPUs) used the rseq protocol; set RUNDOWN_PCPU_PROTOCOL=locked");
}

// The locked protocol out of line: mode k_mode_locked (no rseq area to read
// the CPU from), k_mode_tracked, a thread without glibc's registration in
// mode k_mode_locked_rseq, and an object whose init failed (no slots).
// A tracked object records its holders here; the record goes before the
// release's RMW, after which the object may be freed.
bool rundown_slow_pcpu_acquire(rundown_pcpu* p, unsigned long n) noexcept
{
	if (p->nr_slots == 0)
		return false;  // init failed, or exited
	if (!pcpu_locked_acquire(p, pcpu_any_cpu(p), n))
		return false;
	if (p->mode == k_mode_tracked)
		debug::record(p, 0, n, __builtin_return_address(0));
	return true;
}

void rundown_slow_pcpu_release(rundown_pcpu* p, unsigned long n) noexcept
{
	if (p->nr_slots == 0)
		misuse("rundown_pcpu_release: more releases than acquires (object not initialised)");
	if (p->mode == k_mode_tracked)
		debug::drop(p, 0, n);
	pcpu_locked_release(p, pcpu_any_cpu(p), n);
}

// ---------------------------------------------------------------------------
// The C API.

int rundown_pcpu_init(rundown_pcpu* ref) noexcept
{
	const protocol_choice& proto = protocol();
	const std::uint32_t n = possible_cpus();
	const std::size_t bytes = std::size_t{n} * RUNDOWN_PCPU_STRIDE;
	void* mem = std::aligned_alloc(RUNDOWN_PCPU_STRIDE, bytes);
	if (!mem) {
		pcpu_make_empty(ref);
		return -ENOMEM;
	}
	std::memset(mem, 0, bytes);
	// A new object at this address: whatever records an old one left go.
	debug::forget(ref);
	// Not atomic ops: nobody may use the object during init.
	*ref = rundown_pcpu{};
	ref->layout = RUNDOWN_LAYOUT_VERSION;
	ref->slots = static_cast<std::uint64_t*>(mem);
	ref->rseq_offset = proto.rseq_offset;
	ref->nr_slots = n;
	// Holder tracking (RUNDOWN_DEBUG=track) runs the locked protocol, out
	// of line: the rseq sections have no room for a hook.
	ref->mode = debug::tracking() ? k_mode_tracked : proto.mode;
	return 0;
}

void rundown_pcpu_exit(rundown_pcpu* ref) noexcept
{
	debug::forget(ref);
	std::free(ref->slots);
	pcpu_make_empty(ref);
}

void rundown_pcpu_reinit(rundown_pcpu* ref) noexcept
{
	// Acquire: we take over from the holders ([A], like a wait).
	const std::uint64_t v = central(ref).load(std::memory_order_acquire);
	if (ref->nr_slots == 0)
		misuse("rundown_pcpu_reinit: object not initialised");
	if (!drained(v))
		misuse(v == 0 ? "rundown_pcpu_reinit: not run down (wait first)"
			      : "rundown_pcpu_reinit: references still held (wait for run-down first)");
	// Reset every slot to 0. No section can commit and no locked acquire
	// can succeed until the flag is cleared below, so these stores race
	// with nothing. Release (locked protocol): [B], pairs with the
	// acquire CAS of the next acquires on the slot.
	for (std::uint32_t i = 0; i < ref->nr_slots; ++i) {
		std::uint64_t* slot = &ref->slots[std::size_t{i} * k_slot_words];
		u64_ref(slot[k_rseq_releases]).store(0, std::memory_order_relaxed);
		u64_ref(slot[k_rseq_acquires]).store(0, std::memory_order_release);
	}
	// A new generation: waiters still in the finished run-down's wait
	// return when they see it. Release: pairs with their acquire loads.
	generation(ref).store(((ref->gen + 1) & ~k_gen_late) | ((v & k_pc_sleepers) ? k_gen_late : 0),
			      std::memory_order_release);
	// Release: [B], pairs with the rseq sections' acquire load of the flag.
	central(ref).store(0, std::memory_order_release);
}

bool rundown_pcpu_acquire(rundown_pcpu* ref) noexcept { return pcpu_acquire(ref); }
bool rundown_pcpu_acquire_many(rundown_pcpu* ref, unsigned long n) noexcept
{
	return pcpu_acquire_many(ref, n);
}
void rundown_pcpu_release(rundown_pcpu* ref) noexcept { pcpu_release(ref); }
void rundown_pcpu_release_many(rundown_pcpu* ref, unsigned long n) noexcept { pcpu_release_many(ref, n); }
void rundown_pcpu_wait(rundown_pcpu* ref) noexcept { (void)pcpu_wait(ref, k_forever, true); }
int rundown_pcpu_wait_timeout(rundown_pcpu* ref, uint64_t timeout_ns) noexcept
{
	return pcpu_wait(ref, deadline_after(timeout_ns), timeout_ns != 0);
}
int rundown_pcpu_wait_until(rundown_pcpu* ref, uint64_t deadline_ns) noexcept
{
	return pcpu_wait(ref, deadline_ns, true);
}
void rundown_pcpu_wait_many(rundown_pcpu* const* refs, size_t n) noexcept
{
	pcpu_wait_many(n, [refs](std::size_t i) { return refs[i]; });
}
void rundown_pcpu_wait_many_at(size_t n, rundown_pcpu* (*at)(void* ctx, size_t i), void* ctx) noexcept
{
	pcpu_wait_many(n, [at, ctx](std::size_t i) { return at(ctx, i); });
}

void rundown_pcpu_completed(rundown_pcpu* ref) noexcept
{
	if (!drained(central(ref).load(std::memory_order_acquire)))
		misuse("rundown_pcpu_completed: run-down not finished (wait first)");
}

bool rundown_pcpu_is_active(const rundown_pcpu* ref) noexcept { return pcpu_is_active(ref); }

const char* rundown_pcpu_protocol(void) noexcept { return protocol().name; }

}  // extern "C"
