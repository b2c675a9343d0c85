#include "auth/auth_policy_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <iostream>

namespace kiln {

StatusOr<std::unique_ptr<AuthPolicySource>> AuthPolicySource::Open(Options options) {
  auto source = std::make_unique<AuthPolicySource>(std::move(options));
  std::lock_guard lock(source->reload_mutex_);
  KILN_RETURN_IF_ERROR(source->LoadLocked());
  source->next_check_ns_ = source->options_.policy.clock->Now().time_since_epoch().count() +
                           source->options_.check_interval.count();
  return source;
}

AuthPolicySource::AuthPolicySource(Options options) : options_(std::move(options)) {}

std::shared_ptr<const AuthPolicy> AuthPolicySource::Current() {
  const int64_t now = options_.policy.clock->Now().time_since_epoch().count();
  int64_t due = next_check_ns_.load(std::memory_order_relaxed);
  // One caller per interval checks; the others, and anyone while a reload runs, go on with
  // the policy in force.
  if (now >= due && next_check_ns_.compare_exchange_strong(due, now + options_.check_interval.count())) {
    std::unique_lock lock(reload_mutex_, std::try_to_lock);
    if (lock.owns_lock()) (void)CheckLocked();
  }
  return current_.load();
}

Status AuthPolicySource::Poll() {
  std::lock_guard lock(reload_mutex_);
  next_check_ns_.store(options_.policy.clock->Now().time_since_epoch().count() + options_.check_interval.count());
  return CheckLocked();
}

AuthPolicySource::FileState AuthPolicySource::StatFile(const std::string& path) {
  FileState state;
  state.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return state;
  state.exists = true;
  state.device = st.st_dev;
  state.inode = st.st_ino;
  state.size = st.st_size;
  state.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  state.ctime_ns = int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec;
  return state;
}

std::vector<AuthPolicySource::FileState> AuthPolicySource::WatchedFilesNow() const {
  std::vector<FileState> states;
  for (const FileState& loaded : loaded_files_) states.push_back(StatFile(loaded.path));
  return states;
}

Status AuthPolicySource::CheckLocked() {
  std::vector<FileState> now = WatchedFilesNow();
  if (now == loaded_files_) return Status::Ok();
  if (now == failed_files_) return failed_status_;  // Already reported.
  Status loaded = LoadLocked();
  if (!loaded.ok()) {
    failed_files_ = std::move(now);
    failed_status_ = loaded;
    Log("auth file " + options_.path + " changed but does not load; the previous policy stays in force: " +
        loaded.ToString());
    return loaded;
  }
  failed_files_.clear();
  const AuthConfig& config = current_.load()->config();
  Log("auth file " + options_.path + " reloaded: " + std::to_string(config.principals.size()) + " principals, " +
      std::to_string(config.jwt_issuers.size()) + " JWT issuers");
  return Status::Ok();
}

// Files are stat'ed before they are read: a change made during the read then shows as a
// change at the next check, rather than being taken for the content already loaded.
Status AuthPolicySource::LoadLocked() {
  std::vector<FileState> files = {StatFile(options_.path)};
  for (size_t i = 1; i < loaded_files_.size(); ++i) files.push_back(StatFile(loaded_files_[i].path));
  StatusOr<std::shared_ptr<const AuthPolicy>> policy = AuthPolicy::LoadFile(options_.path, options_.policy);
  if (!policy.ok()) return policy.status();
  // The new policy may name other JWKS files than the old one.
  std::vector<FileState> watched = {files.front()};
  for (const std::string& jwks : (*policy)->jwks_files()) {
    auto known = std::find_if(files.begin(), files.end(), [&](const FileState& f) { return f.path == jwks; });
    watched.push_back(known != files.end() ? *known : StatFile(jwks));
  }
  loaded_files_ = std::move(watched);
  current_.store(std::move(policy).value());
  return Status::Ok();
}

void AuthPolicySource::Log(const std::string& message) const {
  if (options_.log) {
    options_.log(message);
  } else {
    std::cerr << "kiln: " << message << "\n";
  }
}

}  // namespace kiln
