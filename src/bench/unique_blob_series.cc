#include "bench/unique_blob_series.h"

#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <random>

namespace kiln {
namespace {

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestContextDeleter>;

std::string ToHex(const std::array<uint8_t, 32>& hash) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(64, '0');
  for (size_t i = 0; i < hash.size(); ++i) {
    hex[2 * i] = kHex[hash[i] >> 4];
    hex[2 * i + 1] = kHex[hash[i] & 0xf];
  }
  return hex;
}

}  // namespace

std::string PseudoRandomBytes(size_t size, uint64_t seed) {
  std::string bytes(size, '\0');
  uint64_t state = seed | 1;
  for (size_t i = 0; i < size; i += sizeof(state)) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::memcpy(bytes.data() + i, &state, std::min(sizeof(state), size - i));
  }
  return bytes;
}

uint64_t NewRunTag() {
  std::random_device random;
  return (uint64_t{random()} << 32) ^ random();
}

UniqueBlobSeries::UniqueBlobSeries(size_t blob_size, uint64_t run_tag)
    : body_(PseudoRandomBytes(blob_size - kSuffixBytes, run_tag)), run_tag_(run_tag) {}

std::string UniqueBlobSeries::Suffix(size_t index) const {
  std::string suffix(kSuffixBytes, '\0');
  const uint64_t counter = index;
  std::memcpy(suffix.data(), &run_tag_, sizeof(run_tag_));
  std::memcpy(suffix.data() + sizeof(run_tag_), &counter, sizeof(counter));
  return suffix;
}

void UniqueBlobSeries::Prepare(size_t count) {
  DigestContext body_state(EVP_MD_CTX_new());
  DigestContext blob_state(EVP_MD_CTX_new());
  EVP_DigestInit_ex(body_state.get(), EVP_sha256(), nullptr);
  EVP_DigestUpdate(body_state.get(), body_.data(), body_.size());
  hashes_.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const std::string suffix = Suffix(i);
    EVP_MD_CTX_copy_ex(blob_state.get(), body_state.get());
    EVP_DigestUpdate(blob_state.get(), suffix.data(), suffix.size());
    unsigned int length = 0;
    EVP_DigestFinal_ex(blob_state.get(), hashes_[i].data(), &length);
  }
}

std::optional<size_t> UniqueBlobSeries::Take(size_t n) {
  const size_t first = next_.fetch_add(n);
  if (first + n > hashes_.size()) return std::nullopt;
  return first;
}

Digest UniqueBlobSeries::DigestOf(size_t index) const {
  // The hex comes from our own hash of the right length, so this cannot fail.
  return *Digest::Create(DigestFunction::kSha256, ToHex(hashes_[index]), static_cast<int64_t>(blob_size()));
}

}  // namespace kiln
