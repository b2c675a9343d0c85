// BlobIndex's listing in digest order (ListingScan, ScanForListing): kept apart from the
// index's hot paths, which it shares only the slot layout with.
#include <algorithm>
#include <array>
#include <cstring>

#include "cas/blob_index.h"

namespace kiln {
namespace {

// A digest in binary form, ordered as ListingLess orders digests: comparing lowercase hex
// strings is comparing their bytes, a shorter hash first when one is a prefix of the other.
struct ListKey {
  std::array<uint8_t, 64> bytes{};
  uint8_t length = 0;
  int64_t size = 0;
  DigestFunction function = DigestFunction::kSha256;

  friend bool operator<(const ListKey& a, const ListKey& b) {
    const size_t common = std::min(a.length, b.length);
    if (int order = std::memcmp(a.bytes.data(), b.bytes.data(), common); order != 0) return order < 0;
    if (a.length != b.length) return a.length < b.length;
    if (a.size != b.size) return a.size < b.size;
    return a.function < b.function;
  }
  friend bool operator==(const ListKey& a, const ListKey& b) { return !(a < b) && !(b < a); }
};

ListKey KeyOf(const Digest& digest) {
  ListKey key;
  const std::string& hex = digest.hash();
  key.length = static_cast<uint8_t>(std::min<size_t>(hex.size() / 2, key.bytes.size()));
  const auto value = [](char c) { return static_cast<uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); };
  for (size_t i = 0; i < key.length; ++i) {
    key.bytes[i] = static_cast<uint8_t>(value(hex[2 * i]) << 4 | value(hex[2 * i + 1]));
  }
  key.size = digest.size();
  key.function = digest.function();
  return key;
}

Digest DigestOf(const ListKey& key) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  std::string hex(2 * key.length, '\0');
  for (size_t i = 0; i < key.length; ++i) {
    hex[2 * i] = kHexDigits[key.bytes[i] >> 4];
    hex[2 * i + 1] = kHexDigits[key.bytes[i] & 0xf];
  }
  return *Digest::Create(key.function, hex, key.size);
}

}  // namespace

struct BlobIndex::ListingScan::State {
  std::optional<ListKey> after;
  size_t limit = 0;
  std::vector<ListKey> heap;  // Max-heap: the largest of the page so far on top.
  bool more = false;
};

BlobIndex::ListingScan::ListingScan(const std::optional<Digest>& after, size_t limit)
    : state_(std::make_unique<State>()) {
  if (after) state_->after = KeyOf(*after);
  state_->limit = limit;
}
BlobIndex::ListingScan::~ListingScan() = default;
BlobIndex::ListingScan::ListingScan(ListingScan&&) noexcept = default;
BlobIndex::ListingScan& BlobIndex::ListingScan::operator=(ListingScan&&) noexcept = default;

BlobListPage BlobIndex::ListingScan::Finish() {
  std::vector<ListKey>& keys = state_->heap;
  std::sort(keys.begin(), keys.end());
  // A blob evicted and stored again between two ranges may have been seen in two slots.
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  BlobListPage page;
  page.more = state_->more;
  page.digests.reserve(keys.size());
  for (const ListKey& key : keys) page.digests.push_back(DigestOf(key));
  keys.clear();
  return page;
}

uint32_t BlobIndex::ScanForListing(ListingScan& scan, uint32_t begin, uint32_t count) {
  ListingScan::State& state = *scan.state_;
  const uint32_t end = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{begin} + count, slots_used_));
  ListKey key;
  for (uint32_t id = begin; id < end; ++id) {
    const Slot& s = slot(id);
    if (!s.in_use) continue;
    key.length = static_cast<uint8_t>(HashHexLength(s.function) / 2);
    std::memcpy(key.bytes.data(), s.hash, kSlotHashBytes);
    if (key.length > kSlotHashBytes) {
      std::memcpy(key.bytes.data() + kSlotHashBytes, long_tails_.at(id).data(), kSlotHashBytes);
    }
    key.size = s.size;
    key.function = s.function;
    if (state.after && !(*state.after < key)) continue;
    if (state.heap.size() < state.limit) {
      state.heap.push_back(key);
      std::push_heap(state.heap.begin(), state.heap.end());
      continue;
    }
    state.more = true;
    if (state.heap.empty() || !(key < state.heap.front())) continue;
    std::pop_heap(state.heap.begin(), state.heap.end());
    state.heap.back() = key;
    std::push_heap(state.heap.begin(), state.heap.end());
  }
  return std::max(end, begin);
}

}  // namespace kiln
