#include "backplane/repair_lease.h"

#include "backplane/operation_fields.h"
#include "common/random_hex.h"

namespace kiln {
namespace {

const redis::RedisScript& RenewScript() {
  static const auto* script = new redis::RedisScript(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
)lua");
  return *script;
}

const redis::RedisScript& ReleaseScript() {
  static const auto* script = new redis::RedisScript(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
)lua");
  return *script;
}

std::string TokenFor(const std::string& holder) {
  auto suffix = RandomHex(8);
  // Without randomness, the holder alone still tells processes apart unless two share it.
  return holder + " " + (suffix.ok() ? *suffix : "0");
}

}  // namespace

std::string RepairLease::KeyFor(const std::string& key_namespace) {
  return "kiln:{" + key_namespace + "}:storage:repair:lease";
}

RepairLease::RepairLease(redis::RedisClient* client, const Clock* clock, const std::string& key_namespace,
                         std::string holder, Duration ttl)
    : client_(client), clock_(clock), key_(KeyFor(key_namespace)), token_(TokenFor(holder)), ttl_(ttl) {}

RepairLease::~RepairLease() = default;

StatusOr<bool> RepairLease::Refresh() {
  const TimePoint asked = clock_->Now();
  bool was_held;
  {
    std::lock_guard lock(mutex_);
    was_held = held_;
  }
  bool holds = false;
  if (was_held) {
    auto renewed = client_->Eval(RenewScript(), {key_}, {token_, MillisText(ttl_)});
    if (!renewed.ok()) return Status::Unavailable("cannot renew the repair lease: " + renewed.status().message());
    holds = renewed->is_integer() && renewed->integer == 1;
  }
  if (!holds) {
    // Free (or lapsed without a successor): take it.
    auto taken = client_->Run(key_, {"SET", key_, token_, "NX", "PX", MillisText(ttl_)});
    if (!taken.ok()) return Status::Unavailable("cannot take the repair lease: " + taken.status().message());
    if (taken->is_error()) return Status::Unavailable("the backplane refused the repair lease: " + taken->text);
    holds = taken->is_status("OK");
  }
  std::lock_guard lock(mutex_);
  held_ = holds;
  held_until_ = asked + ttl_;
  return holds;
}

void RepairLease::Release() {
  {
    std::lock_guard lock(mutex_);
    if (!held_) return;
    held_ = false;
  }
  (void)client_->Eval(ReleaseScript(), {key_}, {token_});
}

bool RepairLease::held() const {
  std::lock_guard lock(mutex_);
  return held_ && clock_->Now() < held_until_;
}

StatusOr<std::string> RepairLease::CurrentHolder(redis::RedisClient* client, const std::string& key_namespace) {
  const std::string key = KeyFor(key_namespace);
  auto value = client->Run(key, {"GET", key});
  if (!value.ok()) return Status::Unavailable("cannot read the repair lease: " + value.status().message());
  if (!value->is_string()) return std::string();
  // The token is the holder and a random suffix.
  const size_t space = value->text.rfind(' ');
  return space == std::string::npos ? value->text : value->text.substr(0, space);
}

}  // namespace kiln
