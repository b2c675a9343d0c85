// Reads a protobuf encoding from gRPC slices, where a receive buffer may have split it
// anywhere, without copying the bytes it hands out.
#pragma once

#include <grpcpp/support/slice.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace kiln {

class SliceCursor {
 public:
  // The slices must outlive the cursor and the pieces it hands out.
  explicit SliceCursor(const std::vector<grpc::Slice>& slices);

  bool AtEnd() const { return slice_ == slices_.size(); }
  // False if the bytes end first or run past ten bytes.
  bool ReadVarint(uint64_t* value) { return ReadVarintOf(10, value); }
  // A field key as protobuf reads it: at most five bytes, kept to 32 bits.
  bool ReadKey(uint32_t* key);
  // The next `length` bytes as pieces of the slices (null `pieces`: just skipped). False if
  // fewer bytes are left.
  bool Take(uint64_t length, std::vector<std::string_view>* pieces);

 private:
  bool ReadVarintOf(int max_bytes, uint64_t* value);
  void Advance(size_t bytes);
  void SkipEmptySlices();

  const std::vector<grpc::Slice>& slices_;
  size_t slice_ = 0;
  size_t offset_ = 0;
};

}  // namespace kiln
