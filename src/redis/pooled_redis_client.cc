#include "redis/pooled_redis_client.h"

#include <algorithm>
#include <cctype>
#include <random>
#include <set>
#include <thread>

#include "redis/redis_key_slot.h"

namespace kiln::redis {
namespace {

using std::chrono::milliseconds;

// Between retries of a command that did not run: short at first (a TRYAGAIN during a
// migration clears in milliseconds), longer later (a failover takes seconds).
constexpr Duration kFirstBackoff = milliseconds(20);
constexpr Duration kMaxBackoff = milliseconds(400);
// Redirects one command may follow: a slot that moves twice during a call is possible, a
// loop between two nodes that disagree is not worth waiting for.
constexpr int kMaxRedirects = 5;
// A slot map reload costs a connection and a CLUSTER SLOTS; many threads failing at once
// ask for one each.
constexpr Duration kRefreshInterval = milliseconds(100);

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y)); });
}

// Error replies that say the command was not run, so that sending it again is safe.
bool DidNotRun(const Reply& reply) {
  const std::string_view code = reply.error_code();
  return code == "MOVED" || code == "ASK" || code == "TRYAGAIN" || code == "CLUSTERDOWN" || code == "LOADING" ||
         code == "MASTERDOWN";
}

std::string Seconds(Duration duration) {
  const auto ms = std::chrono::duration_cast<milliseconds>(duration).count();
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + "s";
}

// What to do with a pipeline's replies.
struct Verdict {
  enum class Kind { kDone, kRedirect, kRetryLater } kind = Kind::kDone;
  ClusterRedirect redirect;  // kRedirect.
  std::string error;         // kRetryLater: the server's error reply.
};

// Retries only when no command ran: every reply says "not run", or belongs to a transaction
// that was aborted (MULTI's OK, QUEUED, EXECABORT).
Verdict Judge(const std::vector<std::vector<std::string>>& commands, const std::vector<Reply>& replies,
              const Endpoint& answered, bool cluster) {
  auto first = std::find_if(replies.begin(), replies.end(), DidNotRun);
  if (first == replies.end()) return {};
  const bool aborted = std::any_of(replies.begin(), replies.end(),
                                   [](const Reply& r) { return r.error_code() == "EXECABORT"; });
  for (size_t i = 0; i < replies.size(); ++i) {
    const Reply& reply = replies[i];
    const bool neutral = aborted && ((EqualsIgnoreCase(commands[i].front(), "MULTI") && reply.is_status("OK")) ||
                                     reply.is_status("QUEUED") || reply.error_code() == "EXECABORT");
    if (!DidNotRun(reply) && !neutral) return {};
  }
  if (std::optional<ClusterRedirect> redirect = ParseClusterRedirect(*first, answered)) {
    if (!cluster) return {};
    return {Verdict::Kind::kRedirect, *redirect, {}};
  }
  return {Verdict::Kind::kRetryLater, {}, first->text};
}

// ASKING holds for the next command only: one before each.
std::vector<std::vector<std::string>> WithAsking(const std::vector<std::vector<std::string>>& commands) {
  std::vector<std::vector<std::string>> asked;
  asked.reserve(2 * commands.size());
  for (const auto& command : commands) {
    asked.push_back({"ASKING"});
    asked.push_back(command);
  }
  return asked;
}

}  // namespace

PooledRedisClient::PooledRedisClient(RedisAddress address, RedisClientOptions options,
                                     RedisConnectionOptions connection_options, Endpoint node,
                                     std::optional<ClusterSlotMap> slot_map)
    : address_(std::move(address)),
      options_(std::move(options)),
      connection_options_(std::move(connection_options)),
      standalone_node_(std::move(node)),
      cluster_(slot_map.has_value()),
      slot_map_(slot_map.value_or(ClusterSlotMap())) {}

StatusOr<Reply> PooledRedisClient::Run(std::string_view routing_key, const std::vector<std::string>& argv) {
  StatusOr<std::vector<Reply>> replies = Execute(routing_key, {argv}, false, options_.command_timeout);
  if (!replies.ok()) return replies.status();
  return std::move(replies->front());
}

