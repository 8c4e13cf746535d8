// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Shared main.
//  - Death tests re-execute the binary ("threadsafe"), so the threads other
//    tests leave behind (and the sanitizers' runtimes) never see a fork.
//    Without /proc (a minimal initramfs) it falls back to "fast";
//    RUNDOWN_DEATH_TEST_STYLE overrides the choice.
//  - A hang is a failure: each test gets RUNDOWN_TEST_TIMEOUT seconds
//    (default 120) before SIGALRM ends the run.
#include <gtest/gtest.h>

#include <cstdlib>
#include <unistd.h>

namespace {

class watchdog : public ::testing::EmptyTestEventListener {
public:
	explicit watchdog(unsigned seconds) : seconds_(seconds) {}
	void OnTestStart(const ::testing::TestInfo&) override { alarm(seconds_); }
	void OnTestEnd(const ::testing::TestInfo&) override { alarm(0); }

private:
	unsigned seconds_;
};

}  // namespace

int main(int argc, char** argv)
{
	::testing::InitGoogleTest(&argc, argv);
	// "threadsafe" re-executes /proc/self/exe: fall back to "fast" (fork
	// only) where /proc is not mounted, as in a minimal initramfs.
	const char* style = std::getenv("RUNDOWN_DEATH_TEST_STYLE");
	if (!style)
		style = access("/proc/self/exe", X_OK) == 0 ? "threadsafe" : "fast";
	GTEST_FLAG_SET(death_test_style, style);
	const char* timeout = std::getenv("RUNDOWN_TEST_TIMEOUT");
	const int seconds = timeout ? std::atoi(timeout) : 120;
	if (seconds > 0)
		::testing::UnitTest::GetInstance()->listeners().Append(
			new watchdog(static_cast<unsigned>(seconds)));
	return RUN_ALL_TESTS();
}
