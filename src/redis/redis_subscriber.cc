#include "redis/redis_subscriber.h"

#include <algorithm>

#include "redis/cluster_slot_map.h"
#include "redis/connection_options.h"

namespace kiln::redis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr Duration kFirstBackoff = milliseconds(100);
constexpr Duration kMaxBackoff = seconds(2);
constexpr Duration kKeepaliveAfter = seconds(30);

bool IsPush(const Reply& reply, std::string_view kind, size_t size) {
  return reply.is_array() && reply.elements.size() == size && reply.elements[0].is_string() &&
         reply.elements[0].text == kind;
}

}  // namespace

StatusOr<std::unique_ptr<RedisSubscriber>> RedisSubscriber::Start(const RedisAddress& address,
                                                                  const RedisClientOptions& options,
                                                                  std::vector<std::string> channels,
                                                                  Callbacks callbacks) {
  if (channels.empty()) return Status::InvalidArgument("redis subscriber: no channel to subscribe to");
  if (address.seeds.empty()) return Status::InvalidArgument("redis subscriber: no seed address");
  StatusOr<RedisConnectionOptions> connection = ConnectionOptionsFor(address, options);
  if (!connection.ok()) return connection.status();
  return std::unique_ptr<RedisSubscriber>(new RedisSubscriber(address, options, std::move(connection).value(),
                                                              std::move(channels), std::move(callbacks)));
}

RedisSubscriber::RedisSubscriber(const RedisAddress& address, const RedisClientOptions& options,
                                 RedisConnectionOptions connection, std::vector<std::string> channels,
                                 Callbacks callbacks)
    : options_(options),
      connection_options_(std::move(connection)),
      channels_(std::move(channels)),
      callbacks_(std::move(callbacks)),
      nodes_(address.seeds) {
  thread_ = std::thread([this] { Loop(); });
}

RedisSubscriber::~RedisSubscriber() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (connection_ != nullptr) connection_->Shutdown();
  }
  stop_requested_.notify_all();
  thread_.join();
}

bool RedisSubscriber::SleepUnlessStopping(Duration duration) {
  std::unique_lock lock(mutex_);
  return !stop_requested_.wait_for(lock, duration, [this] { return stopping_; });
}

void RedisSubscriber::Loop() {
  size_t next = 0;
  Duration backoff = kFirstBackoff;
  while (true) {
    const Endpoint node = nodes_[next % nodes_.size()];
    StatusOr<std::unique_ptr<RedisConnection>> connection = RedisConnection::Connect(node, connection_options_);
    if (connection.ok()) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        connection_ = connection->get();
      }
      const auto subscribed_at = std::chrono::steady_clock::now();
      const Status lost = Serve(**connection);
      {
        std::lock_guard lock(mutex_);
        connection_ = nullptr;
        if (stopping_) return;
      }
      ReportError(lost);
      // A connection that served a while earns a quick reconnect to the same node.
      if (std::chrono::steady_clock::now() - subscribed_at > kMaxBackoff) {
        backoff = kFirstBackoff;
        continue;
      }
    }
    if (!connection.ok()) ReportError(connection.status());
    ++next;
    if (!SleepUnlessStopping(backoff)) return;
    backoff = std::min(2 * backoff, kMaxBackoff);
  }
}

void RedisSubscriber::LearnNodes(RedisConnection& connection) {
  StatusOr<Reply> slots = connection.Run({"CLUSTER", "SLOTS"}, options_.command_timeout);
  if (!slots.ok() || slots->is_error()) return;  // Standalone.
  StatusOr<ClusterSlotMap> map = ClusterSlotMap::FromClusterSlots(*slots, connection.endpoint());
  if (!map.ok()) return;
  for (const Endpoint& node : map->KnownNodes()) {
    if (std::find(nodes_.begin(), nodes_.end(), node) == nodes_.end()) nodes_.push_back(node);
  }
}

void RedisSubscriber::ReportError(const Status& status) {
  if (callbacks_.on_error && !status.ok()) callbacks_.on_error(status);
}

Status RedisSubscriber::Serve(RedisConnection& connection) {
  LearnNodes(connection);
  std::vector<std::string> subscribe = {"SUBSCRIBE"};
  subscribe.insert(subscribe.end(), channels_.begin(), channels_.end());
  KILN_RETURN_IF_ERROR(connection.Send({subscribe}, options_.command_timeout));
  for (size_t confirmed = 0; confirmed < channels_.size(); ++confirmed) {
    StatusOr<Reply> reply = connection.Receive(options_.command_timeout);
    if (!reply.ok()) return reply.status();
    if (!IsPush(*reply, "subscribe", 3)) {  // An error reply (NOPERM) included.
      return Status::Unavailable("redis " + connection.endpoint().ToString() + ": SUBSCRIBE answered " +
                                 reply->DebugString());
    }
  }
  if (callbacks_.on_subscribed) callbacks_.on_subscribed();
  bool ping_outstanding = false;
  while (true) {
    StatusOr<std::optional<Reply>> reply =
        connection.Poll(ping_outstanding ? options_.command_timeout : kKeepaliveAfter);
    if (!reply.ok()) return reply.status();
    if (!reply->has_value()) {
      if (ping_outstanding) {  // No answer to the PING: the server or the path is gone.
        return Status::Unavailable("redis " + connection.endpoint().ToString() + ": no answer to a keepalive PING");
      }
      KILN_RETURN_IF_ERROR(connection.Send({{"PING"}}, options_.command_timeout));
      ping_outstanding = true;
      continue;
    }
    const Reply& push = **reply;
    ping_outstanding = false;  // Any traffic shows the connection alive.
    if (IsPush(push, "message", 3) && callbacks_.on_message) {
      callbacks_.on_message(push.elements[1].text, push.elements[2].text);
    }
  }
}

}  // namespace kiln::redis