StatusOr<std::vector<Reply>> PooledRedisClient::RunPipeline(std::string_view routing_key,
                                                            const std::vector<std::vector<std::string>>& commands) {
  if (commands.empty()) return std::vector<Reply>();
  return Execute(routing_key, commands, false, options_.command_timeout);
}

StatusOr<Reply> PooledRedisClient::Eval(const RedisScript& script, const std::vector<std::string>& keys,
                                        const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"EVALSHA", script.sha1(), std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string_view routing_key = keys.empty() ? std::string_view() : std::string_view(keys.front());
  StatusOr<Reply> reply = Run(routing_key, argv);
  if (!reply.ok() || reply->error_code() != "NOSCRIPT") return reply;
  // EVAL also caches the script on that node, so the next EVALSHA there finds it.
  argv[0] = "EVAL";
  argv[1] = script.source();
  return Run(routing_key, argv);
}

StatusOr<Reply> PooledRedisClient::RunBlocking(std::string_view routing_key, const std::vector<std::string>& argv,
                                               Duration block_for) {
  StatusOr<std::vector<Reply>> replies = Execute(routing_key, {argv}, true, block_for + options_.command_timeout);
  if (!replies.ok()) return replies.status();
  return std::move(replies->front());
}

std::optional<Endpoint> PooledRedisClient::MasterOf(int slot) {
  if (!cluster_) return standalone_node_;
  std::lock_guard lock(mutex_);
  return slot_map_.MasterOf(slot);
}

std::shared_ptr<RedisNodePool> PooledRedisClient::PoolFor(const Endpoint& node, bool blocking) {
  std::lock_guard lock(mutex_);
  auto& pools = blocking ? blocking_pools_ : pools_;
  std::shared_ptr<RedisNodePool>& pool = pools[node.ToString()];
  if (pool == nullptr) {
    pool = RedisNodePool::Create(node, connection_options_, blocking ? 0 : options_.max_connections_per_node);
  }
  return pool;
}

