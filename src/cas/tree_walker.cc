#include "cas/tree_walker.h"

#include <charconv>

namespace kiln {
namespace {

constexpr std::string_view kTokenPrefix = "v1:";

StatusOr<uint64_t> ParsePageToken(std::string_view token) {
  if (token.empty()) return uint64_t{0};
  uint64_t skip = 0;
  std::string_view number = token.substr(std::min(token.size(), kTokenPrefix.size()));
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), skip);
  if (!token.starts_with(kTokenPrefix) || error != std::errc() || end != number.data() + number.size()) {
    return Status::InvalidArgument("page_token \"" + std::string(token.substr(0, 100)) +
                                   "\" was not issued by this server");
  }
  return skip;
}

}  // namespace

TreeWalker::TreeWalker(BlobStore* cas, const Digest& root, int64_t max_message_bytes)
    : cas_(cas), max_message_bytes_(max_message_bytes), function_(root.function()) {
  queue_.push_back(root);
  seen_.insert(root);
}

StatusOr<std::unique_ptr<TreeWalker>> TreeWalker::Start(BlobStore* cas, const Digest& root, std::string_view page_token,
                                                        int64_t max_message_bytes) {
  auto skip = ParsePageToken(page_token);
  if (!skip.ok()) return skip.status();
  if (!ContainsBlob(*cas, root)) return Status::NotFound("root directory " + root.ToString() + " is not in the CAS");
  KILN_RETURN_IF_ERROR(CheckMessageSize(root, max_message_bytes, "root Directory"));
  std::unique_ptr<TreeWalker> walker(new TreeWalker(cas, root, max_message_bytes));
  while (walker->returned_ < *skip && !walker->done()) {
    auto next = walker->PopNext();
    if (!next.ok()) return next.status();
    if (next->has_value()) ++walker->returned_;
  }
  return walker;
}

StatusOr<std::optional<reapi::Directory>> TreeWalker::PopNext() {
  Digest digest = queue_.front();
  queue_.pop_front();
  reapi::Directory directory;
  Status read = ReadMessageBlob(*cas_, digest, max_message_bytes_, "Directory", directory);
  // Missing and malformed directories are skipped: the portion present is returned.
  if (read.code() == StatusCode::kNotFound || read.code() == StatusCode::kInvalidArgument) {
    return std::optional<reapi::Directory>();
  }
  if (!read.ok()) return read;
  for (const auto& child : directory.directories()) {
    auto child_digest = FromProto(function_, child.digest(), "");
    if (child_digest.ok() && seen_.insert(*child_digest).second) queue_.push_back(std::move(child_digest).value());
  }
  return std::optional<reapi::Directory>(std::move(directory));
}

StatusOr<TreePage> TreeWalker::NextPage(int max_directories, int64_t max_bytes) {
  TreePage page;
  int64_t bytes = 0;
  while (!done() && static_cast<int>(page.directories.size()) < max_directories && bytes < max_bytes) {
    auto next = PopNext();
    if (!next.ok()) return next.status();
    if (!next->has_value()) continue;
    bytes += static_cast<int64_t>((*next)->ByteSizeLong());
    page.directories.push_back(std::move(**next));
    ++returned_;
  }
  if (!done()) page.next_page_token = std::string(kTokenPrefix) + std::to_string(returned_);
  return page;
}

}  // namespace kiln
