#include "cas/upload_registry.h"

namespace kiln {

void UploadRegistry::DropIdleLocked() {
  const TimePoint now = clock_->Now();
  for (auto it = uploads_.begin(); it != uploads_.end();) {
    if (!it->second.in_use && now - it->second.last_used > idle_timeout_) {
      it = uploads_.erase(it);
    } else {
      ++it;
    }
  }
}

StatusOr<std::shared_ptr<BlobUpload>> UploadRegistry::Claim(const std::string& name, const Opener& open) {
  std::lock_guard lock(mutex_);
  DropIdleLocked();
  auto it = uploads_.find(name);
  if (it != uploads_.end()) {
    if (it->second.in_use) {
      return Status::Aborted("upload " + name + " is already being written by another stream");
    }
    it->second.in_use = true;
    it->second.last_used = clock_->Now();
    return it->second.upload;
  }
  auto created = open();
  if (!created.ok()) return created.status();
  std::shared_ptr<BlobUpload> upload = std::move(created).value();
  uploads_[name] = Entry{upload, true, clock_->Now()};
  return upload;
}

void UploadRegistry::Release(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = uploads_.find(name);
  if (it == uploads_.end()) return;
  it->second.in_use = false;
  it->second.last_used = clock_->Now();
}

void UploadRegistry::Remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  uploads_.erase(name);
}

std::optional<int64_t> UploadRegistry::CommittedSize(const std::string& name) {
  std::lock_guard lock(mutex_);
  DropIdleLocked();
  auto it = uploads_.find(name);
  if (it == uploads_.end()) return std::nullopt;
  return it->second.upload->committed_size();
}

size_t UploadRegistry::size() {
  std::lock_guard lock(mutex_);
  return uploads_.size();
}

}  // namespace kiln
