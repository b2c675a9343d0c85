// Blobs whose bytes are a function of a seed and a size, for tests that write more data than
// they should hold in memory: the bytes are generated again, a chunk at a time, whenever the
// blob is uploaded or checked, and only the digest is kept. The bytes are those of
// PseudoRandomBytes(size, seed), so small blobs can be made whole with it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "test_util.h"

namespace kiln_test {

// The bytes of PseudoRandomBytes(size, seed), in order, in chunks.
class SeededBytes {
 public:
  SeededBytes(uint64_t seed, int64_t size);
  // Up to `max` more bytes (fewer only at the end). REQUIRES: max is a multiple of 8.
  std::string Next(size_t max);
  int64_t remaining() const { return remaining_; }

 private:
  uint64_t state_;
  int64_t remaining_;
};

struct SeededBlob {
  uint64_t seed = 0;
  kiln::Digest digest;  // SHA-256.

  int64_t size() const { return digest.size(); }
  std::string Bytes() const { return PseudoRandomBytes(static_cast<size_t>(size()), seed); }
};

// Hashes the bytes as they are generated.
SeededBlob MakeSeededBlob(uint64_t seed, int64_t size);

// Uploads the blob with one ByteStream Write, generating it in 1 MiB messages; after each
// message is sent, `sent(bytes sent so far)` (may be empty).
grpc::Status StreamSeededBlob(google::bytestream::ByteStream::Stub& bytestream, const SeededBlob& blob,
                              const std::function<void(int64_t)>& sent = {});

// Reads `digest` with one ByteStream Read, hashing as the bytes arrive: success only if the
// call succeeds and the bytes match the digest. Never holds more than one message.
::testing::AssertionResult StreamsBackIntact(google::bytestream::ByteStream::Stub& bytestream,
                                             const kiln::Digest& digest);

}  // namespace kiln_test
