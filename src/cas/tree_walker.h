// Breadth-first enumeration of a Directory tree stored in the CAS, in pages, for GetTree.
// Each distinct directory is returned once. Subtrees missing from the CAS are skipped, as
// REAPI specifies ("return the portion present"). A Directory larger than the message cap
// is not read at all: the walk fails with FAILED_PRECONDITION when it reaches one.
//
// Page tokens are "v1:{directories already returned}". The traversal order is a pure
// function of the tree, so a token from an earlier call resumes the same order, at the cost
// of re-walking the skipped prefix (resumption is rare; tokens stay stateless).
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "cas/blob_store.h"
#include "cas/message_blob.h"
#include "common/proto_digest.h"

namespace kiln {

struct TreePage {
  std::vector<reapi::Directory> directories;
  std::string next_page_token;  // Empty on the last page.
};

class TreeWalker {
 public:
  // NOT_FOUND if the root is absent; INVALID_ARGUMENT for a malformed page token;
  // FAILED_PRECONDITION if the root is over `max_message_bytes`.
  static StatusOr<std::unique_ptr<TreeWalker>> Start(BlobStore* cas, const Digest& root, std::string_view page_token,
                                                     int64_t max_message_bytes = kDefaultMaxMessageBytes);

  // At most `max_directories` directories and about `max_bytes` of serialized data.
  // FAILED_PRECONDITION on reaching a Directory over the message cap.
  StatusOr<TreePage> NextPage(int max_directories, int64_t max_bytes);
  bool done() const { return queue_.empty(); }

 private:
  TreeWalker(BlobStore* cas, const Digest& root, int64_t max_message_bytes);
  // Loads the next directory in order; nullopt if it is missing or malformed (skipped).
  StatusOr<std::optional<reapi::Directory>> PopNext();

  BlobStore* cas_;
  int64_t max_message_bytes_;
  DigestFunction function_;
  std::deque<Digest> queue_;
  std::unordered_set<Digest, DigestHash> seen_;
  uint64_t returned_ = 0;
};

}  // namespace kiln
