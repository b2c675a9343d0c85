// A CAS for harnesses that need Directories to name each other. A fuzzer cannot make up
// SHA-256 hashes, so harnesses store messages under made-up digests (SyntheticDigest) and
// point DirectoryNodes at them; this store takes any bytes under any digest, unverified.
// A digest never stored counts as present (the files of a tree, which harnesses never
// store) when its hash does not start with 'd' (the tag of made-up Directory digests) and
// ends in a hex digit 0-7: so a tree's files are partly present, partly missing.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>

#include "cas/blob_store.h"
#include "cas/memory_reader.h"

namespace kiln::fuzz {

// "d000...0007" for (tag 'd', index 7); `tag` is a hex digit; `size` is the stored message's size.
inline Digest SyntheticDigest(char tag, size_t index, int64_t size) {
  char hash[65];
  std::snprintf(hash, sizeof hash, "%064zx", index);
  hash[0] = tag;
  return *Digest::Create(DigestFunction::kSha256, hash, size);
}

class FuzzCas final : public BlobStore {
 public:
  void Put(const Digest& digest, std::string bytes) {
    blobs_[digest] = std::make_shared<const std::string>(std::move(bytes));
  }
  bool Has(const Digest& digest) const {
    if (blobs_.count(digest) != 0 || digest.IsEmptyBlob()) return true;
    const char last = digest.hash().back();
    return digest.hash().front() != 'd' && last >= '0' && last <= '7';
  }

  std::vector<Digest> FindMissing(const std::vector<Digest>& digests) override {
    std::vector<Digest> missing;
    for (const Digest& digest : digests) {
      if (!Has(digest)) missing.push_back(digest);
    }
    return missing;
  }
  StatusOr<std::unique_ptr<BlobReader>> OpenRead(const Digest& digest, int64_t offset) override {
    auto it = blobs_.find(digest);
    if (it == blobs_.end()) return Status::NotFound("not in the fuzz CAS");
    if (offset < 0 || static_cast<size_t>(offset) > it->second->size()) return Status::OutOfRange("offset");
    return std::unique_ptr<BlobReader>(std::make_unique<MemoryReader>(it->second, static_cast<size_t>(offset)));
  }
  StatusOr<std::unique_ptr<BlobWriter>> OpenWrite(const Digest& digest) override {
    return Status::Unimplemented("the fuzz CAS is filled by Put");
  }

 private:
  std::unordered_map<Digest, std::shared_ptr<const std::string>, DigestHash> blobs_;
};

}  // namespace kiln::fuzz
