#include "common/resource_name.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

namespace kiln {
namespace {

constexpr std::string_view kReservedSegments[] = {
    "blobs", "uploads", "actions", "actionResults", "operations", "capabilities", "compressed-blobs"};

// REAPI's other digest functions, in resource names' spelling: kiln implements none of
// them, so a name using one is refused as such rather than misread as a hash and a size.
constexpr std::string_view kUnsupportedFunctionNames[] = {"vso", "murmur3", "sha256tree"};

std::vector<std::string_view> SplitSegments(std::string_view name) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = name.find('/', start);
    parts.push_back(name.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string JoinSegments(const std::vector<std::string_view>& parts, size_t end) {
  std::string out;
  for (size_t i = 0; i < end; ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out;
}

Status Malformed(std::string_view name, std::string_view why) {
  return Status::InvalidArgument("resource name \"" + std::string(name.substr(0, 300)) +
                                 "\" is malformed: " + std::string(why));
}

// Parses "[compressed-blobs/{c}|blobs]/{function/}{hash}/{size}{/rest}" starting at parts[i].
// `allow_metadata` permits trailing segments (write names only).
StatusOr<BlobResourceName> ParseBlobTail(std::string_view name, const std::vector<std::string_view>& parts,
                                         size_t i, bool allow_metadata) {
  BlobResourceName result;
  if (parts[i] == "compressed-blobs") {
    if (i + 1 >= parts.size()) return Malformed(name, "compressor missing after compressed-blobs");
    auto compression = CompressionFromName(parts[i + 1]);
    if (!compression.ok()) return compression.status();
    if (*compression == Compression::kIdentity) {
      return Malformed(name, "compressed-blobs needs a real compressor, not identity");
    }
    result.compression = *compression;
    i += 2;
  } else {
    i += 1;
  }
  // Optional digest function segment: present when the segment is not hex-of-a-known-length
  // followed by a size. Decide by name, since function names are not hex.
  std::optional<DigestFunction> function;
  if (i < parts.size()) {
    auto by_name = DigestFunctionFromName(parts[i]);
    if (by_name.ok()) {
      function = *by_name;
      ++i;
    } else if (std::find(std::begin(kUnsupportedFunctionNames), std::end(kUnsupportedFunctionNames), parts[i]) !=
               std::end(kUnsupportedFunctionNames)) {
      return by_name.status().WithContext("resource name \"" + std::string(name.substr(0, 300)) + "\"");
    }
  }
  if (i + 1 >= parts.size()) return Malformed(name, "expected {hash}/{size}");
  std::string_view hash = parts[i];
  std::string_view size_text = parts[i + 1];
  if (!allow_metadata && i + 2 != parts.size()) return Malformed(name, "unexpected segments after the size");
  int64_t size = -1;
  auto [end, error] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
  if (error != std::errc() || end != size_text.data() + size_text.size() || size_text.empty()) {
    return Malformed(name, "size \"" + std::string(size_text) + "\" is not a decimal integer");
  }
  if (!function) {
    auto inferred = DigestFunctionForHashLength(hash.size());
    if (!inferred.ok()) return inferred.status().WithContext("resource name \"" + std::string(name.substr(0, 300)) + "\"");
    function = *inferred;
  }
  auto digest = Digest::Create(*function, hash, size);
  if (!digest.ok()) return digest.status().WithContext("resource name \"" + std::string(name.substr(0, 300)) + "\"");
  result.digest = std::move(digest).value();
  return result;
}

}  // namespace

Status ValidateInstanceName(std::string_view instance_name) {
  if (instance_name.empty()) return Status::Ok();
  for (std::string_view segment : SplitSegments(instance_name)) {
    if (segment.empty() || segment == "." || segment == "..") {
      return Status::InvalidArgument("instance_name \"" + std::string(instance_name) +
                                     "\" has an empty, '.' or '..' path segment");
    }
    for (std::string_view reserved : kReservedSegments) {
      if (segment == reserved) {
        return Status::InvalidArgument("instance_name \"" + std::string(instance_name) +
                                       "\" contains the reserved segment \"" + std::string(reserved) + "\"");
      }
    }
  }
  return Status::Ok();
}

StatusOr<BlobResourceName> ParseReadResourceName(std::string_view name) {
  auto parts = SplitSegments(name);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "blobs" || parts[i] == "compressed-blobs") {
      auto parsed = ParseBlobTail(name, parts, i, /*allow_metadata=*/false);
      if (!parsed.ok()) return parsed;
      parsed->instance_name = JoinSegments(parts, i);
      KILN_RETURN_IF_ERROR(ValidateInstanceName(parsed->instance_name));
      return parsed;
    }
  }
  return Malformed(name, "expected {instance}/blobs/{hash}/{size} or {instance}/compressed-blobs/{compressor}/{hash}/{size}");
}

StatusOr<BlobResourceName> ParseWriteResourceName(std::string_view name) {
  auto parts = SplitSegments(name);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] != "uploads") continue;
    if (i + 2 >= parts.size() || (parts[i + 2] != "blobs" && parts[i + 2] != "compressed-blobs")) {
      return Malformed(name, "expected uploads/{uuid}/blobs/... or uploads/{uuid}/compressed-blobs/...");
    }
    if (parts[i + 1].empty()) return Malformed(name, "the upload id after uploads/ is empty");
    auto parsed = ParseBlobTail(name, parts, i + 2, /*allow_metadata=*/true);
    if (!parsed.ok()) return parsed;
    parsed->instance_name = JoinSegments(parts, i);
    parsed->upload_id = std::string(parts[i + 1]);
    KILN_RETURN_IF_ERROR(ValidateInstanceName(parsed->instance_name));
    return parsed;
  }
  return Malformed(name, "expected {instance}/uploads/{uuid}/blobs/{hash}/{size}");
}

namespace {
std::string BlobPath(const Digest& digest, Compression compression) {
  std::string out = compression == Compression::kIdentity
                        ? "blobs/"
                        : "compressed-blobs/" + std::string(CompressionName(compression)) + "/";
  // REAPI asks clients to omit the function segment for functions inferable from length,
  // and to name every other.
  if (!ImpliedByHashLength(digest.function())) out += std::string(DigestFunctionName(digest.function())) + "/";
  return out + digest.ToString();
}
std::string Prefix(std::string_view instance_name) {
  return instance_name.empty() ? std::string() : std::string(instance_name) + "/";
}
}  // namespace

std::string MakeReadResourceName(std::string_view instance_name, const Digest& digest, Compression compression) {
  return Prefix(instance_name) + BlobPath(digest, compression);
}

std::string MissingBlobSubject(const Digest& digest) { return BlobPath(digest, Compression::kIdentity); }

std::string MakeWriteResourceName(std::string_view instance_name, std::string_view upload_id,
                                  const Digest& digest, Compression compression) {
  return Prefix(instance_name) + "uploads/" + std::string(upload_id) + "/" + BlobPath(digest, compression);
}

}  // namespace kiln
