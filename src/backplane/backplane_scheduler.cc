#include "backplane/backplane_scheduler.h"

#include <algorithm>

#include "backplane/redis_event_subscriber.h"
#include "redis/redis_address.h"

namespace kiln {

StatusOr<redis::RedisAddress> ResolveBackplaneAddress(const BackplaneOptions& options) {
  auto address = redis::ParseRedisUrl(options.url);
  if (!address.ok()) return address.status();
  if (!options.password_file.empty()) {
    if (!address->password.empty()) {
      return Status::InvalidArgument("the backplane's password is in both the URL and a password file: give one");
    }
    auto password = redis::ReadRedisPasswordFile(options.password_file);
    if (!password.ok()) return password.status();
    address->password = std::move(password).value();
  }
  if (!address->user.empty() && address->password.empty()) {
    return Status::InvalidArgument("the backplane URL names user \"" + address->user +
                                   "\" but no password: put it in the URL or in --backplane-password-file");
  }
  return address;
}

StatusOr<std::unique_ptr<BackplaneScheduler>> BackplaneScheduler::Start(const BackplaneOptions& options,
                                                                        const Clock* clock,
                                                                        const SchedulerOptions& scheduler_options) {
  auto address = ResolveBackplaneAddress(options);
  if (!address.ok()) return address.status();
  if (options.scheduler.lease < kMinimumLease) {
    return Status::InvalidArgument("the backplane lease must be at least " +
                                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kMinimumLease).count()) +
                                   " s");
  }
  RedisSchedulerOptions backplane_options = options.scheduler;
  backplane_options.maintenance_interval =
      std::min(backplane_options.maintenance_interval, MaintenanceIntervalFor(backplane_options.lease));
  std::unique_ptr<BackplaneScheduler> backplane(new BackplaneScheduler());
  auto client = redis::ConnectRedis(*address, options.client);
  if (!client.ok()) return client.status();
  backplane->client_ = std::move(client).value();
  auto scheduler = RedisScheduler::Start(backplane->client_.get(), SubscribeToRedis(*address, options.client), clock,
                                         scheduler_options, backplane_options);
  if (!scheduler.ok()) return scheduler.status();
  backplane->scheduler_ = std::move(scheduler).value();
  return backplane;
}

}  // namespace kiln
