// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Ignoring a C++ timed wait's result must not compile with -Werror; with
// -DUSE_RESULT the same calls, used, compile (the control). IGNORE selects
// which call is ignored.
#include <rundown/ptr.hpp>
#include <rundown/rundown.hpp>

#include <chrono>

bool f(rundown::ref& r, rundown::pcpu_ref& p, rundown::ptr<int>& rp);

bool f(rundown::ref& r, rundown::pcpu_ref& p, rundown::ptr<int>& rp)
{
	using namespace std::chrono_literals;
#ifdef USE_RESULT
	return r.wait_for(1ms) && p.wait_for(1ms) && r.wait_until(std::chrono::steady_clock::now()) &&
	       p.wait_until(std::chrono::system_clock::now()) && rundown::try_acquire(r) &&
	       r.try_lock_shared() && rp.replace_for(nullptr, 1ms) && rp.retire_for(1ms) &&
	       rp.reclaim_for(1ms);
#else
#if IGNORE == 0
	r.wait_for(1ms);
#elif IGNORE == 1
	p.wait_for(1ms);
#elif IGNORE == 2
	r.wait_until(std::chrono::steady_clock::now());
#elif IGNORE == 3
	p.wait_until(std::chrono::system_clock::now());
#elif IGNORE == 4
	rp.replace_for(nullptr, 1ms);
#elif IGNORE == 5
	rp.retire_for(1ms);
#else
	rp.reclaim_for(1ms);
#endif
	return true;
#endif
}
