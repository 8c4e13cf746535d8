// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// rundown_bench: rundown against RCU, locks and reference counts.
//
//   rundown_bench [--kernel] [--mechs a,b|all] [--workloads read,handoff,...]
//                 [--threads 1,2,4] [--readers N] [--duration-ms N] [--cs-ns N]
//                 [--samples N] [--period-us N] [--objects N] [--hold-us N]
//                 [--reps N] [--oversubscribe] [--env NAME] [--json FILE]
//                 [--list] [--version]
//
// Without --kernel the workloads run here with threads over the userspace
// mechanisms (the shim, liburcu, std::shared_mutex, pthread_rwlock, an
// atomic count, the "none" baseline, and the kernel object through
// /dev/rundown when it is there). With --kernel each result comes from
// RUNDOWN_IOC_BENCH: the same workloads run by kthreads inside the kernel
// (root, rundown.ko loaded).
//
// Every point runs once as a warm-up (a quarter of the duration, not
// reported), then --reps times. Each result is one "SUMMARY key=value ..."
// line on stdout (liburcu's benchmarks' convention): every value is the
// median over the repetitions (ns per op: over those that did operations;
// latencies: over those that took samples)
// except bad (their sum), refused_max, lat_min_ns and lat_max_ns (the
// extremes), and the *_min/*_max spreads. With --json, one
// JSON object per line, with the repetitions' own values in *_reps arrays.
// A workload the mechanism cannot run gives a "SKIPPED" line, a run that
// failed a "FAILED" line. Progress goes to stderr. An unknown mechanism
// lists the valid names.
//
// Placement (bench.hpp): read runs 1..CPUs threads, handoff 2..CPUs (in
// pairs), teardown and replace the owner alone on one CPU and at most
// CPUs-1 readers, isolation and batch the owner (and the holder). More
// threads than that only with --oversubscribe, labelled placement=
// oversubscribed.
#include "bench.hpp"

#include <rundown/kernel.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/rundown.h>

