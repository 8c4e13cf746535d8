// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Ignoring a C++ timed wait's result must not compile with -Werror; with
// -DUSE_RESULT the same calls, used, compile (the control). IGNORE selects
// which call is ignored.
#include <rundown/rundown.hpp>

#include <chrono>

bool f(rundown::ref& r, rundown::pcpu_ref& p);

bool f(rundown::ref& r, rundown::pcpu_ref& p)
{
	using namespace std::chrono_literals;
#ifdef USE_RESULT
	return r.wait_for(1ms) && p.wait_for(1ms) && r.wait_until(std::chrono::steady_clock::now()) &&
	       p.wait_until(std::chrono::system_clock::now()) && rundown::try_acquire(r) &&
	       r.try_lock_shared();
#else
#if IGNORE == 0
	r.wait_for(1ms);
#elif IGNORE == 1
	p.wait_for(1ms);
#elif IGNORE == 2
	r.wait_until(std::chrono::steady_clock::now());
#else
	p.wait_until(std::chrono::system_clock::now());
#endif
	return true;
#endif
}
