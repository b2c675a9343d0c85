// Conversions between REAPI's Compressor enum and kiln's Compression (compression.h), for
// the batch RPCs' per-item compressors and the capabilities.
#pragma once

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "common/compression.h"

namespace kiln {

namespace reapi = build::bazel::remote::execution::v2;

// INVALID_ARGUMENT for a compressor kiln does not serve, naming `field`.
StatusOr<Compression> CompressionFromProto(reapi::Compressor::Value value, std::string_view field);
reapi::Compressor::Value ToProto(Compression compression);

}  // namespace kiln
