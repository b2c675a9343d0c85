// Whether a server under attack still serves everyone else: GetCapabilities every 20 ms,
// alternately on a connection kept open and on a brand-new one (so that accepting
// connections is measured too, which descriptor exhaustion stops first), each with a 5 s
// deadline. Latencies go into a histogram; failed calls are counted, the first one kept.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "bench/latency_histogram.h"
#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "client/client_channel.h"

namespace kiln {

struct ProbeResult {
  LatencyHistogram latency;  // Of the calls that succeeded.
  int64_t calls = 0;
  int64_t failures = 0;
  std::string first_failure;
  Duration slowest = Duration::zero();
};

class ResponsivenessProbe {
 public:
  ResponsivenessProbe(std::shared_ptr<const ClientChannelFactory> channels, std::string instance_name);
  ~ResponsivenessProbe();
  void Start();
  // Stops probing and returns what it saw.
  ProbeResult Stop();
  // One call on a new connection, waiting at most `timeout`: whether the server answers.
  static bool AnswersWithin(const ClientChannelFactory& channels, const std::string& instance_name, Duration timeout);

 private:
  void Loop();
  void ProbeOnce(bool new_connection);

  const std::shared_ptr<const ClientChannelFactory> channels_;
  const std::string instance_name_;
  std::shared_ptr<grpc::Channel> kept_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  ProbeResult result_;
};

}  // namespace kiln
