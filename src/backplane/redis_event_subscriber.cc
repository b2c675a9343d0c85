#include "backplane/redis_event_subscriber.h"

#include "redis/redis_subscriber.h"

namespace kiln {

EventSubscriber SubscribeToRedis(const redis::RedisAddress& address, const redis::RedisClientOptions& options) {
  return [address, options](const std::string& channel, std::function<void(const std::string&)> on_message,
                            std::function<void()> on_subscribed) -> StatusOr<std::shared_ptr<void>> {
    redis::RedisSubscriber::Callbacks callbacks;
    callbacks.on_message = [on_message = std::move(on_message)](const std::string&, const std::string& payload) {
      on_message(payload);
    };
    callbacks.on_subscribed = std::move(on_subscribed);
    auto subscriber = redis::RedisSubscriber::Start(address, options, {channel}, std::move(callbacks));
    if (!subscriber.ok()) return subscriber.status();
    return std::shared_ptr<void>(std::move(subscriber).value());
  };
}

}  // namespace kiln
