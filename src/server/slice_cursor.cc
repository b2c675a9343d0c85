#include "server/slice_cursor.h"

namespace kiln {

SliceCursor::SliceCursor(const std::vector<grpc::Slice>& slices) : slices_(slices) { SkipEmptySlices(); }

bool SliceCursor::ReadKey(uint32_t* key) {
  uint64_t value = 0;
  if (!ReadVarintOf(5, &value)) return false;
  *key = static_cast<uint32_t>(value);
  return true;
}

bool SliceCursor::ReadVarintOf(int max_bytes, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 7 * max_bytes && shift < 64; shift += 7) {
    if (AtEnd()) return false;
    const uint8_t byte = slices_[slice_].begin()[offset_];
    Advance(1);
    *value |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

bool SliceCursor::Take(uint64_t length, std::vector<std::string_view>* pieces) {
  while (length > 0) {
    if (AtEnd()) return false;
    const grpc::Slice& slice = slices_[slice_];
    const size_t available = slice.size() - offset_;
    const size_t take = length < available ? static_cast<size_t>(length) : available;
    if (pieces) pieces->emplace_back(reinterpret_cast<const char*>(slice.begin()) + offset_, take);
    Advance(take);
    length -= take;
  }
  return true;
}

void SliceCursor::Advance(size_t bytes) {
  offset_ += bytes;
  if (offset_ == slices_[slice_].size()) {
    ++slice_;
    offset_ = 0;
    SkipEmptySlices();
  }
}

void SliceCursor::SkipEmptySlices() {
  while (slice_ < slices_.size() && slices_[slice_].size() == 0) ++slice_;
}

}  // namespace kiln
