// Enumerating what a store holds, a page at a time: what the repair pass over a storage ring
// (ring_repair_pass.h) walks every node with. Blobs are listed in one total order over all
// digests -- by hash (as its lowercase hex), then size, then function -- and a page starts
// after a given digest, so a listing is stable while the store changes under it: a blob
// present from the first page to the last is listed exactly once, whatever is written or
// evicted meanwhile, and every node of a ring lists in the same order, so that listings of
// several nodes can be merged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/digest.h"
#include "common/status.h"

namespace kiln {

// The listing order.
bool ListingLess(const Digest& a, const Digest& b);

struct BlobListPage {
  std::vector<Digest> digests;  // In listing order, each after the page's start.
  // Whether blobs after the last one were left for a later page.
  bool more = false;
  // The whole store when the page was taken (for status pages).
  int64_t store_blobs = 0;
  int64_t store_bytes = 0;
};

class BlobLister {
 public:
  virtual ~BlobLister() = default;
  // Up to `limit` blobs after `after` (from the first if nullopt). A limit of 0 asks for the
  // totals alone.
  virtual StatusOr<BlobListPage> ListBlobs(const std::optional<Digest>& after, size_t limit) = 0;
};

// A page of `digests` (any order, no repeats) as a store holding exactly these would list it.
BlobListPage ListPageOf(std::vector<Digest> digests, const std::optional<Digest>& after, size_t limit);

// How a listing position travels (a page token, a saved cursor): "FUNCTION/HASH/SIZE".
std::string ListingToken(const Digest& digest);
// INVALID_ARGUMENT for text ListingToken did not make.
StatusOr<Digest> ParseListingToken(const std::string& token);

// How far through the listing order `digest` is, from 0 to 1 (the hash's first 64 bits:
// hashes are uniform, so this is the share of any store's blobs listed before it).
double ListingFraction(const Digest& digest);

}  // namespace kiln
