#include "server/resource_name_header.h"

namespace kiln {

Status CheckResourceNameHeader(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                               std::string_view resource_name) {
  const grpc::string_ref key(kResourceNameHeader.data(), kResourceNameHeader.size());
  auto [begin, end] = metadata.equal_range(key);
  for (auto it = begin; it != end; ++it) {
    const std::string_view value(it->second.data(), it->second.size());
    if (value != resource_name) {
      return Status::InvalidArgument("the " + std::string(kResourceNameHeader) + " header \"" + std::string(value) +
                                     "\" does not match the request's resource_name \"" + std::string(resource_name) +
                                     "\"");
    }
  }
  return Status::Ok();
}

std::optional<std::string_view> ResourceNameHeader(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  auto it = metadata.find(grpc::string_ref(kResourceNameHeader.data(), kResourceNameHeader.size()));
  if (it == metadata.end()) return std::nullopt;
  return std::string_view(it->second.data(), it->second.size());
}

}  // namespace kiln
