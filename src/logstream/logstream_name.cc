#include "logstream/logstream_name.h"

#include <vector>

#include "common/resource_name.h"

namespace kiln {
namespace {

constexpr std::string_view kLogStreamsSegment = "logstreams";

bool IsCasReservedSegment(std::string_view segment) {
  return segment == "blobs" || segment == "uploads" || segment == "compressed-blobs";
}

std::vector<std::string_view> Segments(std::string_view name) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t slash = name.find('/', start);
    parts.push_back(name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

}  // namespace

std::optional<LogStreamName> ParseLogStreamName(std::string_view name) {
  const std::vector<std::string_view> parts = Segments(name);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (IsCasReservedSegment(parts[i])) return std::nullopt;
    if (parts[i] != kLogStreamsSegment) continue;
    const size_t after = parts.size() - i - 1;
    if (after != 1 && after != 2) return std::nullopt;
    for (size_t j = i + 1; j < parts.size(); ++j) {
      if (parts[j].empty()) return std::nullopt;
    }
    LogStreamName parsed;
    const size_t read_length = static_cast<size_t>(parts[i + 1].data() + parts[i + 1].size() - name.data());
    parsed.read_name = std::string(name.substr(0, read_length));
    if (after == 2) parsed.write_token = std::string(parts[i + 2]);
    return parsed;
  }
  return std::nullopt;
}

Status ValidateLogStreamParent(std::string_view parent) {
  KILN_RETURN_IF_ERROR(ValidateInstanceName(parent));
  for (std::string_view segment : Segments(parent)) {
    if (segment == kLogStreamsSegment) {
      return Status::InvalidArgument("parent \"" + std::string(parent) + "\" must not contain a \"logstreams\" segment");
    }
  }
  return Status::Ok();
}

std::string MakeLogStreamReadName(std::string_view parent, std::string_view id) {
  std::string name(parent);
  if (!name.empty()) name += '/';
  name += kLogStreamsSegment;
  name += '/';
  name += id;
  return name;
}

std::string MakeLogStreamId(std::string_view holder, std::string_view random) {
  if (holder.empty()) return std::string(random);
  return std::string(holder) + "-" + std::string(random);
}

bool IsValidLogStreamHolder(std::string_view holder) {
  if (holder.empty() || holder.size() > 32) return false;
  for (char c : holder) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string_view LogStreamHolderOf(std::string_view read_name) {
  const std::optional<LogStreamName> parsed = ParseLogStreamName(read_name);
  if (!parsed || parsed->is_write_name()) return {};
  const size_t slash = read_name.rfind('/');
  const std::string_view id = read_name.substr(slash + 1);
  const size_t dash = id.find('-');
  if (dash == std::string_view::npos) return {};
  const std::string_view holder = id.substr(0, dash);
  return IsValidLogStreamHolder(holder) ? holder : std::string_view();
}

std::string MakeLogStreamWriteName(std::string_view read_name, std::string_view write_token) {
  return std::string(read_name) + "/" + std::string(write_token);
}

}  // namespace kiln
