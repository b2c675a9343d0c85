#include "ac/action_cache.h"

#include <algorithm>

#include "common/hasher.h"

namespace kiln {
namespace {

Status AddDirectoryFiles(DigestFunction function, const reapi::Directory& directory, const std::string& where,
                         std::vector<Digest>& out) {
  for (int i = 0; i < directory.files_size(); ++i) {
    auto digest = FromProto(function, directory.files(i).digest(), where + ".files[" + std::to_string(i) + "].digest");
    if (!digest.ok()) return digest.status();
    out.push_back(std::move(digest).value());
  }
  return Status::Ok();
}

}  // namespace

std::string ActionCacheKey(const std::string& instance_name, const Digest& action_digest) {
  std::string material = instance_name;
  material += '\0';
  material += DigestFunctionName(action_digest.function());
  material += '\0';
  material += action_digest.ToString();
  return HashHex(DigestFunction::kSha256, material);
}

StatusOr<std::vector<Digest>> DirectlyReferencedBlobs(DigestFunction function, const reapi::ActionResult& result) {
  std::vector<Digest> blobs;
  auto add = [&](const reapi::Digest& digest, const std::string& field) -> Status {
    auto d = FromProto(function, digest, field);
    if (!d.ok()) return d.status();
    blobs.push_back(std::move(d).value());
    return Status::Ok();
  };
  for (int i = 0; i < result.output_files_size(); ++i) {
    Status added = add(result.output_files(i).digest(), "");  // Named only on error: this runs on every hit.
    if (!added.ok()) return added.WithContext("output_files[" + std::to_string(i) + "].digest");
  }
  if (result.has_stdout_digest()) KILN_RETURN_IF_ERROR(add(result.stdout_digest(), "stdout_digest"));
  if (result.has_stderr_digest()) KILN_RETURN_IF_ERROR(add(result.stderr_digest(), "stderr_digest"));
  for (int i = 0; i < result.output_directories_size(); ++i) {
    const auto& output = result.output_directories(i);
    const std::string field = "output_directories[" + std::to_string(i) + "]";
    KILN_RETURN_IF_ERROR(add(output.tree_digest(), field + ".tree_digest"));
    if (output.has_root_directory_digest()) {
      KILN_RETURN_IF_ERROR(add(output.root_directory_digest(), field + ".root_directory_digest"));
    }
  }
  return blobs;
}

StatusOr<std::vector<Digest>> ReferencedBlobs(BlobStore& cas, DigestFunction function, const reapi::ActionResult& result,
                                              int64_t max_tree_bytes) {
  auto blobs = DirectlyReferencedBlobs(function, result);
  if (!blobs.ok()) return blobs;
  for (int i = 0; i < result.output_directories_size(); ++i) {
    const std::string field = "output_directories[" + std::to_string(i) + "]";
    // Validated above.
    Digest tree_digest = *FromProto(function, result.output_directories(i).tree_digest(), field);
    reapi::Tree tree;
    Status read = ReadMessageBlob(cas, tree_digest, max_tree_bytes, "output Tree " + field, tree);
    if (!read.ok()) return Status::NotFound(read.message());
    KILN_RETURN_IF_ERROR(AddDirectoryFiles(function, tree.root(), field + ".root", *blobs));
    for (int c = 0; c < tree.children_size(); ++c) {
      KILN_RETURN_IF_ERROR(AddDirectoryFiles(function, tree.children(c), field + ".children[" + std::to_string(c) + "]", *blobs));
    }
  }
  return blobs;
}

void InlineResultContents(BlobStore& cas, int64_t max_inline_bytes, reapi::ActionResult& result,
                          const InlineRequest& inline_request, DigestFunction function) {
  int64_t budget = max_inline_bytes;
  // Inlining is best effort: REAPI lets the server skip anything over its limits.
  auto try_inline = [&](const reapi::Digest& proto_digest, std::string* target) {
    auto digest = FromProto(function, proto_digest, "");
    if (!digest.ok() || digest->size() > budget) return;
    auto data = ReadBlob(cas, *digest);
    if (!data.ok()) return;
    budget -= digest->size();
    *target = std::move(data).value();
  };
  if (inline_request.stdout_raw && result.has_stdout_digest() && result.stdout_raw().empty()) {
    try_inline(result.stdout_digest(), result.mutable_stdout_raw());
  }
  if (inline_request.stderr_raw && result.has_stderr_digest() && result.stderr_raw().empty()) {
    try_inline(result.stderr_digest(), result.mutable_stderr_raw());
  }
  for (auto& file : *result.mutable_output_files()) {
    const auto& wanted = inline_request.output_files;
    if (file.contents().empty() && std::find(wanted.begin(), wanted.end(), file.path()) != wanted.end()) {
      try_inline(file.digest(), file.mutable_contents());
    }
  }
}

}  // namespace kiln
