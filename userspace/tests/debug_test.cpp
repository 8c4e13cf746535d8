// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// RUNDOWN_DEBUG=stall=SECONDS[,track]: stalled-wait reports on stderr and
// holder records. The library reads the variable once, at load, so every
// case runs rundown_debug_probe (debug_probe.cpp) in a fresh process with
// the variable set and reads its stderr; the probe's holders release only
// when this side has read a whole report, so no case depends on timing
// beyond the stall itself (0.3 s).

#include "test_util.hpp"

#include <rundown/detail/core.hpp>
#include <rundown/rundown.hpp>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <regex>
#include <signal.h>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace rundown_test {

namespace {

// The last line of every report.
constexpr const char* k_report_end = "rundown:   the wait goes on; this is reported once per wait\n";

struct run_result {
	int status = -1;  // waitpid's
	bool timed_out = false;
	std::string out, err;
	bool ok() const { return !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0; }
};

std::ostream& operator<<(std::ostream& os, const run_result& r)
{
	return os << "status " << r.status << (r.timed_out ? " (timed out)" : "") << "\n--- stdout:\n"
		  << r.out << "--- stderr:\n"
		  << r.err;
}

std::size_t count(const std::string& s, const std::string& sub)
{
	std::size_t n = 0;
	for (std::size_t at = s.find(sub); at != std::string::npos; at = s.find(sub, at + sub.size()))
		++n;
	return n;
}

bool has(const std::string& s, const std::string& sub) { return s.find(sub) != std::string::npos; }

// Runs the probe with @args and RUNDOWN_DEBUG=@debug (nullptr: unset),
// writing one byte to its stdin for each report it has printed.
run_result run_debug_probe(const std::vector<std::string>& args, const char* debug)
{
	run_result r;
	const std::string path = sibling_binary("rundown_debug_probe");
	// Everything the child needs, before fork().
	std::vector<std::string> env_strings;
	for (char** e = environ; *e; ++e)
		if (std::strncmp(*e, "RUNDOWN_DEBUG=", 14) != 0)
			env_strings.emplace_back(*e);
	if (debug)
		env_strings.push_back(std::string("RUNDOWN_DEBUG=") + debug);
	std::vector<char*> envp, argv;
	for (std::string& s : env_strings)
		envp.push_back(s.data());
	envp.push_back(nullptr);
	std::vector<std::string> arg_strings{path};
	arg_strings.insert(arg_strings.end(), args.begin(), args.end());
	for (std::string& s : arg_strings)
		argv.push_back(s.data());
	argv.push_back(nullptr);

	int in[2], out[2], err[2];
	// stdin is a socket: send() with MSG_NOSIGNAL, no SIGPIPE if it died.
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
	    pipe2(err, O_CLOEXEC) != 0)
		return r;
	const pid_t pid = fork();
	if (pid == 0) {
		dup2(in[1], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		execve(path.c_str(), argv.data(), envp.data());
		_exit(127);
	}
	close(in[1]);
	close(out[1]);
	close(err[1]);
	pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
	std::string* text[2] = {&r.out, &r.err};
	std::size_t sent = 0;
	for (int open = 2; open > 0;) {
		// A minute without output is a hang (the reports come within
		// a second; a sanitizer build is slower, not that slow).
		const int ready = poll(fds, 2, 60000);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0) {
			kill(pid, SIGKILL);
			r.timed_out = true;
			break;
		}
		for (int i = 0; i < 2; ++i) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			char buf[4096];
			const ssize_t n = read(fds[i].fd, buf, sizeof(buf));
			if (n > 0) {
				text[i]->append(buf, static_cast<std::size_t>(n));
			} else if (n == 0 || errno != EINTR) {
				close(fds[i].fd);
				fds[i].fd = -1;
				--open;
			}
		}
		for (const std::size_t reports = count(r.err, k_report_end); sent < reports; ++sent)
			(void)send(in[0], "x", 1, MSG_NOSIGNAL);
	}
	for (const pollfd& f : fds)
		if (f.fd >= 0)
			close(f.fd);
	close(in[0]);
	waitpid(pid, &r.status, 0);
	return r;
}

// The reports in @err, each from its first line to its last.
std::vector<std::string> reports_in(const std::string& err)
{
	std::vector<std::string> all;
	for (std::size_t at = err.find("rundown: wait stalled:"); at != std::string::npos;
	     at = err.find("rundown: wait stalled:", at + 1)) {
		const std::size_t end = err.find(k_report_end, at);
		all.push_back(err.substr(at, end == std::string::npos ? std::string::npos
								       : end + std::strlen(k_report_end) - at));
	}
	return all;
}

