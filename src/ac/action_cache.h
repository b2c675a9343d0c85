// The action cache's interface: ActionResults keyed by (instance name, digest function,
// action digest), each returned only while every blob it references is in the CAS -- a
// client must never get a result it cannot download. Implementations: the local one over a
// RecordStore and this server's CAS (ac/local_action_cache.h), and a storage node's action
// cache reached over gRPC (client/remote_action_cache.h), which checks against its own CAS.
// Also the helpers both use: the record key, the blobs a result references, inlining.
#pragma once

#include <string>
#include <vector>

#include "cas/blob_store.h"
#include "cas/message_blob.h"
#include "common/proto_digest.h"
#include "metrics/counter.h"

namespace kiln {

struct InlineRequest {
  bool stdout_raw = false;
  bool stderr_raw = false;
  std::vector<std::string> output_files;  // Paths whose contents to inline.
};

// Thread-safe.
class ActionCache {
 public:
  virtual ~ActionCache() = default;
  // NOT_FOUND on a miss, including a stored result whose blobs are no longer all present;
  // other codes (UNAVAILABLE, ...) when the cache cannot tell.
  virtual StatusOr<reapi::ActionResult> Get(const std::string& instance_name, const Digest& action_digest,
                                            const InlineRequest& inline_request) = 0;
  // INVALID_ARGUMENT if the result contains malformed digests.
  virtual Status Put(const std::string& instance_name, const Digest& action_digest,
                     const reapi::ActionResult& result) = 0;
  // Fills stdout_raw/stderr_raw/contents from the CAS where asked for, within the size
  // limit (best effort: REAPI lets a server skip inlining), for a result just computed.
  virtual void InlineContents(reapi::ActionResult& result, const InlineRequest& inline_request,
                              DigestFunction function) = 0;

  // Counts the misses of results found but incomplete (blobs gone from the CAS): a sign the
  // CAS is too small for the action cache it backs. Set before the cache is used.
  void set_incomplete_results_counter(metrics::Counter* counter) { incomplete_results_ = counter; }

 protected:
  // Implementations call this when a stored result is a miss for being incomplete.
  void NoteIncompleteResult() {
    if (incomplete_results_ != nullptr) incomplete_results_->Inc();
  }

 private:
  metrics::Counter* incomplete_results_ = nullptr;
};

// The record key: a SHA-256 over instance, function and digest, so any instance name maps
// to a fixed-length, file-name-safe key.
std::string ActionCacheKey(const std::string& instance_name, const Digest& action_digest);

// The blobs a result names itself (outputs, trees, stdout/stderr), validated; no CAS reads.
StatusOr<std::vector<Digest>> DirectlyReferencedBlobs(DigestFunction function, const reapi::ActionResult& result);
// Lists every CAS blob `result` depends on, reading output directory trees from `cas`.
// NOT_FOUND if a tree itself is missing, unreadable or over `max_tree_bytes` (not read
// then); INVALID_ARGUMENT for bad digests.
StatusOr<std::vector<Digest>> ReferencedBlobs(BlobStore& cas, DigestFunction function, const reapi::ActionResult& result,
                                              int64_t max_tree_bytes = kDefaultMaxMessageBytes);

// ActionCache::InlineContents from `cas`: at most `max_inline_bytes` in all are inlined,
// keeping responses well under gRPC's message size limit.
void InlineResultContents(BlobStore& cas, int64_t max_inline_bytes, reapi::ActionResult& result,
                          const InlineRequest& inline_request, DigestFunction function);

}  // namespace kiln
