// Metadata keys of REAPI's ByteStream calls, for kiln's clients and its server alike
// (server/resource_name_header.h holds a server to them).
#pragma once

#include <string_view>

namespace kiln {

// The optional header repeating a request's resource_name, for proxies that route by it
// without parsing the message (and for kiln, which can tell a log stream's Write from an
// upload before reading it).
inline constexpr std::string_view kResourceNameHeader = "build.bazel.remote.execution.v2.resource-name";

}  // namespace kiln