StatusOr<std::vector<Reply>> PooledRedisClient::Execute(std::string_view routing_key, const Commands& commands,
                                                        bool blocking, Duration timeout) {
  const TimePoint start = SystemClock::Get()->Now();
  const TimePoint retry_deadline = start + options_.retry_window;
  const int slot = KeySlot(routing_key);
  Duration backoff = kFirstBackoff;
  std::optional<Endpoint> redirected;  // MOVED or ASK target for the next attempt.
  bool asking = false;
  int redirects = 0;
  // Backs off before the next attempt, or gives up with `why` once the retry window is over.
  auto back_off = [&](const Status& why) -> Status {
    if (SystemClock::Get()->Now() + backoff >= retry_deadline) {
      return Status(why.code(), why.message() + " (retried for " + Seconds(SystemClock::Get()->Now() - start) + ")");
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(2 * backoff, kMaxBackoff);
    return Status::Ok();
  };
  while (true) {
    RefreshSlotMapIfNeeded();
    std::optional<Endpoint> node = redirected.has_value() ? redirected : MasterOf(slot);
    const bool ask_now = std::exchange(asking, false);
    redirected.reset();
    if (!node.has_value()) {
      RequestSlotMapRefresh();
      KILN_RETURN_IF_ERROR(back_off(Status::Unavailable("redis cluster: no node serves slot " + std::to_string(slot))));
      continue;
    }
    RedisNodePool::Acquired acquired = PoolFor(*node, blocking)->Acquire(options_.command_timeout);
    if (!acquired.status.ok()) {
      if (!acquired.connect_failed || acquired.status.code() != StatusCode::kUnavailable) return acquired.status;
      // Nothing was sent: perhaps a failover under way, or the server restarting.
      RequestSlotMapRefresh();
      KILN_RETURN_IF_ERROR(back_off(acquired.status));
      continue;
    }
    StatusOr<std::vector<Reply>> replies = acquired.lease->RunPipeline(ask_now ? WithAsking(commands) : commands, timeout);
    if (!replies.ok()) {
      // It may have run: the caller decides. The node may be gone: look again next time.
      RequestSlotMapRefresh();
      return replies.status();
    }
    if (ask_now) {
      std::vector<Reply> answers;
      for (size_t i = 1; i < replies->size(); i += 2) answers.push_back(std::move((*replies)[i]));
      *replies = std::move(answers);
    }
    const Verdict verdict = Judge(commands, *replies, *node, cluster_);
    switch (verdict.kind) {
      case Verdict::Kind::kDone:
        return replies;
      case Verdict::Kind::kRedirect:
        if (++redirects > kMaxRedirects) {
          return Status::Unavailable("redis cluster: slot " + std::to_string(slot) + " redirected " +
                                     std::to_string(kMaxRedirects) + " times, last to " +
                                     verdict.redirect.target.ToString());
        }
        redirected = verdict.redirect.target;
        asking = verdict.redirect.ask;
        if (!verdict.redirect.ask) {
          std::lock_guard lock(mutex_);
          slot_map_.Assign(verdict.redirect.slot, verdict.redirect.target);
          RequestSlotMapRefresh();  // One slot moved: others probably did too.
        }
        continue;
      case Verdict::Kind::kRetryLater:
        if (verdict.error.starts_with("CLUSTERDOWN") || verdict.error.starts_with("MASTERDOWN")) {
          RequestSlotMapRefresh();
        }
        KILN_RETURN_IF_ERROR(back_off(Status::Unavailable("redis " + node->ToString() + ": " + verdict.error)));
        continue;
    }
  }
}

void PooledRedisClient::RefreshSlotMapIfNeeded() {
  if (!cluster_ || !refresh_requested_.load()) return;
  std::unique_lock refreshing(refresh_mutex_, std::try_to_lock);
  if (!refreshing.owns_lock()) return;
  const TimePoint now = SystemClock::Get()->Now();
  if (now - last_refresh_ < kRefreshInterval) return;
  last_refresh_ = now;
  refresh_requested_ = false;

  std::vector<Endpoint> candidates;
  {
    std::lock_guard lock(mutex_);
    candidates = slot_map_.KnownNodes();
  }
  for (const Endpoint& seed : address_.seeds) {
    if (std::find(candidates.begin(), candidates.end(), seed) == candidates.end()) candidates.push_back(seed);
  }
  // Not always the same node first: after a failover the first known master is often the
  // dead one.
  thread_local std::minstd_rand random(std::random_device{}());
  std::shuffle(candidates.begin(), candidates.end(), random);
  for (const Endpoint& candidate : candidates) {
    StatusOr<std::unique_ptr<RedisConnection>> connection = RedisConnection::Connect(candidate, connection_options_);
    if (!connection.ok()) continue;
    StatusOr<Reply> reply = (*connection)->Run({"CLUSTER", "SLOTS"}, options_.command_timeout);
    if (!reply.ok() || reply->is_error()) continue;
    StatusOr<ClusterSlotMap> map = ClusterSlotMap::FromClusterSlots(*reply, candidate);
    if (!map.ok() || map->masters().empty()) continue;
    std::vector<std::shared_ptr<RedisNodePool>> dropped;  // Destroyed outside the lock.
    std::lock_guard lock(mutex_);
    slot_map_ = std::move(*map);
    // Forget pools of nodes that left the cluster (leases still out keep theirs alive).
    std::set<std::string> known;
    for (const Endpoint& node : slot_map_.KnownNodes()) known.insert(node.ToString());
    for (auto* pools : {&pools_, &blocking_pools_}) {
      for (auto it = pools->begin(); it != pools->end();) {
        if (known.count(it->first) == 0) {
          dropped.push_back(std::move(it->second));
          it = pools->erase(it);
        } else {
          ++it;
        }
      }
    }
    return;
  }
  refresh_requested_ = true;  // No node answered: try again on a later call.
}

}  // namespace kiln::redis
