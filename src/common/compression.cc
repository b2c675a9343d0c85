#include "common/compression.h"

#include "common/brotli_codec.h"
#include "common/deflate_codec.h"

namespace kiln {

std::string_view CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kIdentity: break;
    case Compression::kZstd: return "zstd";
    case Compression::kDeflate: return "deflate";
    case Compression::kBrotli: return "brotli";
  }
  return "identity";
}

StatusOr<Compression> CompressionFromName(std::string_view name) {
  if (name == "identity") return Compression::kIdentity;
  for (Compression compression : kServedCompressions) {
    if (name == CompressionName(compression)) return compression;
  }
  return Status::InvalidArgument("unsupported compressor \"" + std::string(name) +
                                 "\" (kiln supports identity, zstd, deflate and brotli)");
}

std::unique_ptr<StreamCompressor> NewCompressor(Compression compression) {
  switch (compression) {
    case Compression::kIdentity: break;
    case Compression::kZstd: return std::make_unique<ZstdCompressor>();
    case Compression::kDeflate: return std::make_unique<DeflateCompressor>();
    case Compression::kBrotli: return std::make_unique<BrotliCompressor>();
  }
  return nullptr;
}

std::unique_ptr<StreamDecompressor> NewDecompressor(Compression compression) {
  switch (compression) {
    case Compression::kIdentity: break;
    case Compression::kZstd: return std::make_unique<ZstdDecompressor>();
    case Compression::kDeflate: return std::make_unique<DeflateDecompressor>();
    case Compression::kBrotli: return std::make_unique<BrotliDecompressor>();
  }
  return nullptr;
}

StatusOr<std::string> CompressBytes(Compression compression, std::string_view input) {
  if (compression == Compression::kIdentity) return std::string(input);
  std::string out;
  KILN_RETURN_IF_ERROR(NewCompressor(compression)->Compress(input, /*last=*/true, &out));
  return out;
}

StatusOr<std::string> DecompressBytes(Compression compression, std::string_view input, int64_t max_output) {
  if (compression == Compression::kIdentity) {
    if (static_cast<int64_t>(input.size()) > max_output) {
      return Status::InvalidArgument("data of " + std::to_string(input.size()) + " bytes is over the declared " +
                                     std::to_string(max_output));
    }
    return std::string(input);
  }
  auto decompressor = NewDecompressor(compression);
  std::string out;
  KILN_RETURN_IF_ERROR(decompressor->DecompressTo(input, &out, max_output));
  if (!decompressor->AtEnd()) {
    return Status::InvalidArgument(std::string(CompressionName(compression)) + " data ends before its stream does");
  }
  return out;
}

}  // namespace kiln
