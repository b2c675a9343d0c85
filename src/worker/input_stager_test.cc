// Staging input trees: layout, modes, node properties, hardlinks from a DiskBlobStore (and
// when they must not be used), missing blobs, cancellation.
#include "worker/input_stager.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cas/disk_blob_store.h"
#include "cas/memory_blob_store.h"
#include "testing/temp_dir.h"
#include "worker/path_beneath.h"
#include "worker/test_inputs.h"

namespace kiln {
namespace {

using namespace kiln::testing;  // NOLINT: test helpers

struct stat Lstat(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

class InputStagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DiskBlobStoreOptions options;
    options.root = cas_dir_.path();
    auto store = DiskBlobStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    disk_ = std::move(store).value();
    std::filesystem::create_directories(root());
  }

  std::string root() const { return work_.path() + "/root"; }

  Status Stage(BlobStore& cas, const Digest& tree, bool hardlink) {
    InputStagerOptions options;
    options.cas = &cas;
    options.hardlink = hardlink;
    if (&cas == disk_.get()) options.local_blob_path = [this](const Digest& d) { return disk_->VerifiedPathFor(d); };
    InputStager stager(options, cancelled_);
    auto root_fd = OpenDirectory(root());
    EXPECT_TRUE(root_fd.ok());
    Status status = stager.Stage(tree, root_fd->get());
    stats_ = stager.stats();
    return status;
  }

