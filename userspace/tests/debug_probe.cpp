// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// rundown_debug_probe SCENARIO [ARG]: waits that stall, for debug_test.cpp,
// which runs it in a fresh process with RUNDOWN_DEBUG set (the library
// reads it once, at load) and reads its stderr. The holders take their
// references in functions of their own, on threads of their own, and
// release only when the parent writes a byte to stdin: the parent does so each time
// it has read a whole stalled-wait report. stdout says what happened
// ("obj=", "holder=", "returned"); the exit status is 0 when every wait
// returned when it should have.
#include <rundown/ptr.hpp>
#include <rundown/rundown.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>

namespace rundown_probe {

using namespace std::chrono_literals;

// The acquiring functions the reports must name. noipa: neither inlined
// nor merged with one another (identical code folding).
[[gnu::noipa]] void leaky_acquire_one(rundown::ref& r)
{
	if (!r.acquire())
		std::abort();
}

[[gnu::noipa]] void leaky_acquire_two(rundown_ref* r)  // through the C API
{
	if (!rundown_acquire_many(r, 2))
		std::abort();
}

[[gnu::noipa]] void late_acquire(rundown::ref& r)
{
	if (!r.acquire())
		std::abort();
}

[[gnu::noipa]] void leaky_pcpu_acquire(rundown::pcpu_ref& p)
{
	if (!p.acquire_many(2))
		std::abort();
}

[[gnu::noipa]] void leaky_ptr_get(rundown::ptr<int>& p, std::optional<rundown::ptr<int>::guard>& keep)
{
	keep.emplace(p.get());
	if (!*keep)
		std::abort();
}

void out(const char* fmt, auto... args)
{
	std::printf(fmt, args...);
	std::fflush(stdout);
}

// Waits for the parent's byte: it has read a whole report.
void await_parent()
{
	char c;
	while (read(STDIN_FILENO, &c, 1) != 1) {
		if (errno != EINTR) {
			out("no byte from the parent\n");
			std::_Exit(10);
		}
	}
}

// Runs @fn on a thread of its own (it takes references and keeps them)
// and says which thread it was.
template <class Fn>
void hold_on_thread(const char* name, Fn fn)
{
	std::thread([&] {
		out("holder %s=%d\n", name, static_cast<int>(gettid()));
		fn();
	}).join();
}

// A thread that releases once the parent read a report; the wait must not
// have returned before.
class releaser {
public:
	template <class Fn>
	explicit releaser(Fn fn)
		: t_([this, fn] {
			  await_parent();
			  released_.store(true, std::memory_order_release);
			  fn();
		  })
	{
	}
	~releaser() { t_.join(); }
	// After the wait returned: it did so after the release.
	void returned()
	{
		if (!released_.load(std::memory_order_acquire)) {
			out("early: the wait returned before the release\n");
			std::_Exit(3);
		}
		out("returned\n");
	}

private:
	std::atomic<bool> released_{false};
	std::thread t_;
};

int plain()
{
	rundown::ref r;
	out("obj=%p waiter=%d\n", static_cast<void*>(r.native_handle()), static_cast<int>(gettid()));
	hold_on_thread("one", [&] { leaky_acquire_one(r); });
	hold_on_thread("two", [&] { leaky_acquire_two(r.native_handle()); });
	{
		// Released on a third thread: the records go all the same.
		releaser rel([&] {
			r.release();
			r.release_many(2);
		});
		r.wait();
		rel.returned();
	}
	// Run down again with another holder: the first holders' records
	// must be gone.
	r.reinit();
	hold_on_thread("late", [&] { late_acquire(r); });
	releaser rel([&] { r.release(); });
	r.wait();
	rel.returned();
	return 0;
}

int pcpu(bool many)
{
	rundown::pcpu_ref p, idle;
	out("obj=%p waiter=%d\n", static_cast<void*>(p.native_handle()), static_cast<int>(gettid()));
	hold_on_thread("pcpu", [&] { leaky_pcpu_acquire(p); });
	releaser rel([&] { p.release_many(2); });
	if (many) {
		rundown::pcpu_ref* both[] = {&idle, &p};
		rundown::wait_many(both);
	} else {
		p.wait();
	}
	rel.returned();
	return 0;
}

int ptr()
{
	rundown::ptr<int> p(std::make_unique<int>(1));
	out("waiter=%d\n", static_cast<int>(gettid()));
	std::optional<rundown::ptr<int>::guard> keep;
	hold_on_thread("reader", [&] { leaky_ptr_get(p, keep); });
	releaser rel([&] { keep.reset(); });
	const std::unique_ptr<int> old = p.replace(std::make_unique<int>(2));
	if (!old || *old != 1)
		return 4;
	rel.returned();
	return 0;
}

// @stall: the seconds RUNDOWN_DEBUG gives.
int timed(double stall)
{
	rundown::ref r;
	hold_on_thread("one", [&] { leaky_acquire_one(r); });
	// A timeout before the stall: false, and no report.
	if (r.wait_for(10ms))
		return 5;
	out("short-timeout\n");
	// One after the stall, never released: the report, then false at
	// the deadline all the same.
	if (r.wait_for(std::chrono::duration<double>(stall * 4)))
		return 6;
	await_parent();  // the byte for that report
	out("long-timeout\n");
	// Released after the report: true.
	releaser rel([&] { r.release(); });
	if (!r.wait_until(std::chrono::steady_clock::now() + 600s))
		return 7;
	rel.returned();
	return 0;
}

// A wait that takes a while, released without the parent: for
// environments that must print nothing.
int quiet()
{
	rundown::ref r;
	rundown::pcpu_ref p;
	hold_on_thread("one", [&] { leaky_acquire_one(r); });
	hold_on_thread("pcpu", [&] { leaky_pcpu_acquire(p); });
	std::thread rel([&] {
		std::this_thread::sleep_for(300ms);
		r.release();
		p.release_many(2);
	});
	r.wait();
	p.wait();
	rel.join();
	out("returned\n");
	return 0;
}

// What objects set up in this environment look like.
int state()
{
	rundown::ref r;
	rundown_ref c;
	rundown_init(&c);
	rundown_ref s = RUNDOWN_REF_INIT;
	rundown::pcpu_ref p;
	out("plain=%#llx c=%#llx static=%#llx mode=%u\n", static_cast<unsigned long long>(r.native_handle()->count),
	    static_cast<unsigned long long>(c.count), static_cast<unsigned long long>(s.count), p.native_handle()->mode);
	// And they work.
	if (!r.acquire() || !p.acquire())
		return 8;
	r.release();
	p.release();
	r.wait();
	p.wait();
	rundown_wait(&c);
	rundown_wait(&s);
	out("returned\n");
	return 0;
}

}  // namespace rundown_probe

int main(int argc, char** argv)
{
	using namespace rundown_probe;
	const std::string what = argc > 1 ? argv[1] : "";
	if (what == "plain")
		return plain();
	if (what == "pcpu")
		return pcpu(false);
	if (what == "pcpu-many")
		return pcpu(true);
	if (what == "ptr")
		return ptr();
	if (what == "timed" && argc > 2)
		return timed(std::atof(argv[2]));
	if (what == "quiet")
		return quiet();
	if (what == "state")
		return state();
	std::fprintf(stderr, "usage: rundown_debug_probe plain|pcpu|pcpu-many|ptr|timed SECONDS|quiet|state\n");
	return 2;
}
