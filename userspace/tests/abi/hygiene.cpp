// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The headers bring in nothing their users did not ask for: a program with
// its own struct rseq compiles, <sys/rseq.h> stays out, and no helper macro
// survives the headers.
struct rseq {
	int mine;
};

#include <rundown/kernel.hpp>
#include <rundown/ptr.h>
#include <rundown/ptr.hpp>
#include <rundown/rundown.h>
#include <rundown/rundown.hpp>

#if defined(_SYS_RSEQ_H) || defined(RSEQ_SIG)
#error "<sys/rseq.h> leaked into a user's translation unit"
#endif
#if defined(RUNDOWN_NOEXCEPT) || defined(RUNDOWN_MUST_CHECK) || defined(RUNDOWN_STATIC_ASSERT) || \
	defined(RUNDOWN_DETAIL_RSEQ_CS) || defined(RUNDOWN_HAVE_RSEQ)
#error "a helper macro leaked"
#endif

int hygiene(rundown::ref& r, rundown::ptr<int>& p);

int hygiene(rundown::ref& r, rundown::ptr<int>& p)
{
	rseq mine{1};
	auto g = p.get();
	return mine.mine + (r.acquire() ? 1 : 0) + (g ? *g : 0);
}
