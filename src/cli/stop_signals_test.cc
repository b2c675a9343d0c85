// StopSignals receives a stop signal sent to its thread instead of letting it kill the
// process, and names it. Each case runs on its own thread, so the blocked mask stays there.
#include "cli/stop_signals.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace kiln {
namespace {

std::string ReceivedAfterSending(int signal_number) {
  std::string received;
  std::thread thread([&] {
    StopSignals stop_signals;
    pthread_kill(pthread_self(), signal_number);  // Stays pending: it is blocked here.
    received = stop_signals.Wait();
  });
  thread.join();
  return received;
}

TEST(StopSignalsTest, WaitReturnsTheNameOfTheSignalSent) {
  EXPECT_EQ(ReceivedAfterSending(SIGTERM), "SIGTERM");
  EXPECT_EQ(ReceivedAfterSending(SIGINT), "SIGINT");
}

}  // namespace
}  // namespace kiln
