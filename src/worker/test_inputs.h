// For worker tests: puts blobs and Directory trees into a CAS, and reads and writes small
// files. Header-only; test code only.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "cas/blob_store.h"
#include "common/hasher.h"
#include "common/proto_digest.h"

namespace kiln::testing {

namespace reapi = build::bazel::remote::execution::v2;

inline Digest PutBlob(BlobStore& cas, std::string_view data, DigestFunction function = DigestFunction::kSha256) {
  Digest digest = ComputeDigest(function, data);
  Status written = WriteBlob(cas, digest, data);
  EXPECT_TRUE(written.ok()) << written.ToString();
  return digest;
}

inline Digest PutMessage(BlobStore& cas, const google::protobuf::MessageLite& message,
                         DigestFunction function = DigestFunction::kSha256) {
  return PutBlob(cas, message.SerializeAsString(), function);
}

inline reapi::FileNode* AddFile(reapi::Directory& directory, const std::string& name, const Digest& digest,
                                bool executable = false) {
  reapi::FileNode* file = directory.add_files();
  file->set_name(name);
  *file->mutable_digest() = ToProto(digest);
  file->set_is_executable(executable);
  return file;
}

inline void AddDirectory(reapi::Directory& directory, const std::string& name, const Digest& digest) {
  reapi::DirectoryNode* child = directory.add_directories();
  child->set_name(name);
  *child->mutable_digest() = ToProto(digest);
}

inline void AddSymlink(reapi::Directory& directory, const std::string& name, const std::string& target) {
  reapi::SymlinkNode* symlink = directory.add_symlinks();
  symlink->set_name(name);
  symlink->set_target(target);
}

inline std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

inline void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream(path, std::ios::binary) << content;
}

inline std::string BlobText(BlobStore& cas, const reapi::Digest& digest,
                            DigestFunction function = DigestFunction::kSha256) {
  auto parsed = FromProto(function, digest, "digest");
  if (!parsed.ok()) return "<bad digest: " + parsed.status().ToString() + ">";
  auto data = ReadBlob(cas, *parsed);
  return data.ok() ? *data : "<" + data.status().ToString() + ">";
}

}  // namespace kiln::testing
