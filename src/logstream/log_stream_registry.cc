#include "logstream/log_stream_registry.h"

#include <vector>

#include "common/random_hex.h"
#include "logstream/logstream_name.h"

namespace kiln {
namespace {

// Compares without stopping at the first difference, so timing does not leak the token.
bool SameToken(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

Status UnknownWriteName(std::string_view write_name) {
  return Status::NotFound("no log stream accepts writes at \"" + std::string(write_name.substr(0, 300)) +
                          "\" (unknown, expired, or not its write_resource_name)");
}

}  // namespace

LogStreamRegistry::LogStreamRegistry(const Clock* clock, const LogStreamOptions& options)
    : clock_(clock), options_(options), live_budget_(std::make_shared<ByteBudget>(options.max_live_bytes)) {}

StatusOr<LogStreamNames> LogStreamRegistry::Create(std::string_view parent, LogStreamOwner owner,
                                                   std::string_view creator) {
  KILN_RETURN_IF_ERROR(ValidateLogStreamParent(parent));
  auto token = RandomHex(16);
  if (!token.ok()) return token.status();
  std::lock_guard lock(mutex_);
  if (live_ >= options_.max_live_streams) {
    return Status::ResourceExhausted("too many live log streams (" + std::to_string(live_) +
                                     "); finish writing some before creating more");
  }
  const std::string creator_key(creator);
  if (!creator_key.empty()) {
    const auto it = live_by_creator_.find(creator_key);
    if (it != live_by_creator_.end() && it->second >= options_.max_live_streams_per_creator) {
      return Status::ResourceExhausted("this connection has " + std::to_string(it->second) +
                                       " live log streams, the most one may (--max-log-streams-per-connection); "
                                       "finish writing some before creating more");
    }
  }
  std::string read_name;
  do {
    // 128 bits, like operation names: whoever knows a read name may read the stream (with
    // logs-read on its instance), and only the operation's owners are told it.
    auto id = RandomHex(16);
    if (!id.ok()) return id.status();
    read_name = MakeLogStreamReadName(parent, MakeLogStreamId(options_.holder, *id));
  } while (streams_.count(read_name) > 0);
  auto stream = std::make_shared<LogStream>(read_name, options_.max_stream_bytes, live_budget_, clock_->Now());
  streams_.emplace(read_name, Entry{std::move(stream), *token, owner, creator_key});
  ++live_;
  if (!creator_key.empty()) ++live_by_creator_[creator_key];
  return LogStreamNames{read_name, MakeLogStreamWriteName(read_name, *token)};
}

StatusOr<std::shared_ptr<LogStream>> LogStreamRegistry::FindWritable(std::string_view write_name) const {
  auto name = ParseLogStreamName(write_name);
  if (!name) return UnknownWriteName(write_name);
  if (!name->is_write_name()) {
    return Status::InvalidArgument("\"" + name->read_name +
                                   "\" is a log stream's read name; write to its write_resource_name");
  }
  std::lock_guard lock(mutex_);
  auto it = streams_.find(name->read_name);
  if (it == streams_.end() || !SameToken(it->second.write_token, name->write_token)) {
    return UnknownWriteName(write_name);
  }
  return it->second.stream;
}

Status LogStreamRegistry::Append(std::string_view write_name, int64_t offset, std::string_view data) {
  auto stream = FindWritable(write_name);
  if (!stream.ok()) return stream.status();
  return (*stream)->Append(offset, data, clock_->Now());
}

Status LogStreamRegistry::Finalize(std::string_view write_name) {
  auto stream = FindWritable(write_name);
  if (!stream.ok()) return stream.status();
  if ((*stream)->Finalize(clock_->Now())) Finalized(**stream);
  return Status::Ok();
}

void LogStreamRegistry::Finalized(const LogStream& stream) {
  const int64_t bytes = stream.stored_bytes();
  std::lock_guard lock(mutex_);
  --live_;
  if (auto entry = streams_.find(stream.read_name()); entry != streams_.end() && !entry->second.creator.empty()) {
    auto count = live_by_creator_.find(entry->second.creator);
    if (count != live_by_creator_.end() && --count->second == 0) live_by_creator_.erase(count);
  }
  finalized_.emplace_back(stream.read_name(), bytes);
  finalized_bytes_ += bytes;
  ForgetFinalizedWhile([&](const LogStream&) {
    return finalized_bytes_ > options_.max_finalized_bytes || finalized_.size() > options_.max_finalized_streams;
  });
}

template <typename Expired>
void LogStreamRegistry::ForgetFinalizedWhile(const Expired& expired) {
  while (!finalized_.empty()) {
    auto it = streams_.find(finalized_.front().first);
    if (it != streams_.end()) {
      if (!expired(*it->second.stream)) return;
      streams_.erase(it);
    }
    finalized_bytes_ -= finalized_.front().second;
    finalized_.pop_front();
  }
}

StatusOr<LogStream::WriteState> LogStreamRegistry::QueryWrite(std::string_view write_name) const {
  auto stream = FindWritable(write_name);
  if (!stream.ok()) return stream.status();
  return (*stream)->write_state();
}

StatusOr<std::shared_ptr<LogStream>> LogStreamRegistry::OpenForRead(std::string_view read_name) const {
  auto name = ParseLogStreamName(read_name);
  if (!name) {
    return Status::InvalidArgument("\"" + std::string(read_name.substr(0, 300)) +
                                   "\" is not a log stream name ({parent}/logstreams/{id})");
  }
  if (name->is_write_name()) {
    return Status::InvalidArgument("a log stream's write_resource_name cannot be read; read its name instead");
  }
  std::lock_guard lock(mutex_);
  auto it = streams_.find(name->read_name);
  if (it == streams_.end()) return Status::NotFound("log stream " + name->read_name + " is not known (or expired)");
  return it->second.stream;
}

bool LogStreamRegistry::IsOwnName(std::string_view read_name) const {
  return LogStreamHolderOf(read_name) == options_.holder;
}

void LogStreamRegistry::Tick() {
  const TimePoint now = clock_->Now();
  std::vector<std::shared_ptr<LogStream>> abandoned;
  {
    std::lock_guard lock(mutex_);
    // Finalized streams change no more: the earliest finalized is the longest idle.
    ForgetFinalizedWhile([&](const LogStream& stream) { return now - stream.last_change() > options_.retention; });
    for (const auto& [name, entry] : streams_) {
      if (entry.owner == LogStreamOwner::kClient && now - entry.stream->last_change() > options_.abandoned_after &&
          !entry.stream->write_state().finalized) {
        abandoned.push_back(entry.stream);
      }
    }
  }
  // Outside the lock: finalizing wakes readers, whose callbacks may call back in here.
  for (const auto& stream : abandoned) {
    if (stream->Finalize(now)) Finalized(*stream);
  }
}

size_t LogStreamRegistry::live_count() const {
  std::lock_guard lock(mutex_);
  return live_;
}

size_t LogStreamRegistry::stream_count() const {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

}  // namespace kiln
