// The audit trail of refused calls: each denial is written once per principal and method
// per interval (a minute by default), with the principal, method, instance name, peer
// address and reason, and a count of the repeats it stood for. A client retrying in a loop
// must not flood the log, but an operator must see every kind of refusal. Never given
// secrets: callers pass names and statuses only. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "common/clock.h"
#include "common/status.h"

namespace kiln {

struct Denial {
  std::string_view principal;  // "anonymous" or a principal's name; for an unauthenticated
                               // call, what it claimed to be ("bearer token", ...).
  std::string_view method;     // Full gRPC method path.
  std::string_view instance_name;
  std::string_view peer;       // "ipv4:127.0.0.1:53100".
  const Status* status;        // UNAUTHENTICATED or PERMISSION_DENIED, as the caller got it.
};

class DenialLog {
 public:
  using Sink = std::function<void(const std::string&)>;
  // `sink` defaults to standard error.
  explicit DenialLog(const Clock* clock, Sink sink = {}, Duration interval = std::chrono::minutes(1));

  void Record(const Denial& denial);

 private:
  struct Entry {
    TimePoint last_written;
    int64_t suppressed = 0;  // Denials since then that were not written.
  };
  const Clock* clock_;
  Sink sink_;
  const Duration interval_;
  std::mutex mutex_;
  // Keyed by (principal, method). Bounded: entries older than the interval are dropped
  // when the map grows past kMaxEntries, so rotating principal names cannot grow it.
  std::map<std::pair<std::string, std::string>, Entry> entries_;
};

}  // namespace kiln
