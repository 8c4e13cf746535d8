// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// librundown: the C API of <rundown/ptr.h>, the protocol of
// <rundown/detail/ptr_core.hpp> on the C structs, over the public C API of
// both rundown variants.

#include <rundown/detail/ptr_core.hpp>

using namespace rundown::detail;

namespace {

// Generation i of a struct rundown_ptr: a plain rundown_ref.
struct ref_gens {
	rundown_ref* gen;
	bool acquire(unsigned i) noexcept { return rundown_acquire(&gen[i]); }
	void release(unsigned i) noexcept { rundown_release(&gen[i]); }
	int wait_ns(unsigned i, std::uint64_t ns) noexcept
	{
		if (ns == k_ptr_forever) {
			rundown_wait(&gen[i]);
			return 0;
		}
		return rundown_wait_timeout(&gen[i], ns);
	}
	void reinit(unsigned i) noexcept { rundown_reinit(&gen[i]); }
};

// Generation i of a struct rundown_ptr_pcpu: a cache-aware rundown_pcpu.
struct pcpu_gens {
	rundown_pcpu* gen;
	bool acquire(unsigned i) noexcept { return rundown_pcpu_acquire(&gen[i]); }
	void release(unsigned i) noexcept { rundown_pcpu_release(&gen[i]); }
	int wait_ns(unsigned i, std::uint64_t ns) noexcept
	{
		if (ns == k_ptr_forever) {
			rundown_pcpu_wait(&gen[i]);
			return 0;
		}
		return rundown_pcpu_wait_timeout(&gen[i], ns);
	}
	void reinit(unsigned i) noexcept { rundown_pcpu_reinit(&gen[i]); }
};

// The untimed forms: a pending old object means the caller skipped reclaim.
template <class Gens>
void* replace_untimed(rundown_ptr_core* c, Gens g, void* obj) noexcept
{
	void* old;
	if (ptr_replace(c, g, obj, &old, k_ptr_forever) != 0)
		misuse("rundown_ptr_replace/retire: a timed-out replacement's old object was not "
		       "reclaimed (call rundown_ptr_reclaim first)");
	return old;
}

template <class Gens>
void* reclaim_untimed(rundown_ptr_core* c, Gens g) noexcept
{
	void* old;
	(void)ptr_reclaim(c, g, &old, k_ptr_forever);
	return old;
}

}  // namespace

extern "C" {

// ---- struct rundown_ptr ----------------------------------------------------

void rundown_ptr_init(rundown_ptr* p) noexcept
{
	ptr_core_init(&p->core);
	// Born run down: a wait with no holder only marks the word.
	for (rundown_ref& g : p->gen) {
		rundown_init(&g);
		rundown_wait(&g);
	}
}

void* rundown_ptr_get(rundown_ptr* p, unsigned* token) noexcept
{
	ref_gens g{p->gen};
	return ptr_get(&p->core, g, token);
}

void rundown_ptr_put(rundown_ptr* p, unsigned token) noexcept
{
	ref_gens g{p->gen};
	ptr_put(g, token);
}

void* rundown_ptr_published(const rundown_ptr* p) noexcept { return ptr_published(&p->core); }

void* rundown_ptr_replace(rundown_ptr* p, void* obj) noexcept
{
	return replace_untimed(&p->core, ref_gens{p->gen}, obj);
}

int rundown_ptr_replace_timeout(rundown_ptr* p, void* obj, void** old, uint64_t timeout_ns) noexcept
{
	ref_gens g{p->gen};
	return ptr_replace(&p->core, g, obj, old, timeout_ns);
}

void* rundown_ptr_retire(rundown_ptr* p) noexcept { return rundown_ptr_replace(p, nullptr); }

int rundown_ptr_retire_timeout(rundown_ptr* p, void** old, uint64_t timeout_ns) noexcept
{
	return rundown_ptr_replace_timeout(p, nullptr, old, timeout_ns);
}

void* rundown_ptr_reclaim(rundown_ptr* p) noexcept { return reclaim_untimed(&p->core, ref_gens{p->gen}); }

int rundown_ptr_reclaim_timeout(rundown_ptr* p, void** old, uint64_t timeout_ns) noexcept
{
	ref_gens g{p->gen};
	return ptr_reclaim(&p->core, g, old, timeout_ns);
}

// ---- struct rundown_ptr_pcpu -----------------------------------------------

int rundown_ptr_pcpu_init(rundown_ptr_pcpu* p) noexcept
{
	ptr_core_init(&p->core);
	int err = rundown_pcpu_init(&p->gen[0]);
	if (err)
		return err;
	err = rundown_pcpu_init(&p->gen[1]);
	if (err) {
		rundown_pcpu_exit(&p->gen[0]);
		return err;
	}
	for (rundown_pcpu& g : p->gen)
		rundown_pcpu_wait(&g);
	return 0;
}

void rundown_ptr_pcpu_exit(rundown_ptr_pcpu* p) noexcept
{
	rundown_pcpu_exit(&p->gen[0]);
	rundown_pcpu_exit(&p->gen[1]);
}

void* rundown_ptr_pcpu_get(rundown_ptr_pcpu* p, unsigned* token) noexcept
{
	pcpu_gens g{p->gen};
	return ptr_get(&p->core, g, token);
}

void rundown_ptr_pcpu_put(rundown_ptr_pcpu* p, unsigned token) noexcept
{
	pcpu_gens g{p->gen};
	ptr_put(g, token);
}

void* rundown_ptr_pcpu_published(const rundown_ptr_pcpu* p) noexcept { return ptr_published(&p->core); }

void* rundown_ptr_pcpu_replace(rundown_ptr_pcpu* p, void* obj) noexcept
{
	return replace_untimed(&p->core, pcpu_gens{p->gen}, obj);
}

int rundown_ptr_pcpu_replace_timeout(rundown_ptr_pcpu* p, void* obj, void** old, uint64_t timeout_ns) noexcept
{
	pcpu_gens g{p->gen};
	return ptr_replace(&p->core, g, obj, old, timeout_ns);
}

void* rundown_ptr_pcpu_retire(rundown_ptr_pcpu* p) noexcept { return rundown_ptr_pcpu_replace(p, nullptr); }

int rundown_ptr_pcpu_retire_timeout(rundown_ptr_pcpu* p, void** old, uint64_t timeout_ns) noexcept
{
	return rundown_ptr_pcpu_replace_timeout(p, nullptr, old, timeout_ns);
}

void* rundown_ptr_pcpu_reclaim(rundown_ptr_pcpu* p) noexcept
{
	return reclaim_untimed(&p->core, pcpu_gens{p->gen});
}

int rundown_ptr_pcpu_reclaim_timeout(rundown_ptr_pcpu* p, void** old, uint64_t timeout_ns) noexcept
{
	pcpu_gens g{p->gen};
	return ptr_reclaim(&p->core, g, old, timeout_ns);
}

}  // extern "C"
