#include "common/proto_compression.h"

namespace kiln {

StatusOr<Compression> CompressionFromProto(reapi::Compressor::Value value, std::string_view field) {
  switch (value) {
    case reapi::Compressor::IDENTITY: return Compression::kIdentity;
    case reapi::Compressor::ZSTD: return Compression::kZstd;
    case reapi::Compressor::DEFLATE: return Compression::kDeflate;
    case reapi::Compressor::BROTLI: return Compression::kBrotli;
    default:
      return Status::InvalidArgument(std::string(field) + " " + std::to_string(static_cast<int>(value)) +
                                     " is not supported (kiln supports IDENTITY, ZSTD, DEFLATE and BROTLI)");
  }
}

reapi::Compressor::Value ToProto(Compression compression) {
  switch (compression) {
    case Compression::kIdentity: break;
    case Compression::kZstd: return reapi::Compressor::ZSTD;
    case Compression::kDeflate: return reapi::Compressor::DEFLATE;
    case Compression::kBrotli: return reapi::Compressor::BROTLI;
  }
  return reapi::Compressor::IDENTITY;
}

}  // namespace kiln
