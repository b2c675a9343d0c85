// REAPI's optional ByteStream header `build.bazel.remote.execution.v2.resource-name`: a
// client MAY send the request's resource_name as plain-text metadata (for proxies that
// route by it without parsing the message), and if it does, the spec says its contents
// MUST match the resource_name of the request message. kiln routes nothing by it (it only
// lets a log stream's Write in before reading it while every upload slot is taken), but a
// call whose header disagrees with its message is refused (INVALID_ARGUMENT): a router in
// front of kiln would have sent it by the header, kiln would act on the message, and the
// two would be speaking of different blobs.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <optional>
#include <string_view>

#include "common/bytestream_metadata.h"
#include "common/status.h"

namespace kiln {


// OK without the header; with it (every value, should a client send several), each must
// equal `resource_name`.
Status CheckResourceNameHeader(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                               std::string_view resource_name);

// The header's (first) value, if the client sent it. Points into `metadata`.
std::optional<std::string_view> ResourceNameHeader(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

}  // namespace kiln
