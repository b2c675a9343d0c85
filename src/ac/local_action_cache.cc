#include "ac/local_action_cache.h"

namespace kiln {

StatusOr<reapi::ActionResult> LocalActionCache::Get(const std::string& instance_name, const Digest& action_digest,
                                                    const InlineRequest& inline_request) {
  const std::string key = ActionCacheKey(instance_name, action_digest);
  auto record = records_->Get(key);
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no cached result for action " + action_digest.ToString());
    }
    return record.status();
  }
  reapi::ActionResult result;
  if (!result.ParseFromString(*record)) {
    return Status::NotFound("cached result for action " + action_digest.ToString() + " is unreadable");
  }
  auto blobs = ReferencedBlobs(*cas_, action_digest.function(), result, max_message_bytes_);
  if (!blobs.ok()) {
    NoteIncompleteResult();
    return Status::NotFound("cached result for action " + action_digest.ToString() +
                            " is incomplete: " + blobs.status().message());
  }
  // FindMissing also pins the blobs for the grace period, so the client can fetch them.
  // Confirmed with the disk, not only the index: a client will download these without
  // asking again, so a file deleted behind kiln's back must make this a miss.
  std::vector<Digest> missing = cas_->FindMissingConfirmed(*blobs);
  if (!missing.empty()) {
    NoteIncompleteResult();
    return Status::NotFound("cached result for action " + action_digest.ToString() + " references " +
                            std::to_string(missing.size()) + " blob(s) no longer in the CAS, e.g. " +
                            missing.front().ToString());
  }
  InlineContents(result, inline_request, action_digest.function());
  return result;
}

Status LocalActionCache::Put(const std::string& instance_name, const Digest& action_digest, const reapi::ActionResult& result) {
  auto referenced = DirectlyReferencedBlobs(action_digest.function(), result);
  if (!referenced.ok()) return referenced.status().WithContext("action_result");
  std::string record;
  result.SerializeToString(&record);
  return records_->Put(ActionCacheKey(instance_name, action_digest), record);
}

}  // namespace kiln
