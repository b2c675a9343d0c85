#include "backplane/frontend_directory.h"

#include <iostream>

#include "backplane/operation_fields.h"
#include "logstream/logstream_name.h"

namespace kiln {
namespace {

// Four refreshes may fail (a Redis failover, a restart) before the entry lapses.
constexpr int kRefreshesPerExpiry = 4;

}  // namespace

FrontendDirectory::FrontendDirectory(redis::RedisClient* client, const Clock* clock,
                                     const FrontendDirectoryOptions& options, std::string self)
    : client_(client),
      clock_(clock),
      options_(options),
      self_(std::move(self)),
      prefix_("kiln:{" + options.key_namespace + "}:frontend:"),
      next_refresh_(clock->Now()) {}

FrontendDirectory::~FrontendDirectory() {
  std::lock_guard lock(mutex_);
  if (!target_.empty()) (void)client_->Run(KeyOf(self_), {"DEL", KeyOf(self_)});
}

std::string FrontendDirectory::KeyOf(std::string_view id) const { return prefix_ + std::string(id); }

Status FrontendDirectory::Announce(const std::string& target) {
  const std::string key = KeyOf(self_);
  auto reply = client_->Run(key, {"SET", key, target, "PX", MillisText(options_.refresh_interval * kRefreshesPerExpiry)});
  if (!reply.ok()) return Status::Unavailable("cannot announce this frontend in the backplane: " + reply.status().message());
  if (reply->is_error()) return Status::Unavailable("the backplane refused this frontend's entry: " + reply->text);
  return Status::Ok();
}

Status FrontendDirectory::Join(std::string target) {
  {
    std::lock_guard lock(mutex_);
    target_ = target;
    next_refresh_ = clock_->Now() + options_.refresh_interval;
  }
  return Announce(target);
}

void FrontendDirectory::Tick() {
  std::string target;
  {
    std::lock_guard lock(mutex_);
    const TimePoint now = clock_->Now();
    if (target_.empty() || now < next_refresh_) return;
    next_refresh_ = now + options_.refresh_interval;
    target = target_;
  }
  Status announced = Announce(target);
  // The entry outlives a few failed refreshes; the next tick tries again.
  if (!announced.ok()) std::cerr << "kiln: " << announced.message() << "\n";
}

StatusOr<std::string> FrontendDirectory::HolderTarget(std::string_view read_name) const {
  const std::string_view holder = LogStreamHolderOf(read_name);
  if (holder.empty() || holder == self_) {
    return Status::NotFound("no log stream is named \"" + std::string(read_name.substr(0, 300)) + "\"");
  }
  const std::string key = KeyOf(holder);
  auto reply = client_->Run(key, {"GET", key});
  if (!reply.ok()) {
    return Status::Unavailable("cannot look up the frontend holding log stream \"" + std::string(read_name) +
                               "\" in the backplane: " + reply.status().message());
  }
  if (reply->is_error()) {
    return Status::Unavailable("the backplane refused to say which frontend holds log stream \"" +
                               std::string(read_name) + "\": " + reply->text);
  }
  if (!reply->is_string() || reply->text.empty()) {
    return Status::NotFound("log stream \"" + std::string(read_name) + "\" was held by frontend " +
                            std::string(holder) + ", which has left the farm (its live output went with it; "
                            "the action's result still has the whole output)");
  }
  return reply->text;
}

}  // namespace kiln