// The value after "@key" in the probe's stdout, up to a space or newline.
std::string value(const std::string& out, const std::string& key)
{
	const std::size_t at = out.find(key);
	if (at == std::string::npos)
		return "(no " + key + ")";
	const std::size_t from = at + key.size();
	return out.substr(from, out.find_first_of(" \n", from) - from);
}

// The line of @report that starts with @head and the frame lines under it.
std::string block(const std::string& report, const std::string& head)
{
	const std::size_t at = report.find(head);
	if (at == std::string::npos)
		return {};
	std::size_t end = report.find('\n', at);
	while (end != std::string::npos && report.compare(end + 1, 13, "rundown:     ") == 0)
		end = report.find('\n', end + 1);
	return report.substr(at, end == std::string::npos ? std::string::npos : end + 1 - at);
}

// The lines of @report about holder thread @tid: its line and its frames.
std::string holder(const std::string& report, const std::string& tid)
{
	return block(report, "rundown:   holder: thread " + tid + " (");
}

// The frames the report lists under "waiting in:" (the waiter's stack).
std::string waiting_in(const std::string& report) { return block(report, "rundown:   waiting in:\n"); }

// The report's first line: "rundown: wait stalled: thread T (name) has
// waited S s for TYPE OBJ (VARIANT): HELD".
void expect_header(const std::string& report, const run_result& r, const std::string& what)
{
	const std::string line = report.substr(0, report.find('\n') + 1);
	EXPECT_EQ(line.rfind("rundown: wait stalled: thread " + value(r.out, "waiter=") + " (", 0), 0U) << line;
	EXPECT_TRUE(has(line, what)) << "want \"" << what << "\" in: " << line;
	std::smatch m;
	ASSERT_TRUE(std::regex_search(line, m, std::regex(" has waited ([0-9]+\\.[0-9]) s for "))) << line;
	EXPECT_GE(std::stod(m[1].str()), 0.3) << "reported before the stall time: " << line;
}

// Every line on stderr belongs to a report (nothing else, nothing twice).
void expect_only_reports(const run_result& r, std::size_t n)
{
	const std::vector<std::string> all = reports_in(r.err);
	EXPECT_EQ(all.size(), n) << r;
	std::string joined;
	for (const std::string& s : all)
		joined += s;
	EXPECT_EQ(joined, r.err) << "stderr holds more than the reports";
}

// The probe ended well and its stderr holds @n whole reports and nothing
// else: the reports.
std::vector<std::string> only_reports(const run_result& r, std::size_t n)
{
	EXPECT_TRUE(r.ok()) << r;
	expect_only_reports(r, n);
	return reports_in(r.err);
}

constexpr const char* k_track = "stall=0.3,track";
constexpr const char* k_no_track = "stall=0.3";
constexpr const char* k_how_to_track =
	"rundown:   holders are not tracked: run with RUNDOWN_DEBUG=stall=0.3,track to record them\n";

std::string pcpu_protocol() { return std::string(rundown_pcpu_protocol()) + " protocol"; }

}  // namespace

TEST(Debug, PlainStallReportsItsHoldersAndTheWaitReturns)
{
	const run_result r = run_debug_probe({"plain"}, k_track);
	const std::vector<std::string> reports = only_reports(r, 2);
	ASSERT_EQ(reports.size(), 2U) << r;
	const std::string obj = value(r.out, "obj=");
	expect_header(reports[0], r, " for rundown_ref " + obj + " (plain, tracked): 3 references held\n");
	const std::string one = holder(reports[0], value(r.out, "holder one="));
	const std::string two = holder(reports[0], value(r.out, "holder two="));
	EXPECT_TRUE(has(one, ", 1 reference, acquired ")) << reports[0];
	EXPECT_TRUE(has(one, "leaky_acquire_one")) << "the acquiring function is not in the backtrace:\n" << one;
	EXPECT_TRUE(has(two, ", 2 references, acquired ")) << reports[0];
	EXPECT_TRUE(has(two, "leaky_acquire_two")) << "the C API's caller is not in the backtrace:\n" << two;
	EXPECT_EQ(count(reports[0], "rundown:   holder: "), 2U) << reports[0];
	EXPECT_TRUE(has(waiting_in(reports[0]), "rundown_probe::plain()"))
		<< "the waiting function is not in the waiter's backtrace:\n" << reports[0];
	// The second run-down: the first holders' records went with their
	// releases (made on another thread), the new holder is there.
	expect_header(reports[1], r, " for rundown_ref " + obj + " (plain, tracked): 1 reference held\n");
	EXPECT_TRUE(has(holder(reports[1], value(r.out, "holder late=")), "late_acquire")) << reports[1];
	EXPECT_EQ(count(reports[1], "rundown:   holder: "), 1U) << reports[1];
	EXPECT_FALSE(has(reports[1], "leaky_acquire")) << "a released holder's record stayed:\n" << reports[1];
	EXPECT_EQ(count(r.out, "returned\n"), 2U) << r;
}

