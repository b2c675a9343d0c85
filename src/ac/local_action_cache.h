// The action cache of a server that keeps it itself: results stored in a RecordStore
// (on disk, {data_dir}/ac), checked against this server's CAS on every read.
//
// A result is only returned if every blob it references (output files, output directory
// trees and every file inside them, stdout, stderr) is in the CAS, as confirmed by the
// storage itself (BlobStore::FindMissingConfirmed: a disk store checks that each file exists
// with the right size). Otherwise it is a miss.
#pragma once

#include <string>

#include "ac/action_cache.h"
#include "ac/record_store.h"

namespace kiln {

class LocalActionCache final : public ActionCache {
 public:
  // `max_inline_bytes` caps the total inlined into one result (InlineResultContents).
  // Output directory Trees over `max_message_bytes` are not read: a result naming one is a
  // miss.
  LocalActionCache(RecordStore* records, BlobStore* cas, int64_t max_inline_bytes,
                   int64_t max_message_bytes = kDefaultMaxMessageBytes)
      : records_(records), cas_(cas), max_inline_bytes_(max_inline_bytes), max_message_bytes_(max_message_bytes) {}

  StatusOr<reapi::ActionResult> Get(const std::string& instance_name, const Digest& action_digest,
                                    const InlineRequest& inline_request) override;
  Status Put(const std::string& instance_name, const Digest& action_digest, const reapi::ActionResult& result) override;
  Status Delete(const std::string& instance_name, const Digest& action_digest) override;
  void InlineContents(reapi::ActionResult& result, const InlineRequest& inline_request, DigestFunction function) override {
    InlineResultContents(*cas_, max_inline_bytes_, result, inline_request, function);
  }

 private:
  RecordStore* records_;
  BlobStore* cas_;
  int64_t max_inline_bytes_;
  int64_t max_message_bytes_;
};

}  // namespace kiln
