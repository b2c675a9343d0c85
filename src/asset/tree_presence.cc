#include "asset/tree_presence.h"

#include <deque>
#include <unordered_set>

#include "common/proto_digest.h"

namespace kiln {

std::vector<Digest> FindMissingInTree(BlobStore& cas, const Digest& root, int64_t max_message_bytes) {
  std::vector<Digest> missing;
  std::vector<Digest> files;
  std::unordered_set<Digest, DigestHash> seen{root};
  std::deque<Digest> queue{root};
  while (!queue.empty()) {
    Digest digest = queue.front();
    queue.pop_front();
    reapi::Directory directory;
    if (!ReadMessageBlob(cas, digest, max_message_bytes, "Directory", directory).ok()) {
      missing.push_back(digest);
      continue;
    }
    for (const auto& file : directory.files()) {
      auto file_digest = FromProto(digest.function(), file.digest(), "file");
      if (!file_digest.ok()) {
        missing.push_back(digest);  // A malformed Directory cannot be served either.
        break;
      }
      if (seen.insert(*file_digest).second) files.push_back(*file_digest);
    }
    for (const auto& child : directory.directories()) {
      auto child_digest = FromProto(digest.function(), child.digest(), "directory");
      if (!child_digest.ok()) {
        missing.push_back(digest);
        break;
      }
      if (seen.insert(*child_digest).second) queue.push_back(*child_digest);
    }
  }
  std::vector<Digest> missing_files = cas.FindMissing(files);
  missing.insert(missing.end(), missing_files.begin(), missing_files.end());
  return missing;
}

}  // namespace kiln