namespace rdbench {

std::map<std::string, mech_entry>& registry()
{
	static std::map<std::string, mech_entry> r;
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

void sleep_us(unsigned us) noexcept
{
	timespec ts{time_t(us / 1000000), long(us % 1000000) * 1000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

void pause_us(unsigned us) noexcept
{
	if (us)
		sleep_us(us);
}

std::uint64_t clock_cost() noexcept
{
	std::uint64_t d[255];
	for (auto& x : d) {
		const std::uint64_t t0 = now_ns();
		x = now_ns() - t0;
	}
	std::sort(std::begin(d), std::end(d));
	return d[127];
}

void latency_stats(result& r, std::vector<std::uint64_t>& lat, std::vector<std::uint64_t>& enq)
{
	r.samples_done = lat.size();
	if (lat.empty())
		return;
	std::sort(lat.begin(), lat.end());
	std::sort(enq.begin(), enq.end());
	std::uint64_t sum = 0;
	for (auto v : lat)
		sum += v;
	const std::size_t n = lat.size();
	r.lat_min_ns = lat[0];
	r.lat_p50_ns = lat[(n - 1) / 2];
	r.lat_p99_ns = lat[(n - 1) * 99 / 100];
	r.lat_max_ns = lat[n - 1];
	r.lat_mean_ns = sum / n;
	r.enqueue_ns = enq[(n - 1) / 2];
}

}  // namespace rdbench

namespace {

using namespace rdbench;

// The in-kernel mechanisms, by uapi id.
const char* const kernel_mechs[RUNDOWN_BENCH_NR_MECHS] = {
	"rundown", "rundown_pcpu", "percpu_ref",   "srcu",     "srcu_exp", "rcu",
	"rcu_exp", "rwsem",        "percpu_rwsem", "refcount", "none",     "call_rcu",
	"rundown_pcpu_many", "rundown_ptr",  "rundown_ptr_pcpu",
};
static_assert(kNrWorkloads == RUNDOWN_BENCH_NR_WORKLOADS);

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

int workload_id(const std::string& name)
{
	for (unsigned i = 0; i < kNrWorkloads; i++)
		if (name == kWorkloadNames[i])
			return int(i);
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
	b.samples = p.samples;
	b.period_us = p.period_us;
	b.objects = p.objects;
	b.hold_us = p.hold_us;
	b.flags = p.oversubscribe ? RUNDOWN_BENCH_OVERSUBSCRIBE : 0;
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
	r.clock_ns = b.clock_ns;
	r.enqueue_ns = b.enqueue_ns;
	r.nr_cpus = b.nr_cpus;
	return 0;
}

[[noreturn]] void usage()
{
	std::fprintf(stderr,
		"usage: rundown_bench [--kernel] [--mechs a,b|all] [--workloads read,handoff,teardown,...]\n"
		"         [--threads 1,2,4] [--readers N] [--duration-ms N] [--cs-ns N] [--samples N]\n"
		"         [--period-us N] [--objects N] [--hold-us N] [--reps N] [--oversubscribe]\n"
		"         [--env NAME] [--json FILE] [--list] [--version]\n");
	std::exit(2);
}

void list(bool kernel, FILE* f)
{
	std::fprintf(f, "valid mechanisms%s:", kernel ? " (--kernel)" : "");
	if (kernel)
		for (auto m : kernel_mechs)
			std::fprintf(f, " %s", m);
	else
		for (auto& [name, e] : registry())
			std::fprintf(f, " %s", name.c_str());
	std::fprintf(f, "\nworkloads:");
	for (auto w : kWorkloadNames)
		std::fprintf(f, " %s", w);
	std::fprintf(f, "\n");
}

double ns_per_op(const result& r) { return r.ops ? double(r.reader_ns) / double(r.ops) : 0; }
double mops(const result& r) { return r.elapsed_ns ? double(r.ops) * 1e3 / double(r.elapsed_ns) : 0; }
double rate(const result& r)
{
	return r.elapsed_ns ? double(r.replacements) * 1e9 / double(r.elapsed_ns) : 0;
}

double median(std::vector<double> v)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	const std::size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// One field over the repetitions.
template <class F>
std::vector<double> field(const std::vector<result>& reps, F f)
{
	std::vector<double> v;
	for (auto& r : reps)
		v.push_back(double(f(r)));
	return v;
}

unsigned long long med_u(const std::vector<result>& reps, std::uint64_t result::*m)
{
	return (unsigned long long)(median(field(reps, [m](const result& r) { return r.*m; })) + 0.5);
}

// The repetitions where @m is non-zero; all of them if none is.
std::vector<result> subset(const std::vector<result>& reps, std::uint64_t result::*m)
{
	std::vector<result> v;
	for (auto& r : reps)
		if (r.*m)
			v.push_back(r);
	return v.empty() ? reps : v;
}

std::string fmt_list(const std::vector<double>& v, const char* f)
{
	std::string s = "[";
	char b[64];
	for (std::size_t i = 0; i < v.size(); i++) {
		std::snprintf(b, sizeof(b), f, v[i]);
		s += (i ? "," : "") + std::string(b);
	}
	return s + "]";
}

struct job {
	std::string mech;
	params p;
};

}  // namespace

int main(int argc, char** argv)
{
	bool kernel = false;
	std::string mechs = "all", wls = "read,handoff,teardown,replace,isolation,batch", threads,
		    env = "host", json;
	params base;
	base.duration_ms = 200;
	base.samples = 1000;
	base.period_us = 100;
	base.objects = 1000;
	base.hold_us = 10000;
	unsigned reps = 5;
	int readers = -1;  // -1: CPUs - 1

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
		else if (a == "--readers")
			readers = int(num());
		else if (a == "--duration-ms")
			base.duration_ms = num();
		else if (a == "--cs-ns")
			base.cs_ns = num();
		else if (a == "--samples")
			base.samples = num();
		else if (a == "--period-us")
			base.period_us = num();
		else if (a == "--objects")
			base.objects = num();
		else if (a == "--hold-us")
			base.hold_us = num();
		else if (a == "--reps")
			reps = num();
		else if (a == "--oversubscribe")
			base.oversubscribe = true;
		else if (a == "--env")
			env = val();
		else if (a == "--json")
			json = val();
		else if (a == "--list") {
			list(false, stdout);
			list(true, stdout);
			return 0;
		} else if (a == "--version") {
#if defined(__clang__)
			std::printf("clang %s\n", __clang_version__);
#elif defined(__GNUC__)
			std::printf("gcc %s\n", __VERSION__);
#endif
			return 0;
		} else
			usage();
	}
	if (!reps || !base.duration_ms || !base.samples || !base.objects || !base.hold_us) {
		std::fprintf(stderr, "rundown_bench: --reps, --duration-ms, --samples, --objects and "
				     "--hold-us must be positive\n");
		return 2;
	}

	std::vector<std::string> mech_list;
	if (mechs == "all") {
		if (kernel)
			mech_list.assign(std::begin(kernel_mechs), std::end(kernel_mechs));
		else
			for (auto& [name, e] : registry())
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
	// The baseline first, then rundown's variants: the tables read in that order.
	auto rank = [](const std::string& s) {
		static const char* const first[] = {"none",        "rundown",          "rundown_pcpu",
						    "rundown_ptr", "rundown_ptr_pcpu", "kernel_rundown",
						    "kernel_rundown_pcpu"};
		constexpr int n = int(std::size(first));
		for (int i = 0; i < n; i++)
			if (s == first[i])
				return i;
		return n;
	};
	std::stable_sort(mech_list.begin(), mech_list.end(),
			 [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });

	// Thread counts, within the CPUs unless oversubscribing.
	const unsigned n = unsigned(online_cpus().size());
	const bool over = base.oversubscribe;
	std::vector<unsigned> tlist, hlist;
	if (threads.empty()) {
		for (unsigned t = 1; t < n; t *= 2)
			tlist.push_back(t);
		tlist.push_back(n);
	} else {
		for (auto& t : split(threads))
			tlist.push_back(unsigned(std::strtoul(t.c_str(), nullptr, 0)));
	}
	for (unsigned t = 2; t <= n; t *= 2)
		hlist.push_back(t);
	if (n >= 2 && n % 2 == 0 && hlist.back() != n)
		hlist.push_back(n);
	if (hlist.empty() && over)
		hlist.push_back(2);
	const unsigned r = readers < 0 ? n - 1 : unsigned(readers);
	for (unsigned t : tlist) {
		if (!t || (t > n && !over)) {
			std::fprintf(stderr, "rundown_bench: %u read threads on %u CPUs: 1..%u, or --oversubscribe (BENCH_OVERSUBSCRIBE=1)\n",
				     t, n, n);
			return 2;
		}
	}
	if (r > n - 1 && !over) {
		std::fprintf(stderr, "rundown_bench: %u readers beside the owner on %u CPUs: at most %u, "
				     "or --oversubscribe (BENCH_OVERSUBSCRIBE=1)\n", r, n, n - 1);
		return 2;
	}

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

	// The runs, workload by workload.
	std::vector<job> jobs;
	for (auto& w : split(wls)) {
		const int wid = workload_id(w);
		if (wid < 0) {
			std::fprintf(stderr, "rundown_bench: unknown workload '%s'\n", w.c_str());
			list(kernel, stderr);
			return 2;
		}
		for (auto& m : mech_list) {
			params p = base;
			p.wl = workload(wid);
			if (p.wl != workload::batch)
				p.objects = 0;
			if (p.wl != workload::isolation)
				p.hold_us = 0;
			if (p.wl == workload::read || p.wl == workload::handoff)
				p.samples = p.period_us = 0;
			auto add = [&](unsigned t, unsigned period) {
				params q = p;
				q.threads = t;
				if (q.wl != workload::read && q.wl != workload::handoff)
					q.period_us = period;
				jobs.push_back({m, q});
			};
			switch (p.wl) {
			case workload::read:
				for (auto t : tlist)
					add(t, 0);
				break;
			case workload::handoff:
				for (auto t : hlist)
					add(t, 0);
				break;
			case workload::teardown:
				add(0, base.period_us);
				if (r)
					add(r, base.period_us);
				break;
			case workload::replace:
				// Period 0: the rate is the mechanism's; then with a pause.
				if (r) {
					add(r, 0);
					if (base.period_us)
						add(r, base.period_us);
				}
				break;
			case workload::isolation:
				if (n >= 2 || over)
					add(0, base.period_us);
				break;
			case workload::batch:
				add(0, 0);
				break;
			}
		}
	}

	int failed = 0;
	const char* side = kernel ? "kernel" : "user";
	for (std::size_t i = 0; i < jobs.size(); i++) {
		const job& j = jobs[i];
		const char* wl = kWorkloadNames[unsigned(j.p.wl)];
		std::fprintf(stderr, "[%zu/%zu] %s %s %s threads=%u period_us=%u ...\n", i + 1, jobs.size(),
			     side, j.mech.c_str(), wl, j.p.threads, j.p.period_us);
		if (!kernel && !(registry()[j.mech].workloads & bit(j.p.wl))) {
			std::printf("SKIPPED side=%s env=%s mech=%s workload=%s reason=unsupported\n", side,
				    env.c_str(), j.mech.c_str(), wl);
			continue;
		}
		// The warm-up, then the repetitions.
		std::vector<result> res;
		int err = 0;
		for (unsigned k = 0; k <= reps && !err; k++) {
			params q = j.p;
			if (k == 0) {
				q.duration_ms = std::max(1u, q.duration_ms / 4);
				q.samples = q.samples ? std::max(1u, q.samples / 4) : 0;
			}
			result one;
			if (kernel) {
				err = run_kernel(fd, kernel_id(j.mech), q, one);
			} else {
				try {
					one = registry()[j.mech].run(q);
				} catch (const std::exception& e) {
					std::fprintf(stderr, "rundown_bench: %s: %s\n", j.mech.c_str(), e.what());
					err = -ENODEV;
				}
			}
			if (k)
				res.push_back(one);
		}
		if (err == -EOPNOTSUPP) {
			std::printf("SKIPPED side=%s env=%s mech=%s workload=%s reason=unsupported\n", side,
				    env.c_str(), j.mech.c_str(), wl);
			continue;
		}
		if (err) {
			std::fprintf(stderr, "rundown_bench: %s %s: %s\n", j.mech.c_str(), wl, std::strerror(-err));
			std::printf("FAILED side=%s env=%s mech=%s workload=%s threads=%u period_us=%u err=%d\n",
				    side, env.c_str(), j.mech.c_str(), wl, j.p.threads, j.p.period_us, -err);
			failed++;
			continue;
		}
		// The cost per operation over the repetitions that did any (a
		// thread that never ran has no cost, not a zero one); latencies
		// over those that took samples.
		const auto opr = subset(res, &result::ops), lr = subset(res, &result::samples_done);
		const auto npo = field(opr, ns_per_op), mo = field(res, mops), rt = field(res, rate);
		const auto p50 = field(lr, [](const result& x) { return x.lat_p50_ns; });
		unsigned long long bad = 0, rmax = 0, lmin = 0, lmax = 0;
		bool sampled = false;
		for (auto& x : res) {
			bad += x.bad;
			rmax = std::max<unsigned long long>(rmax, x.refused);
			if (x.samples_done) {
				lmin = sampled ? std::min<unsigned long long>(lmin, x.lat_min_ns) : x.lat_min_ns;
				sampled = true;
			}
			lmax = std::max<unsigned long long>(lmax, x.lat_max_ns);
		}
		// Threads that need a CPU of their own: the readers, the owner, the holder.
		const unsigned nr_cpus = res[0].nr_cpus;
		const unsigned need = j.p.wl == workload::read || j.p.wl == workload::handoff ? j.p.threads :
				      j.p.wl == workload::isolation ? 2 : j.p.threads + 1;
		const bool oversub = need > nr_cpus;
		char line[2048];
		std::snprintf(line, sizeof(line),
			"side=%s env=%s mech=%s workload=%s threads=%u cpus=%u placement=%s duration_ms=%u "
			"cs_ns=%u samples=%u period_us=%u objects=%u hold_us=%u reps=%u ops=%llu refused=%llu "
			"refused_max=%llu bad=%llu elapsed_ns=%llu reader_ns=%llu ns_per_op=%.3f ns_per_op_min=%.3f "
			"ns_per_op_max=%.3f mops=%.3f mops_min=%.3f mops_max=%.3f replacements=%llu "
			"rate_per_s=%.1f rate_min=%.1f rate_max=%.1f samples_done=%llu lat_min_ns=%llu "
			"lat_p50_ns=%llu lat_p50_min_ns=%.0f lat_p50_max_ns=%.0f lat_p99_ns=%llu "
			"lat_max_ns=%llu lat_mean_ns=%llu clock_ns=%llu enqueue_ns=%llu",
			side, env.c_str(), j.mech.c_str(), wl, j.p.threads, nr_cpus,
			oversub ? "oversubscribed" : "pinned", j.p.duration_ms, j.p.cs_ns, j.p.samples,
			j.p.period_us, j.p.objects, j.p.hold_us, reps, med_u(res, &result::ops),
			med_u(res, &result::refused), rmax, bad, med_u(res, &result::elapsed_ns),
			med_u(res, &result::reader_ns), median(npo), *std::min_element(npo.begin(), npo.end()),
			*std::max_element(npo.begin(), npo.end()), median(mo),
			*std::min_element(mo.begin(), mo.end()), *std::max_element(mo.begin(), mo.end()),
			med_u(res, &result::replacements), median(rt), *std::min_element(rt.begin(), rt.end()),
			*std::max_element(rt.begin(), rt.end()), med_u(res, &result::samples_done),
			lmin,
			med_u(lr, &result::lat_p50_ns), *std::min_element(p50.begin(), p50.end()),
			*std::max_element(p50.begin(), p50.end()), med_u(lr, &result::lat_p99_ns), lmax,
			med_u(lr, &result::lat_mean_ns), med_u(res, &result::clock_ns),
			med_u(lr, &result::enqueue_ns));
		std::printf("SUMMARY %s\n", line);
		std::fflush(stdout);
		if (jf) {
			// key=value -> {"key":value}; strings quoted; the repetitions.
			std::string o = "{\"type\":\"result\"";
			std::stringstream ss(line);
			for (std::string kv; ss >> kv;) {
				auto eq = kv.find('=');
				std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
				static const std::set<std::string> str = {"side", "env", "mech", "workload",
									  "placement"};
				o += ",\"" + k + "\":" + (str.count(k) ? "\"" + v + "\"" : v);
			}
			o += ",\"ns_per_op_reps\":" + fmt_list(npo, "%.3f") + ",\"mops_reps\":" +
			     fmt_list(mo, "%.3f") + ",\"rate_reps\":" + fmt_list(rt, "%.1f") +
			     ",\"lat_p50_reps\":" + fmt_list(p50, "%.0f");
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
