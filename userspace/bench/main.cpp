// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// rundown_bench: rundown against RCU, locks and reference counts.
//
//   rundown_bench [--kernel] [--mechs a,b|all] [--workloads read,teardown,replace]
//                 [--threads 1,2,4] [--duration-ms N] [--cs-ns N] [--samples N]
//                 [--period-us N] [--env NAME] [--json FILE] [--list]
//
// Without --kernel the workloads run here with threads over the userspace
// mechanisms (the shim, liburcu, std::shared_mutex, pthread_rwlock, an
// atomic count, and the kernel object through /dev/rundown when it is
// there). With --kernel each result comes from RUNDOWN_IOC_BENCH: the same
// workloads run by kthreads inside the kernel (root, rundown.ko loaded).
// Each result is one "SUMMARY key=value ..." line on stdout (liburcu's
// benchmarks' convention) and, with --json, one JSON object per line.
// Progress goes to stderr. An unknown mechanism lists the valid names.
#include "bench.hpp"

#include <rundown/kernel.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/rundown.h>

namespace rdbench {

std::map<std::string, runner>& registry()
{
	static std::map<std::string, runner> r;
	return r;
}

std::vector<int> online_cpus()
{
	cpu_set_t set;
	std::vector<int> v;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				v.push_back(c);
	if (v.empty())
		v.push_back(0);
	return v;
}

void pin_to(int cpu) noexcept
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

void pause_us(unsigned us) noexcept
{
	if (!us) {
		sched_yield();
		return;
	}
	timespec ts{time_t(us / 1000000), long(us % 1000000) * 1000};
	nanosleep(&ts, nullptr);
}

void latency_stats(result& r, std::vector<std::uint64_t>& lat)
{
	r.samples_done = lat.size();
	if (lat.empty())
		return;
	std::sort(lat.begin(), lat.end());
	std::uint64_t sum = 0;
	for (auto v : lat)
		sum += v;
	const std::size_t n = lat.size();
	r.lat_min_ns = lat[0];
	r.lat_p50_ns = lat[(n - 1) / 2];
	r.lat_p99_ns = lat[(n - 1) * 99 / 100];
	r.lat_max_ns = lat[n - 1];
	r.lat_mean_ns = sum / n;
}

}  // namespace rdbench

namespace {

using namespace rdbench;

// The in-kernel mechanisms, by uapi id.
const char* const kernel_mechs[RUNDOWN_BENCH_NR_MECHS] = {
	"rundown", "rundown_pcpu", "percpu_ref", "srcu", "srcu_exp",
	"rcu", "rcu_exp", "rwsem", "percpu_rwsem", "refcount",
};
const char* const workload_names[] = {"read", "teardown", "replace"};

std::vector<std::string> split(const std::string& s)
{
	std::vector<std::string> v;
	std::stringstream ss(s);
	for (std::string x; std::getline(ss, x, ',');)
		if (!x.empty())
			v.push_back(x);
	return v;
}

int kernel_id(const std::string& name)
{
	for (int i = 0; i < RUNDOWN_BENCH_NR_MECHS; i++)
		if (name == kernel_mechs[i])
			return i;
	return -1;
}

int run_kernel(int fd, int mech, const params& p, result& r)
{
	rundown_ioc_bench b;
	std::memset(&b, 0, sizeof(b));
	b.mech = std::uint32_t(mech);
	b.workload = std::uint32_t(p.wl);
	b.threads = p.threads;
	b.duration_ms = p.duration_ms;
	b.cs_ns = p.cs_ns;
	b.samples = p.wl == workload::read ? 0 : p.samples;
	b.period_us = p.wl == workload::read ? 0 : p.period_us;
	if (ioctl(fd, RUNDOWN_IOC_BENCH, &b) < 0)
		return -errno;
	r.ops = b.ops;
	r.refused = b.refused;
	r.bad = b.bad;
	r.elapsed_ns = b.elapsed_ns;
	r.reader_ns = b.reader_ns;
	r.replacements = b.replacements;
	r.samples_done = b.samples_done;
	r.lat_min_ns = b.lat_min_ns;
	r.lat_p50_ns = b.lat_p50_ns;
	r.lat_p99_ns = b.lat_p99_ns;
	r.lat_max_ns = b.lat_max_ns;
	r.lat_mean_ns = b.lat_mean_ns;
	r.nr_cpus = b.nr_cpus;
	return 0;
}

void usage()
{
	std::fprintf(stderr,
		"usage: rundown_bench [--kernel] [--mechs a,b|all] [--workloads read,teardown,replace]\n"
		"         [--threads 1,2,4] [--duration-ms N] [--cs-ns N] [--samples N]\n"
		"         [--period-us N] [--readers-teardown N] [--env NAME] [--json FILE] [--list]\n");
	std::exit(2);
}

void list(bool kernel, FILE* f)
{
	std::fprintf(f, "valid mechanisms%s:", kernel ? " (--kernel)" : "");
	if (kernel)
		for (auto m : kernel_mechs)
			std::fprintf(f, " %s", m);
	else
		for (auto& [name, r] : registry())
			std::fprintf(f, " %s", name.c_str());
	std::fprintf(f, "\n");
}

}  // namespace

