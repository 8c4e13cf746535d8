// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Helpers shared by the test binaries: CPU pinning, iteration scaling, the
// programs the tests run in fresh processes.

#ifndef RUNDOWN_TESTS_TEST_UTIL_HPP
#define RUNDOWN_TESTS_TEST_UTIL_HPP

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

namespace rundown_test {

// Fewer iterations under the sanitizers (they run 5-20x slower).
constexpr int scaled(int n)
{
#ifdef RUNDOWN_TEST_SLOW
	return std::max(1, n / 4);
#else
	return n;
#endif
}

// The CPUs this process may run on.
inline std::vector<int> allowed_cpus()
{
	cpu_set_t set;
	CPU_ZERO(&set);
	std::vector<int> cpus;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE; ++c)
			if (CPU_ISSET(c, &set))
				cpus.push_back(c);
	if (cpus.empty())
		cpus.push_back(0);
	return cpus;
}

// Two CPUs to hop between: the first and the last allowed (the same one on
// a single-CPU machine, where "another CPU" degrades to "another thread").
inline int first_cpu() { return allowed_cpus().front(); }
inline int last_cpu() { return allowed_cpus().back(); }

// The path of the program @name next to this test binary ("" without /proc).
inline std::string sibling_binary(const char* name)
{
	char self[4096] = {};
	const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return {};
	const std::string path(self, static_cast<std::size_t>(n));
	return path.substr(0, path.rfind('/') + 1) + name;
}

// Pin the calling thread to @cpu.
inline bool pin_self(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0;
}

// Pins the calling thread for its lifetime, then restores its mask.
class pinned {
public:
	explicit pinned(int cpu)
	{
		CPU_ZERO(&old_);
		sched_getaffinity(0, sizeof(old_), &old_);
		pin_self(cpu);
	}
	~pinned() { sched_setaffinity(0, sizeof(old_), &old_); }
	pinned(const pinned&) = delete;
	pinned& operator=(const pinned&) = delete;

private:
	cpu_set_t old_;
};

}  // namespace rundown_test

#endif  // RUNDOWN_TESTS_TEST_UTIL_HPP
