#include "cas/blob_listing.h"

#include <algorithm>
#include <charconv>

namespace kiln {

bool ListingLess(const Digest& a, const Digest& b) {
  if (int order = a.hash().compare(b.hash()); order != 0) return order < 0;
  if (a.size() != b.size()) return a.size() < b.size();
  return a.function() < b.function();
}

BlobListPage ListPageOf(std::vector<Digest> digests, const std::optional<Digest>& after, size_t limit) {
  BlobListPage page;
  page.store_blobs = static_cast<int64_t>(digests.size());
  for (const Digest& digest : digests) page.store_bytes += digest.size();
  if (after) {
    std::erase_if(digests, [&](const Digest& digest) { return !ListingLess(*after, digest); });
  }
  std::sort(digests.begin(), digests.end(), ListingLess);
  page.more = digests.size() > limit;
  if (page.more) digests.resize(limit);
  page.digests = std::move(digests);
  return page;
}

std::string ListingToken(const Digest& digest) {
  return std::string(DigestFunctionName(digest.function())) + "/" + digest.hash() + "/" +
         std::to_string(digest.size());
}

StatusOr<Digest> ParseListingToken(const std::string& token) {
  const size_t first = token.find('/');
  const size_t second = first == std::string::npos ? first : token.find('/', first + 1);
  const auto bad = [&] { return Status::InvalidArgument("\"" + token + "\" is not a blob listing's page token"); };
  if (second == std::string::npos) return bad();
  auto function = DigestFunctionFromName(std::string_view(token).substr(0, first));
  if (!function.ok()) return bad();
  int64_t size = -1;
  const char* end = token.data() + token.size();
  auto [rest, error] = std::from_chars(token.data() + second + 1, end, size);
  if (error != std::errc() || rest != end) return bad();
  auto digest = Digest::Create(*function, std::string_view(token).substr(first + 1, second - first - 1), size);
  if (!digest.ok()) return bad();
  return digest;
}

double ListingFraction(const Digest& digest) {
  uint64_t prefix = 0;
  const std::string& hex = digest.hash();
  for (size_t i = 0; i < 16; ++i) {
    const char c = i < hex.size() ? hex[i] : '0';
    prefix = prefix << 4 | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return static_cast<double>(prefix) / 18446744073709551616.0;
}

}  // namespace kiln
