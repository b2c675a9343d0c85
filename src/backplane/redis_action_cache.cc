#include "backplane/redis_action_cache.h"

#include <algorithm>
#include <utility>

namespace kiln {
namespace {

using redis::Reply;

// Error replies that mean "not now" rather than "never": a cluster still settling after a
// failover, a replica promoted or a node loading its data, once the client's own retries
// ran out.
bool IsTransient(std::string_view code) {
  return code == "MOVED" || code == "ASK" || code == "TRYAGAIN" || code == "CLUSTERDOWN" || code == "LOADING" ||
         code == "MASTERDOWN" || code == "READONLY" || code == "BUSY";
}

// What Redis keeps of a result: inlined bytes whose digest is also in the result are
// dropped, since a hit is only served while those blobs are in the CAS, and InlineContents
// reads them from there when a client asks. Bytes without a digest are kept.
reapi::ActionResult WithoutInlinedBlobs(const reapi::ActionResult& result) {
  reapi::ActionResult stored = result;
  for (auto& file : *stored.mutable_output_files()) {
    if (file.has_digest()) file.clear_contents();
  }
  if (stored.has_stdout_digest()) stored.clear_stdout_raw();
  if (stored.has_stderr_digest()) stored.clear_stderr_raw();
  return stored;
}

}  // namespace

RedisActionCache::RedisActionCache(redis::RedisClient* redis, BlobStore* cas, RedisActionCacheOptions options)
    : redis_(redis),
      cas_(cas),
      options_(std::move(options)),
      ttl_seconds_(std::to_string(std::max<int64_t>(
          1, std::chrono::duration_cast<std::chrono::seconds>(options_.ttl).count()))) {}

std::string RedisActionCache::KeyFor(const std::string& instance_name, const Digest& action_digest) const {
  return "kiln:" + options_.key_namespace + ":ac:{" + ActionCacheKey(instance_name, action_digest) + "}";
}

Status RedisActionCache::Failure(const StatusOr<Reply>& reply, const std::string& doing) const {
  if (!reply.ok()) {
    return Status::Unavailable(doing + ": the action cache's Redis is unavailable: " + reply.status().message());
  }
  const std::string_view code = reply->error_code();
  const std::string what = doing + ": Redis answered " + reply->text;
  if (code == "OOM") return Status::ResourceExhausted(what + " (its maxmemory is reached)");
  // The server's configuration, not the caller's fault: not PERMISSION_DENIED.
  if (code == "NOPERM") return Status::Internal(what + " (the backplane's Redis user needs GETEX and SET on kiln:* keys)");
  if (IsTransient(code)) return Status::Unavailable(what);
  return Status::Internal(what);
}

StatusOr<reapi::ActionResult> RedisActionCache::Get(const std::string& instance_name, const Digest& action_digest,
                                                    const InlineRequest& inline_request) {
  const std::string key = KeyFor(instance_name, action_digest);
  const std::string doing = "looking up action " + action_digest.ToString();
  // Reads and refreshes the TTL in one command, so a hit costs Redis one round trip.
  StatusOr<Reply> reply = redis_->Run(key, {"GETEX", key, "EX", ttl_seconds_});
  if (!reply.ok() || reply->is_error()) return Failure(reply, doing);
  if (reply->is_nil()) return Status::NotFound("no cached result for action " + action_digest.ToString());
  reapi::ActionResult result;
  if (!reply->is_string() || !result.ParseFromString(reply->text)) {
    return Status::NotFound("cached result for action " + action_digest.ToString() + " is unreadable");
  }
  auto blobs = ReferencedBlobs(*cas_, action_digest.function(), result, options_.max_message_bytes);
  if (!blobs.ok()) {
    NoteIncompleteResult();
    return Status::NotFound("cached result for action " + action_digest.ToString() +
                            " is incomplete: " + blobs.status().message());
  }
  // One call for every blob; it also pins them for the CAS's grace period, so that the
  // client can fetch them. A CAS that cannot answer is an error, not a miss.
  auto missing = cas_->FindMissingOrError(*blobs);
  if (!missing.ok()) return missing.status().WithContext(doing + ": checking its outputs are in the CAS");
  if (!missing->empty()) {
    NoteIncompleteResult();
    return Status::NotFound("cached result for action " + action_digest.ToString() + " references " +
                            std::to_string(missing->size()) + " blob(s) no longer in the CAS, e.g. " +
                            missing->front().ToString());
  }
  InlineContents(result, inline_request, action_digest.function());
  return result;
}

Status RedisActionCache::Put(const std::string& instance_name, const Digest& action_digest,
                             const reapi::ActionResult& result) {
  auto referenced = DirectlyReferencedBlobs(action_digest.function(), result);
  if (!referenced.ok()) return referenced.status().WithContext("action_result");
  const std::string entry = WithoutInlinedBlobs(result).SerializeAsString();
  if (static_cast<int64_t>(entry.size()) > options_.max_entry_bytes) {
    return Status::ResourceExhausted("the result of action " + action_digest.ToString() + " is " +
                                     std::to_string(entry.size()) + " bytes, over the action cache's limit of " +
                                     std::to_string(options_.max_entry_bytes) +
                                     " bytes per entry (kiln serve --action-cache-max-entry-bytes)");
  }
  const std::string key = KeyFor(instance_name, action_digest);
  // SET is idempotent: a caller may retry it after an UNAVAILABLE that hid a success.
  StatusOr<Reply> reply = redis_->Run(key, {"SET", key, entry, "EX", ttl_seconds_});
  if (!reply.ok() || reply->is_error()) return Failure(reply, "storing the result of action " + action_digest.ToString());
  return Status::Ok();
}

}  // namespace kiln