TEST(Debug, PlainStallWithoutTrackingSaysHowToTrack)
{
	const run_result r = run_debug_probe({"plain"}, k_no_track);
	const std::vector<std::string> reports = only_reports(r, 2);
	ASSERT_EQ(reports.size(), 2U) << r;
	expect_header(reports[0], r, " for rundown_ref " + value(r.out, "obj=") + " (plain): 3 references held\n");
	EXPECT_TRUE(has(reports[0], k_how_to_track)) << reports[0];
	EXPECT_TRUE(has(waiting_in(reports[0]), "rundown_probe::plain()")) << reports[0];
	EXPECT_FALSE(has(r.err, "holder:")) << r.err;
	EXPECT_EQ(count(r.out, "returned\n"), 2U) << r;
}

TEST(Debug, PcpuStallReportsItsHoldersAndTheWaitReturns)
{
	const run_result r = run_debug_probe({"pcpu"}, k_track);
	const std::vector<std::string> reports = only_reports(r, 1);
	ASSERT_EQ(reports.size(), 1U) << r;
	// Tracked objects run the locked protocol: the count is known once
	// the waiter's sweep handed it over, which it did before sleeping.
	expect_header(reports[0], r,
		      " for rundown_pcpu " + value(r.out, "obj=") +
			      " (cache-aware, locked protocol, tracked): 2 references held\n");
	const std::string h = holder(reports[0], value(r.out, "holder pcpu="));
	EXPECT_TRUE(has(h, ", 2 references, acquired ")) << reports[0];
	EXPECT_TRUE(has(h, "leaky_pcpu_acquire")) << h;
	EXPECT_EQ(count(r.out, "returned\n"), 1U) << r;
}

TEST(Debug, PcpuStallWithoutTrackingCountsAfterTheHandOver)
{
	const run_result r = run_debug_probe({"pcpu"}, k_no_track);
	const std::vector<std::string> reports = only_reports(r, 1);
	ASSERT_EQ(reports.size(), 1U) << r;
	// The process's own protocol (rseq unless the environment or the
	// build forbids it, as this process's does).
	expect_header(reports[0], r,
		      " for rundown_pcpu " + value(r.out, "obj=") + " (cache-aware, " + pcpu_protocol() +
			      "): 2 references held\n");
	EXPECT_TRUE(has(reports[0], k_how_to_track)) << reports[0];
	EXPECT_EQ(count(r.out, "returned\n"), 1U) << r;
}

TEST(Debug, WaitManyReportsTheObjectStillHeld)
{
	const run_result r = run_debug_probe({"pcpu-many"}, k_track);
	const std::vector<std::string> reports = only_reports(r, 1);
	ASSERT_EQ(reports.size(), 1U) << r;
	expect_header(reports[0], r, " for rundown_pcpu " + value(r.out, "obj=") + " (cache-aware, locked protocol, tracked): 2 references held\n");
	EXPECT_TRUE(has(holder(reports[0], value(r.out, "holder pcpu=")), "leaky_pcpu_acquire")) << reports[0];
}

TEST(Debug, PtrReplaceStallNamesTheReader)
{
	const run_result r = run_debug_probe({"ptr"}, k_track);
	const std::vector<std::string> reports = only_reports(r, 1);
	ASSERT_EQ(reports.size(), 1U) << r;
	// The generation being run down, inside the pointer.
	expect_header(reports[0], r, " (plain, tracked): 1 reference held\n");
	const std::string h = holder(reports[0], value(r.out, "holder reader="));
	EXPECT_TRUE(has(h, ", 1 reference, acquired ")) << reports[0];
	EXPECT_TRUE(has(h, "leaky_ptr_get")) << h;
	EXPECT_EQ(count(r.out, "returned\n"), 1U) << r;
}

TEST(Debug, TimedWaitsKeepTheirSemantics)
{
	// A timeout before the stall: no report. One after it: the report,
	// then false at the deadline. wait_until released after the report:
	// true.
	const run_result r = run_debug_probe({"timed", "0.3"}, k_no_track);
	ASSERT_TRUE(r.ok()) << r;
	EXPECT_EQ(r.out, "holder one=" + value(r.out, "holder one=") + "\nshort-timeout\nlong-timeout\nreturned\n")
		<< r;
	expect_only_reports(r, 2);
}

