// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// rundown_probe: prints the cache-aware protocol this process chose
// ("protocol=rseq" or "protocol=locked"), then runs one round of every
// operation with a second thread and exits 0 when each behaved. The native
// suite runs it under environments that must force the fallback (a seccomp
// filter, glibc's tunable, RUNDOWN_PCPU_PROTOCOL), which only take effect in
// a fresh process.
#include <rundown/rundown.hpp>

#include <cstdio>
#include <thread>

int main()
{
	std::printf("protocol=%s\n", rundown_pcpu_protocol());
	std::fflush(stdout);
	rundown::pcpu_ref p;
	if (!p.acquire_many(2))
		return 1;
	std::thread([&] { p.release(); }).join();
	if (p.wait_for(std::chrono::milliseconds(1)))
		return 2;  // one reference is still held
	std::thread releaser([&] { p.release(); });
	p.wait();
	releaser.join();
	if (p.acquire())
		return 3;
	p.completed();
	p.reinit();
	rundown::pcpu_ref q;
	rundown::pcpu_ref* both[] = {&p, &q};
	rundown::wait_many(both);
	if (p.acquire() || q.acquire())
		return 4;
	std::printf("ok\n");
	return 0;
}
