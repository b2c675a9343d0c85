// All log streams of one server, by name: creates them (a public read name and a secret
// write name), routes writes and reads to them, and forgets them after a retention period.
// No gRPC and no thread of its own: time comes from the injected Clock and time-based work
// happens in Tick(), so tests drive it with a FakeClock. Thread-safe.
//
// Bounds: at most max_live_streams unfinalized streams at once, and at most
// max_live_streams_per_creator of them created by one client connection (Create answers
// RESOURCE_EXHAUSTED beyond either), each storing at most max_stream_bytes and all of them
// together at most max_live_bytes (see LogStream).
// Finalized streams stay readable for `retention`, as long as those kept hold at most
// max_finalized_bytes and number at most max_finalized_streams; beyond either, the
// earliest finalized go first. A client's live stream nobody wrote to for
// `abandoned_after` is finalized by Tick, so a vanished writer cannot pin one forever; streams
// whose owner in this process always finalizes them (an action's output, however long the
// action stays quiet) are exempt.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/clock.h"
#include "common/status.h"
#include "logstream/log_stream.h"

namespace kiln {

struct LogStreamOptions {
  int64_t max_stream_bytes = int64_t{8} << 20;
  size_t max_live_streams = 4096;
  // Without it, 4096 streams of 8 MiB could hold 32 GiB.
  int64_t max_live_bytes = int64_t{512} << 20;
  size_t max_live_streams_per_creator = 64;
  Duration retention = std::chrono::minutes(10);
  // Every action makes two streams: without these, ten minutes of a busy farm's output.
  int64_t max_finalized_bytes = int64_t{256} << 20;
  size_t max_finalized_streams = 20'000;
  Duration abandoned_after = std::chrono::hours(1);
  // In a farm, this frontend's id (logstream_name.h: MakeLogStreamId), put into every
  // stream's name so that the other frontends know where to relay reads of it. Empty: alone.
  std::string holder;
};

enum class LogStreamOwner {
  kClient,  // Created through the API: finalized by Tick once idle for abandoned_after.
  kServer,  // Finalized by server code that is sure to do it (e.g. when its action ends).
};

struct LogStreamNames {
  std::string read_name;
  std::string write_name;  // Embeds a secret token: give it only to the writer.
};

class LogStreamRegistry {
 public:
  LogStreamRegistry(const Clock* clock, const LogStreamOptions& options);

  // INVALID_ARGUMENT for a bad parent (see ValidateLogStreamParent), RESOURCE_EXHAUSTED
  // when max_live_streams are live, or max_live_streams_per_creator of `creator`'s (a
  // client connection; "" for server-owned streams, which are exempt).
  StatusOr<LogStreamNames> Create(std::string_view parent, LogStreamOwner owner = LogStreamOwner::kClient,
                                  std::string_view creator = "");

  // Writer side, by write name. NOT_FOUND for unknown (or expired) streams and wrong
  // tokens alike, so that a token cannot be probed; INVALID_ARGUMENT for a read name.
  Status Append(std::string_view write_name, int64_t offset, std::string_view data);
  // Idempotent.
  Status Finalize(std::string_view write_name);
  StatusOr<LogStream::WriteState> QueryWrite(std::string_view write_name) const;

  // Reader side, by read name. NOT_FOUND for unknown streams; INVALID_ARGUMENT for a write
  // name (the LogStream API requires it).
  StatusOr<std::shared_ptr<LogStream>> OpenForRead(std::string_view read_name) const;

  // Finalizes abandoned live streams, drops finalized ones past retention. Call periodically.
  void Tick();
  size_t live_count() const;
  // Whether `read_name` names a stream of this registry's, held or not (see
  // LogStreamOptions::holder): the others are other frontends'.
  bool IsOwnName(std::string_view read_name) const;
  const std::string& holder() const { return options_.holder; }
  size_t stream_count() const;

 private:
  struct Entry {
    std::shared_ptr<LogStream> stream;
    std::string write_token;
    LogStreamOwner owner;
    std::string creator;
  };
  StatusOr<std::shared_ptr<LogStream>> FindWritable(std::string_view write_name) const;
  // Counts a stream that `Finalize` just finalized, then forgets the earliest finalized
  // ones beyond the budgets.
  void Finalized(const LogStream& stream);
  // REQUIRES: mutex_ held. Forgets finalized streams, earliest first, while `expired` says so
  // of the earliest.
  template <typename Expired>
  void ForgetFinalizedWhile(const Expired& expired);

  const Clock* const clock_;
  const LogStreamOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> streams_;  // By read name.
  size_t live_ = 0;  // Unfinalized streams among them.
  std::unordered_map<std::string, size_t> live_by_creator_;  // Of client-created ones; no zeros.
  const std::shared_ptr<ByteBudget> live_budget_;
  // Finalized streams in the order they were finalized (their last change), with the bytes
  // each kept, and those bytes' sum.
  std::deque<std::pair<std::string, int64_t>> finalized_;
  int64_t finalized_bytes_ = 0;
};

}  // namespace kiln
