// The action cache: ActionResults keyed by (instance name, digest function, action digest),
// stored in a RecordStore, checked against the CAS on every read.
//
// A result is only returned if every blob it references (output files, output directory
// trees and every file inside them, stdout, stderr) is in the CAS, as confirmed by the
// storage itself (BlobStore::FindMissingConfirmed: a disk store checks that each file exists
// with the right size). Otherwise it is a miss: a client must never get a result it cannot
// download.
#pragma once

#include <string>
#include <vector>

#include "ac/record_store.h"
#include "cas/blob_store.h"
#include "cas/message_blob.h"
#include "common/proto_digest.h"

namespace kiln {

struct InlineRequest {
  bool stdout_raw = false;
  bool stderr_raw = false;
  std::vector<std::string> output_files;  // Paths whose contents to inline.
};

class ActionCache {
 public:
  // `max_inline_bytes` caps the total inlined into one result, keeping responses well
  // under gRPC's message size limit. Output directory Trees over `max_message_bytes` are
  // not read: a result naming one is a miss.
  ActionCache(RecordStore* records, BlobStore* cas, int64_t max_inline_bytes,
              int64_t max_message_bytes = kDefaultMaxMessageBytes)
      : records_(records), cas_(cas), max_inline_bytes_(max_inline_bytes), max_message_bytes_(max_message_bytes) {}

  // NOT_FOUND on a miss, including a stored result whose blobs are no longer all present.
  StatusOr<reapi::ActionResult> Get(const std::string& instance_name, const Digest& action_digest,
                                    const InlineRequest& inline_request);
  // INVALID_ARGUMENT if the result contains malformed digests.
  Status Put(const std::string& instance_name, const Digest& action_digest, const reapi::ActionResult& result);
  // Fills stdout_raw/stderr_raw/contents from the CAS where asked for, within the size
  // limit (best effort: REAPI lets a server skip inlining).
  void InlineContents(reapi::ActionResult& result, const InlineRequest& inline_request, DigestFunction function);

 private:
  RecordStore* records_;
  BlobStore* cas_;
  int64_t max_inline_bytes_;
  int64_t max_message_bytes_;
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

}  // namespace kiln
