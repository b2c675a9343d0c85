// The farm's frontends, by id, with the target each is reached at: what a frontend needs to
// relay a read of a live log stream that another one holds (logstream/log_stream_peers.h).
//
// Each frontend keeps one Redis key, kiln:{NAMESPACE}:frontend:{ID} = its target, alive by
// refreshing it every refresh_interval with an expiry of four intervals: a frontend that died
// drops out of the directory by itself, and one whose key Redis lost (a restart without AOF)
// is back at its next refresh. That is one command per interval per frontend, and one GET per
// relayed read; nothing else touches Redis.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "logstream/log_stream_peers.h"
#include "redis/redis_client.h"

namespace kiln {

struct FrontendDirectoryOptions {
  std::string key_namespace = "default";
  Duration refresh_interval = std::chrono::seconds(5);
};

class FrontendDirectory final : public LogStreamPeers {
 public:
  // `self`: this frontend's log stream holder id (logstream_name.h), which it must be.
  // Announces nothing yet: Join does, once the frontend's port is known.
  FrontendDirectory(redis::RedisClient* client, const Clock* clock, const FrontendDirectoryOptions& options,
                    std::string self);
  // Leaves the directory (best effort: the entry expires anyway).
  ~FrontendDirectory() override;

  // Announces this frontend at `target` (grpc(s)://HOST:PORT), and from then on Tick keeps
  // the entry. UNAVAILABLE if Redis could not be told, and Tick tries again.
  Status Join(std::string target);
  // Refreshes this frontend's entry when it is due. Call every second or so.
  void Tick();

  StatusOr<std::string> HolderTarget(std::string_view read_name) const override;
  const std::string& self() const { return self_; }

 private:
  std::string KeyOf(std::string_view id) const;
  Status Announce(const std::string& target);

  redis::RedisClient* const client_;
  const Clock* const clock_;
  const FrontendDirectoryOptions options_;
  const std::string self_;
  const std::string prefix_;  // kiln:{NAMESPACE}:frontend:
  std::mutex mutex_;
  std::string target_;  // Empty until Join.
  TimePoint next_refresh_;
};

}  // namespace kiln