  TempDir cas_dir_, work_;
  std::unique_ptr<DiskBlobStore> disk_;
  MemoryBlobStore memory_;
  std::atomic<bool> cancelled_{false};
  StagingStats stats_;
};

TEST_F(InputStagerTest, StagesFilesDirectoriesAndSymlinksWithReadOnlyModes) {
  reapi::Directory deep;
  AddFile(deep, "deep.txt", PutBlob(memory_, "deep"));
  const Digest deep_digest = PutMessage(memory_, deep);
  reapi::Directory sub;
  AddDirectory(sub, "nested", deep_digest);
  reapi::Directory root_directory;
  AddFile(root_directory, "a.txt", PutBlob(memory_, "hello"));
  AddFile(root_directory, "empty", PutBlob(memory_, ""));
  AddFile(root_directory, "tool", PutBlob(memory_, "#!/bin/sh\n"), /*executable=*/true);
  AddDirectory(root_directory, "same", deep_digest);
  AddDirectory(root_directory, "sub", PutMessage(memory_, sub));
  AddSymlink(root_directory, "dangling", "../../outside");
  AddSymlink(root_directory, "link", "a.txt");

  ASSERT_TRUE(Stage(memory_, PutMessage(memory_, root_directory), /*hardlink=*/true).ok());
  EXPECT_EQ(ReadFileOrEmpty(root() + "/a.txt"), "hello");
  EXPECT_EQ(Lstat(root() + "/a.txt").st_mode & 07777, 0444u);
  EXPECT_EQ(Lstat(root() + "/empty").st_size, 0);
  EXPECT_EQ(Lstat(root() + "/tool").st_mode & 07777, 0555u);
  EXPECT_EQ(ReadFileOrEmpty(root() + "/sub/nested/deep.txt"), "deep");
  EXPECT_EQ(ReadFileOrEmpty(root() + "/same/deep.txt"), "deep");
  EXPECT_EQ(Lstat(root() + "/sub").st_mode & 07777, 0755u);
  EXPECT_EQ(std::filesystem::read_symlink(root() + "/link"), "a.txt");
  EXPECT_EQ(std::filesystem::read_symlink(root() + "/dangling"), "../../outside");
  EXPECT_EQ(stats_.files_linked, 0);  // No local paths: everything is copied.
  EXPECT_EQ(stats_.files_copied, 5);
  EXPECT_EQ(stats_.directories, 4);  // root, same, sub, sub/nested.
}

// A CAS file changed behind kiln's back is neither linked nor copied into the tree: staging
// fails with the missing-input FAILED_PRECONDITION (so the client uploads it again).
TEST_F(InputStagerTest, CorruptStoredInputIsAMissingInputWhetherLinkedOrCopied) {
  for (bool hardlink : {true, false}) {
    SCOPED_TRACE(hardlink ? "hardlink" : "copy");
    const std::string content = std::string(hardlink ? "linked" : "copied") + " input that rots";
    const Digest input = PutBlob(*disk_, content);
    reapi::Directory directory;
    AddFile(directory, "in", input);
    const Digest tree = PutMessage(*disk_, directory);
    const std::string path = disk_->PathFor(input);
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    {
      std::FILE* file = std::fopen(path.c_str(), "r+");
      ASSERT_NE(file, nullptr);
      std::fputc('#', file);
      std::fclose(file);
    }
    ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
    std::filesystem::remove_all(root());
    std::filesystem::create_directories(root());
    Status status = Stage(*disk_, tree, hardlink);
    EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
    EXPECT_EQ(status.missing_blobs(), std::vector<std::string>{"blobs/" + input.ToString()});
    EXPECT_EQ(stats_.files_linked, 0);
    EXPECT_TRUE(disk_->FindMissing({input}) == std::vector<Digest>{input}) << "quarantined";
  }
}

TEST_F(InputStagerTest, HardlinksOnlyPlainFilesFromTheLocalCas) {
  const Digest plain = PutBlob(*disk_, "shared content");
  const Digest tool = PutBlob(*disk_, "#!/bin/sh\necho tool\n");
  reapi::Directory directory;
  AddFile(directory, "plain", plain);
  AddFile(directory, "timed", plain)->mutable_node_properties()->mutable_mtime()->set_seconds(1'000'000'000);
  AddFile(directory, "tool", tool, /*executable=*/true);
  ASSERT_TRUE(Stage(*disk_, PutMessage(*disk_, directory), /*hardlink=*/true).ok());

  EXPECT_EQ(Lstat(root() + "/plain").st_ino, Lstat(disk_->PathFor(plain)).st_ino);
  // Executable and mtime'd files need metadata of their own, which must never be set on
  // the CAS's inode: they are copies.
  EXPECT_NE(Lstat(root() + "/tool").st_ino, Lstat(disk_->PathFor(tool)).st_ino);
  EXPECT_EQ(Lstat(root() + "/tool").st_mode & 07777, 0555u);
  EXPECT_NE(Lstat(root() + "/timed").st_ino, Lstat(disk_->PathFor(plain)).st_ino);
  EXPECT_EQ(Lstat(root() + "/timed").st_mtim.tv_sec, 1'000'000'000);
  EXPECT_EQ(Lstat(disk_->PathFor(plain)).st_mode & 07777, 0444u);
  EXPECT_EQ(Lstat(disk_->PathFor(tool)).st_mode & 07777, 0444u);
  EXPECT_EQ(stats_.files_linked, 1);
  EXPECT_EQ(stats_.files_copied, 2);
}

TEST_F(InputStagerTest, WithoutHardlinkingEverythingIsCopied) {
  const Digest plain = PutBlob(*disk_, "copied content");
  reapi::Directory directory;
  AddFile(directory, "plain", plain);
  ASSERT_TRUE(Stage(*disk_, PutMessage(*disk_, directory), /*hardlink=*/false).ok());
  EXPECT_NE(Lstat(root() + "/plain").st_ino, Lstat(disk_->PathFor(plain)).st_ino);
  EXPECT_EQ(ReadFileOrEmpty(root() + "/plain"), "copied content");
  EXPECT_EQ(stats_.files_copied, 1);
}

TEST_F(InputStagerTest, NodePropertiesSetModeAndMtimeOnFilesAndDirectories) {
  reapi::Directory sub;
  sub.mutable_node_properties()->mutable_unix_mode()->set_value(0700);
  sub.mutable_node_properties()->mutable_mtime()->set_seconds(1'500'000'000);
  AddFile(sub, "inner", PutBlob(memory_, "x"));
  reapi::Directory directory;
  reapi::NodeProperties* properties = AddFile(directory, "private", PutBlob(memory_, "secret"))->mutable_node_properties();
  properties->mutable_unix_mode()->set_value(0600);
  properties->mutable_mtime()->set_seconds(1'234'567'890);
  properties->mutable_mtime()->set_nanos(500);
  AddDirectory(directory, "sub", PutMessage(memory_, sub));
  ASSERT_TRUE(Stage(memory_, PutMessage(memory_, directory), /*hardlink=*/true).ok());

  struct stat file = Lstat(root() + "/private");
  EXPECT_EQ(file.st_mode & 07777, 0600u);
  EXPECT_EQ(file.st_mtim.tv_sec, 1'234'567'890);
  EXPECT_EQ(file.st_mtim.tv_nsec, 500);
  struct stat dir = Lstat(root() + "/sub");
  EXPECT_EQ(dir.st_mode & 07777, 0700u);
  EXPECT_EQ(dir.st_mtim.tv_sec, 1'500'000'000);  // Set after its contents were created.
}

TEST_F(InputStagerTest, MissingFileBlobIsFailedPreconditionNamingTheBlob) {
  const Digest absent = ComputeDigest(DigestFunction::kSha256, "never uploaded");
  reapi::Directory directory;
  AddFile(directory, "gone.txt", absent);
  Status status = Stage(*disk_, PutMessage(*disk_, directory), /*hardlink=*/true);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  const std::string subject = "blobs/" + absent.hash() + "/" + std::to_string(absent.size());
  EXPECT_NE(status.message().find(subject), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("gone.txt"), std::string::npos) << status.message();
  EXPECT_EQ(status.missing_blobs(), std::vector<std::string>{subject});
}

TEST_F(InputStagerTest, MissingDirectoryIsFailedPrecondition) {
  const Digest absent = ComputeDigest(DigestFunction::kSha256, "no such directory");
  reapi::Directory directory;
  AddDirectory(directory, "sub", absent);
  Status status = Stage(memory_, PutMessage(memory_, directory), /*hardlink=*/false);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("blobs/" + absent.ToString()), std::string::npos) << status.message();

  Status missing_root = Stage(memory_, absent, /*hardlink=*/false);
  EXPECT_EQ(missing_root.code(), StatusCode::kFailedPrecondition);
}

TEST_F(InputStagerTest, MalformedNamesAndMessagesAreRejected) {
  reapi::Directory escaping;
  AddFile(escaping, "../evil", PutBlob(memory_, "x"));
  EXPECT_EQ(Stage(memory_, PutMessage(memory_, escaping), false).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(work_.path() + "/evil"));
  EXPECT_EQ(Stage(memory_, PutBlob(memory_, "\xff\xff not a proto"), false).code(), StatusCode::kInvalidArgument);
}

TEST_F(InputStagerTest, CancellationStopsStaging) {
  cancelled_ = true;
  reapi::Directory directory;
  AddFile(directory, "a", PutBlob(memory_, "a"));
  EXPECT_EQ(Stage(memory_, PutMessage(memory_, directory), false).code(), StatusCode::kCancelled);
}

TEST_F(InputStagerTest, StagesSha1Trees) {
  reapi::Directory directory;
  AddFile(directory, "a", PutBlob(memory_, "sha1 content", DigestFunction::kSha1));
  const Digest tree = PutMessage(memory_, directory, DigestFunction::kSha1);
  InputStagerOptions options;
  options.cas = &memory_;
  options.function = DigestFunction::kSha1;
  InputStager stager(options, cancelled_);
  auto root_fd = OpenDirectory(root());
  ASSERT_TRUE(stager.Stage(tree, root_fd->get()).ok());
  EXPECT_EQ(ReadFileOrEmpty(root() + "/a"), "sha1 content");
}

}  // namespace
}  // namespace kiln
