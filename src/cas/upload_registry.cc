#include "cas/upload_registry.h"

namespace kiln {

Status UploadRegistry::TotalExhausted() const {
  return Status::ResourceExhausted("the server has " + std::to_string(uploads_.size()) +
                                   " uploads open, its limit (--max-open-uploads " + std::to_string(limits_.max_open) +
                                   "); retry later");
}

void UploadRegistry::MarkIdle(Entries::iterator it) {
  it->second.last_used = clock_->Now();
  it->second.idle_position = idle_.insert(idle_.end(), it->first);
}

void UploadRegistry::Unclaim(Entry& entry) {
  if (entry.ticket == 0) return;
  auto count = streaming_.find(entry.connection);
  if (count != streaming_.end() && --count->second == 0) streaming_.erase(count);
  entry.ticket = 0;
  entry.connection.clear();
  entry.stream.reset();
}

UploadRegistry::Entries::iterator UploadRegistry::EraseLocked(Entries::iterator it) {
  if (it->second.ticket == 0) {
    idle_.erase(it->second.idle_position);
  } else {
    Unclaim(it->second);
  }
  return uploads_.erase(it);
}

void UploadRegistry::DropIdleLocked() {
  const TimePoint now = clock_->Now();
  while (!idle_.empty()) {
    auto oldest = uploads_.find(idle_.front());
    if (now - oldest->second.last_used <= limits_.idle_timeout) break;
    EraseLocked(oldest);
  }
}

Status UploadRegistry::CheckRoomLocked(Entries::iterator it, const std::string& name, const std::string& connection) {
  if (it != uploads_.end() && it->second.ticket != 0) {
    return Status::Aborted("upload " + name + " is already being written by another stream");
  }
  KILN_RETURN_IF_ERROR(CheckConnectionLocked(connection));
  if (it == uploads_.end() && static_cast<int64_t>(uploads_.size()) >= limits_.max_open && idle_.empty()) {
    return TotalExhausted();
  }
  return Status::Ok();
}

Status UploadRegistry::CheckConnectionLocked(const std::string& connection) {
  auto count = streaming_.find(connection);
  if (count != streaming_.end() && count->second >= limits_.max_per_connection) {
    return Status::ResourceExhausted("this connection is writing " + std::to_string(count->second) +
                                     " uploads, the limit per connection (--max-uploads-per-connection " +
                                     std::to_string(limits_.max_per_connection) + ")");
  }
  return Status::Ok();
}

Status UploadRegistry::CheckRoomForAny(const std::string& connection) {
  std::lock_guard lock(mutex_);
  DropIdleLocked();
  KILN_RETURN_IF_ERROR(CheckConnectionLocked(connection));
  if (static_cast<int64_t>(uploads_.size()) >= limits_.max_open && idle_.empty()) return TotalExhausted();
  return Status::Ok();
}

Status UploadRegistry::CheckRoom(const std::string& name, const std::string& connection) {
  std::lock_guard lock(mutex_);
  DropIdleLocked();
  return CheckRoomLocked(uploads_.find(name), name, connection);
}

Status UploadRegistry::MakeRoomLocked() {
  if (static_cast<int64_t>(uploads_.size()) < limits_.max_open) return Status::Ok();
  if (idle_.empty()) return TotalExhausted();
  EraseLocked(uploads_.find(idle_.front()));
  return Status::Ok();
}

StatusOr<UploadRegistry::Claimed> UploadRegistry::Claim(const std::string& name, const std::string& connection,
                                                        std::shared_ptr<UploadStream> stream, const Opener& open) {
  std::unique_lock lock(mutex_);
  DropIdleLocked();
  auto it = uploads_.find(name);
  KILN_RETURN_IF_ERROR(CheckRoomLocked(it, name, connection));
  const bool opening = it == uploads_.end();
  if (opening) {
    KILN_RETURN_IF_ERROR(MakeRoomLocked());
    it = uploads_.emplace(name, Entry{}).first;
  } else {
    idle_.erase(it->second.idle_position);
  }
  // Claimed from here on (a new entry without its upload yet counts against the limits and
  // turns away other streams), so the entry stays put while the lock is let go.
  Entry& entry = it->second;
  const TimePoint now = clock_->Now();
  const uint64_t ticket = next_ticket_++;
  entry.ticket = ticket;
  entry.connection = connection;
  entry.stream = std::move(stream);
  entry.last_used = now;
  entry.progress_at = now;
  ++streaming_[connection];
  if (opening) {
    // Creating the temp file waits on the filesystem (a millisecond or more on a busy ext4):
    // under the lock, every other stream's claim, release and status query would wait too.
    lock.unlock();
    auto created = open();
    lock.lock();
    if (!created.ok()) {
      EraseLocked(it);
      return created.status();
    }
    entry.upload = std::move(created).value();
  }
  entry.seen_size = entry.upload->committed_size();
  return Claimed{entry.upload, ticket};
}

void UploadRegistry::Release(const std::string& name, uint64_t ticket) {
  std::lock_guard lock(mutex_);
  auto it = uploads_.find(name);
  if (it == uploads_.end() || it->second.ticket != ticket) return;
  Unclaim(it->second);
  MarkIdle(it);
}

void UploadRegistry::Remove(const std::string& name, uint64_t ticket) {
  std::lock_guard lock(mutex_);
  auto it = uploads_.find(name);
  if (it == uploads_.end() || it->second.ticket != ticket) return;
  EraseLocked(it);
}

std::optional<int64_t> UploadRegistry::CommittedSize(const std::string& name) {
  std::lock_guard lock(mutex_);
  DropIdleLocked();
  auto it = uploads_.find(name);
  if (it == uploads_.end()) return std::nullopt;
  return it->second.upload ? it->second.upload->committed_size() : 0;  // Still opening: nothing yet.
}

std::vector<std::shared_ptr<UploadStream>> UploadRegistry::ReclaimStalled() {
  std::vector<std::shared_ptr<UploadStream>> stalled;
  std::lock_guard lock(mutex_);
  DropIdleLocked();
  const TimePoint now = clock_->Now();
  for (auto it = uploads_.begin(); it != uploads_.end();) {
    Entry& entry = it->second;
    if (!entry.upload) {  // Still being opened by its stream's Claim.
      ++it;
      continue;
    }
    // Progress is seen between sweeps; a stream counts as stalled once a sweep finds its
    // upload where it was more than stall_timeout ago.
    const int64_t size = entry.upload->committed_size();
    if (entry.ticket != 0 && size != entry.seen_size) {
      entry.seen_size = size;
      entry.progress_at = now;
    }
    if (entry.ticket != 0 && now - entry.progress_at > limits_.stall_timeout) {
      if (entry.stream) stalled.push_back(entry.stream);
      it = EraseLocked(it);
    } else {
      ++it;
    }
  }
  return stalled;
}

size_t UploadRegistry::size() {
  std::lock_guard lock(mutex_);
  return uploads_.size();
}

int64_t UploadRegistry::streaming(const std::string& connection) {
  std::lock_guard lock(mutex_);
  auto it = streaming_.find(connection);
  return it == streaming_.end() ? 0 : it->second;
}

}  // namespace kiln
