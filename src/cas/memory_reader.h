// Reads a blob held in memory, shared with whoever else holds it (a store, a cache).
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "cas/blob_store.h"

namespace kiln {

class MemoryReader final : public BlobReader {
 public:
  MemoryReader(std::shared_ptr<const std::string> data, size_t offset) : data_(std::move(data)), position_(offset) {}
  StatusOr<size_t> Read(char* buffer, size_t max) override {
    const size_t n = std::min(max, data_->size() - position_);
    std::memcpy(buffer, data_->data() + position_, n);
    position_ += n;
    return n;
  }
  StatusOr<LentBytes> ReadForSending(size_t max) override {
    const size_t n = std::min(max, data_->size() - position_);
    LentBytes lent{data_, data_->data() + position_, n};
    position_ += n;
    return lent;
  }

 private:
  std::shared_ptr<const std::string> data_;
  size_t position_;
};

}  // namespace kiln
