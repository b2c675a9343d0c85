// Who each call in progress is, for the access log: CallAuthorizer records the principal it
// authenticated for a call's context, and the access log's interceptor takes it when the
// call ends. Only used while an access log is on. Thread-safe.
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>

namespace kiln {

class CallPrincipals {
 public:
  void Record(const void* context, const std::string& principal) {
    Shard& shard = ShardOf(context);
    std::lock_guard lock(shard.mutex);
    shard.names[context] = principal;
  }
  // The principal recorded for the call, forgotten now; "" if none was.
  std::string Take(const void* context) {
    Shard& shard = ShardOf(context);
    std::lock_guard lock(shard.mutex);
    auto it = shard.names.find(context);
    if (it == shard.names.end()) return "";
    std::string name = std::move(it->second);
    shard.names.erase(it);
    return name;
  }

 private:
  struct Shard {
    std::mutex mutex;
    std::unordered_map<const void*, std::string> names;
  };
  // Many calls end at once on many threads: one lock each would be a queue.
  Shard& ShardOf(const void* context) { return shards_[(reinterpret_cast<uintptr_t>(context) >> 6) % shards_.size()]; }
  std::array<Shard, 16> shards_;
};

}  // namespace kiln
