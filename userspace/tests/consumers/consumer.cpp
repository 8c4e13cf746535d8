// SPDX-License-Identifier: GPL-2.0 OR MIT
// What a consumer does: both variants, a guard, a wait, std::shared_lock.
#include <rundown/rundown.hpp>

#include <mutex>
#include <shared_mutex>
#include <thread>

int main()
{
	rundown::ref r;
	rundown::pcpu_ref p;
	{
		auto g = rundown::try_acquire(p);
		if (!g)
			return 1;
		std::shared_lock<rundown::ref> l(r, std::try_to_lock);
		if (!l.owns_lock())
			return 2;
		std::thread([&] {
			if (auto h = rundown::try_acquire_many(p, 3); !h)
				std::abort();
		}).join();
	}
	r.wait();
	p.wait();
	if (r.acquire() || p.acquire())
		return 3;
	return 0;
}