int main(int argc, char** argv)
{
	bool kernel = false;
	std::string mechs = "all", wls = "read,teardown,replace", threads, env = "host", json;
	params base;
	base.duration_ms = 1000;
	base.samples = 1000;
	base.period_us = 100;
	unsigned teardown_readers = 0;  // 0: the largest thread count

	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		auto val = [&]() -> std::string {
			if (i + 1 >= argc)
				usage();
			return argv[++i];
		};
		auto num = [&]() { return unsigned(std::strtoul(val().c_str(), nullptr, 0)); };
		if (a == "--kernel")
			kernel = true;
		else if (a == "--mechs")
			mechs = val();
		else if (a == "--workloads")
			wls = val();
		else if (a == "--threads")
			threads = val();
		else if (a == "--duration-ms")
			base.duration_ms = num();
		else if (a == "--cs-ns")
			base.cs_ns = num();
		else if (a == "--samples")
			base.samples = num();
		else if (a == "--period-us")
			base.period_us = num();
		else if (a == "--readers-teardown")
			teardown_readers = num();
		else if (a == "--env")
			env = val();
		else if (a == "--json")
			json = val();
		else if (a == "--list") {
			list(false, stdout);
			list(true, stdout);
			return 0;
		} else
			usage();
	}

	std::vector<std::string> mech_list;
	if (mechs == "all") {
		if (kernel)
			mech_list.assign(std::begin(kernel_mechs), std::end(kernel_mechs));
		else
			for (auto& [name, r] : registry())
				if (name.rfind("kernel_", 0) != 0 || rundown::kernel::available())
					mech_list.push_back(name);
	} else {
		mech_list = split(mechs);
	}
	for (auto& m : mech_list) {
		if (kernel ? kernel_id(m) < 0 : !registry().count(m)) {
			std::fprintf(stderr, "rundown_bench: unknown mechanism '%s'\n", m.c_str());
			list(kernel, stderr);
			return 2;
		}
	}
	// rundown first: the tables' ratios are against it.
	std::stable_partition(mech_list.begin(), mech_list.end(),
			      [](const std::string& s) { return s == "rundown"; });

	std::vector<unsigned> tlist;
	if (threads.empty()) {
		unsigned n = unsigned(online_cpus().size());
		for (unsigned t = 1; t <= 2 * n; t = t < n ? t * 2 > n ? n : t * 2 : t + n)
			tlist.push_back(t);
	} else {
		for (auto& t : split(threads))
			tlist.push_back(unsigned(std::strtoul(t.c_str(), nullptr, 0)));
	}
	const unsigned maxt = *std::max_element(tlist.begin(), tlist.end());
	if (!teardown_readers)
		teardown_readers = maxt;

	int fd = -1;
	if (kernel) {
		fd = open("/dev/rundown", O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			std::perror("rundown_bench: /dev/rundown");
			return 1;
		}
	}
	FILE* jf = nullptr;
	if (!json.empty() && !(jf = std::fopen(json.c_str(), "a"))) {
		std::perror(json.c_str());
		return 1;
	}

	// The runs: read at every thread count; teardown with no readers and
	// with teardown_readers; replace at every thread count.
	struct job {
		std::string mech;
		params p;
	};
	std::vector<job> jobs;
	for (auto& w : split(wls)) {
		for (auto& m : mech_list) {
			params p = base;
			if (w == "read") {
				p.wl = workload::read;
				for (auto t : tlist) {
					p.threads = t;
					jobs.push_back({m, p});
				}
			} else if (w == "teardown") {
				p.wl = workload::teardown;
				for (unsigned t : {0u, teardown_readers}) {
					p.threads = t;
					jobs.push_back({m, p});
				}
			} else if (w == "replace") {
				p.wl = workload::replace;
				for (auto t : tlist) {
					p.threads = t;
					jobs.push_back({m, p});
				}
			} else {
				std::fprintf(stderr, "rundown_bench: unknown workload '%s' (read, teardown, replace)\n",
					     w.c_str());
				return 2;
			}
		}
	}

	int failed = 0;
	const char* side = kernel ? "kernel" : "user";
	for (std::size_t i = 0; i < jobs.size(); i++) {
		const job& j = jobs[i];
		const char* wl = workload_names[unsigned(j.p.wl)];
		std::fprintf(stderr, "[%zu/%zu] %s %s %s threads=%u ...\n", i + 1, jobs.size(), side,
			     j.mech.c_str(), wl, j.p.threads);
		result r;
		int err = 0;
		if (kernel) {
			err = run_kernel(fd, kernel_id(j.mech), j.p, r);
		} else {
			try {
				r = registry()[j.mech](j.p);
			} catch (const std::exception& e) {
				std::fprintf(stderr, "rundown_bench: %s: %s\n", j.mech.c_str(), e.what());
				err = -ENODEV;
			}
		}
		if (err) {
			std::fprintf(stderr, "rundown_bench: %s %s: %s\n", j.mech.c_str(), wl, std::strerror(-err));
			std::printf("FAILED side=%s env=%s mech=%s workload=%s threads=%u err=%d\n", side,
				    env.c_str(), j.mech.c_str(), wl, j.p.threads, -err);
			failed++;
			continue;
		}
		const double ns_per_op = r.ops ? double(r.reader_ns) / double(r.ops) : 0;
		const double mops = r.elapsed_ns ? double(r.ops) * 1e3 / double(r.elapsed_ns) : 0;
		const double rate = r.elapsed_ns ? double(r.replacements) * 1e9 / double(r.elapsed_ns) : 0;
		char line[1024];
		std::snprintf(line, sizeof(line),
			"side=%s env=%s mech=%s workload=%s threads=%u cpus=%u duration_ms=%u cs_ns=%u "
			"samples=%u period_us=%u ops=%llu refused=%llu bad=%llu elapsed_ns=%llu "
			"reader_ns=%llu ns_per_op=%.3f mops=%.3f replacements=%llu rate_per_s=%.1f "
			"samples_done=%llu lat_min_ns=%llu lat_p50_ns=%llu lat_p99_ns=%llu "
			"lat_max_ns=%llu lat_mean_ns=%llu",
			side, env.c_str(), j.mech.c_str(), wl, j.p.threads, r.nr_cpus, j.p.duration_ms,
			j.p.cs_ns, j.p.wl == workload::read ? 0 : j.p.samples,
			j.p.wl == workload::read ? 0 : j.p.period_us, (unsigned long long)r.ops,
			(unsigned long long)r.refused, (unsigned long long)r.bad,
			(unsigned long long)r.elapsed_ns, (unsigned long long)r.reader_ns, ns_per_op,
			mops, (unsigned long long)r.replacements, rate,
			(unsigned long long)r.samples_done, (unsigned long long)r.lat_min_ns,
			(unsigned long long)r.lat_p50_ns, (unsigned long long)r.lat_p99_ns,
			(unsigned long long)r.lat_max_ns, (unsigned long long)r.lat_mean_ns);
		std::printf("SUMMARY %s\n", line);
		std::fflush(stdout);
		if (jf) {
			// key=value -> {"key":value}; strings quoted.
			std::string o = "{";
			std::stringstream ss(line);
			bool first = true;
			for (std::string kv; ss >> kv;) {
				auto eq = kv.find('=');
				std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
				bool str = k == "side" || k == "env" || k == "mech" || k == "workload";
				o += (first ? "\"" : ",\"") + k + "\":" + (str ? "\"" + v + "\"" : v);
				first = false;
			}
			std::fprintf(jf, "%s}\n", o.c_str());
			std::fflush(jf);
		}
	}
	if (jf)
		std::fclose(jf);
	if (fd >= 0)
		close(fd);
	return failed ? 1 : 0;
}