TEST(Debug, UnsetPrintsNothingAndTracksNothing)
{
	const run_result quiet = run_debug_probe({"quiet"}, nullptr);
	ASSERT_TRUE(quiet.ok()) << quiet;
	EXPECT_EQ(quiet.err, "") << quiet;
	EXPECT_TRUE(has(quiet.out, "returned\n")) << quiet;
	// Objects set up without "track" stay on the fast paths: a plain
	// word starts at 0 and a pcpu object on the process's protocol.
	for (const char* debug : {static_cast<const char*>(nullptr), "stall=5"}) {
		const run_result r = run_debug_probe({"state"}, debug);
		ASSERT_TRUE(r.ok()) << r;
		EXPECT_EQ(r.err, "") << r;
		EXPECT_EQ(value(r.out, "plain="), "0") << r;
		EXPECT_EQ(value(r.out, "c="), "0") << r;
		EXPECT_NE(value(r.out, "mode="), std::to_string(rundown::detail::k_mode_tracked)) << r;
	}
}

TEST(Debug, TrackMarksTheObjectsSetUpAtRunTime)
{
	const run_result r = run_debug_probe({"state"}, "track");
	ASSERT_TRUE(r.ok()) << r;
	EXPECT_EQ(r.err, "") << r;
	namespace d = rundown::detail;
	for (const char* key : {"plain=", "c="}) {
		const unsigned long long word = std::strtoull(value(r.out, key).c_str(), nullptr, 0);
		EXPECT_EQ(word & (d::k_tracked | d::k_state), d::k_tracked | d::k_trap) << key << " " << r;
	}
	// A statically initialised word cannot be: RUNDOWN_REF_INIT is 0.
	EXPECT_EQ(value(r.out, "static="), "0") << r;
	EXPECT_EQ(value(r.out, "mode="), std::to_string(d::k_mode_tracked)) << r;
}

TEST(Debug, MalformedSettingsAreReportedOnceAndIgnored)
{
	// Two waits, several objects: each bad item is named once, at load;
	// the good ones apply ("track=1" is not "track": not tracked).
	const run_result r = run_debug_probe({"plain"}, "frob, stall=x1,stall=,track=1,,stall=0.3");
	ASSERT_TRUE(r.ok()) << r;
	EXPECT_EQ(count(r.err, "rundown: RUNDOWN_DEBUG: ignoring"), 4U) << r.err;
	EXPECT_EQ(count(r.err, "rundown: RUNDOWN_DEBUG: ignoring unknown key \"frob\" (known: stall=SECONDS, track)\n"),
		  1U)
		<< r.err;
	EXPECT_EQ(count(r.err, "rundown: RUNDOWN_DEBUG: ignoring unknown key \"track=1\""), 1U) << r.err;
	EXPECT_EQ(count(r.err, "rundown: RUNDOWN_DEBUG: ignoring \"stall=x1\": SECONDS must be a number"), 1U)
		<< r.err;
	EXPECT_EQ(count(r.err, "rundown: RUNDOWN_DEBUG: ignoring \"stall=\": SECONDS must be a number"), 1U)
		<< r.err;
	EXPECT_LT(r.err.find("RUNDOWN_DEBUG: ignoring"), r.err.find("rundown: wait stalled:")) << r.err;
	const std::vector<std::string> reports = reports_in(r.err);
	ASSERT_EQ(reports.size(), 2U) << r.err;
	EXPECT_TRUE(has(reports[0], k_how_to_track)) << reports[0];
	EXPECT_EQ(count(r.out, "returned\n"), 2U) << r;

	// Nothing valid at all: the program runs as if it were unset.
	const run_result bad = run_debug_probe({"state"}, "stall=99999999999999999999999,stall=-1,stall=1e3,stall=0.0000000001");
	ASSERT_TRUE(bad.ok()) << bad;
	EXPECT_EQ(count(bad.err, "rundown: RUNDOWN_DEBUG: ignoring \"stall="), 4U) << bad.err;
	EXPECT_EQ(count(bad.err, "\n"), 4U) << bad.err;
	EXPECT_EQ(value(bad.out, "plain="), "0") << bad;
	EXPECT_TRUE(has(bad.out, "returned\n")) << bad;
}

// This process itself (no RUNDOWN_DEBUG in the suites' environment).
TEST(Debug, TheSuiteItselfRunsUntracked)
{
	if (std::getenv("RUNDOWN_DEBUG"))
		GTEST_SKIP() << "RUNDOWN_DEBUG is set";
	rundown::ref r;
	EXPECT_EQ(r.native_handle()->count, 0U);
	rundown::pcpu_ref p;
	EXPECT_NE(p.native_handle()->mode, rundown::detail::k_mode_tracked);
}

}  // namespace rundown_test
