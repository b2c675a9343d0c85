#include "bench_data.h"

#include "common/hasher.h"

namespace kiln::bench {

std::string DistinctBlob(size_t i, int seed) { return "blob " + std::to_string(seed) + "-" + std::to_string(i); }

std::vector<Digest> DistinctDigests(size_t count, int seed) {
  std::vector<Digest> digests;
  digests.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    digests.push_back(ComputeDigest(DigestFunction::kSha256, DistinctBlob(i, seed)));
  }
  return digests;
}

}  // namespace kiln::bench
