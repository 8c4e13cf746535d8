// SPDX-License-Identifier: GPL-2.0 OR MIT
// What a consumer does: both variants, a guard, a wait, std::shared_lock,
// a rundown-protected pointer.
#include <rundown/ptr.hpp>
#include <rundown/rundown.hpp>

#include <memory>
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
	rundown::pcpu_ptr<int> cur(std::make_unique<int>(1));
	{
		auto g = cur.get();
		if (!g || *g != 1)
			return 4;
	}
	if (auto old = cur.replace(std::make_unique<int>(2)); !old || *old != 1)
		return 5;
	return 0;
}
