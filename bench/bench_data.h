// Inputs shared by the microbenchmarks: digests of distinct blobs, made once.
#pragma once

#include <string>
#include <vector>

#include "common/digest.h"

namespace kiln::bench {

// Small blob number `i` of a series; series with different seeds share no blob.
std::string DistinctBlob(size_t i, int seed);
// SHA-256 digests of DistinctBlob(0..count-1, seed).
std::vector<Digest> DistinctDigests(size_t count, int seed);

}  // namespace kiln::bench
