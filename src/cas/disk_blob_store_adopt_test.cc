// DiskBlobStore::AdoptFile: outputs moved into the CAS without a copy, and every case in
// which the file must be left where it was.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cas/disk_blob_store.h"
#include "common/file_util.h"
#include "common/hasher.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

size_t FilesIn(const std::string& dir) {
  size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) count += entry.is_regular_file();
  return count;
}

class AdoptFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DiskBlobStoreOptions options;
    options.root = root_.path() + "/store";
    auto store = DiskBlobStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    outputs_ = root_.path() + "/outputs";
    fs::create_directories(outputs_);
    dir_fd_ = UniqueFd(::open(outputs_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(dir_fd_.valid());
  }

  // Writes an output file, opens it the way the output collector does, and adopts it.
  StatusOr<std::optional<Digest>> WriteAndAdopt(const std::string& name, const std::string& content,
                                                mode_t mode = 0755) {
    const std::string path = outputs_ + "/" + name;
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
    UniqueFd fd(::openat(dir_fd_.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    EXPECT_TRUE(fd.valid());
    return store_->AdoptFile(dir_fd_.get(), name, fd.get(), DigestFunction::kSha256);
  }

  TempDir root_;
  std::unique_ptr<DiskBlobStore> store_;
  std::string outputs_;
  UniqueFd dir_fd_;
};

TEST_F(AdoptFileTest, MovesTheFileIntoTheStoreReadOnly) {
  auto adopted = WriteAndAdopt("out.bin", "built output\n");
  ASSERT_TRUE(adopted.ok()) << adopted.status().ToString();
  ASSERT_TRUE(adopted->has_value());
  const Digest expected = ComputeDigest(DigestFunction::kSha256, "built output\n");
  EXPECT_EQ(**adopted, expected);
  EXPECT_FALSE(fs::exists(outputs_ + "/out.bin"));  // Moved, not copied.
  EXPECT_EQ(ReadBlob(*store_, expected).value(), "built output\n");
  struct stat st {};
  ASSERT_EQ(::stat(store_->PathFor(expected).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  EXPECT_EQ(store_->blob_count(), 1u);
  EXPECT_EQ(FilesIn(root_.path() + "/store/tmp"), 0u);
}

TEST_F(AdoptFileTest, AFileOwnedByTheSandboxUserBecomesTheStoresOwn) {
  if (::geteuid() != 0) GTEST_SKIP() << "only root can hand a file to another user";
  const std::string path = outputs_ + "/foreign";
  std::ofstream(path) << "written by nobody";
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  auto adopted = store_->AdoptFile(dir_fd_.get(), "foreign", fd.get(), DigestFunction::kSha256);
  ASSERT_TRUE(adopted.ok() && adopted->has_value());
  struct stat st {};
  ASSERT_EQ(::stat(store_->PathFor(**adopted).c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, ::getegid());
}

TEST_F(AdoptFileTest, AFileWithASecondLinkIsLeftInPlace) {
  std::ofstream(outputs_ + "/twice") << "linked";
  ASSERT_EQ(::link((outputs_ + "/twice").c_str(), (outputs_ + "/other-name").c_str()), 0);
  UniqueFd fd(::open((outputs_ + "/twice").c_str(), O_RDONLY | O_CLOEXEC));
  auto adopted = store_->AdoptFile(dir_fd_.get(), "twice", fd.get(), DigestFunction::kSha256);
  ASSERT_TRUE(adopted.ok());
  EXPECT_FALSE(adopted->has_value());
  EXPECT_TRUE(fs::exists(outputs_ + "/twice"));
  EXPECT_EQ(store_->blob_count(), 0u);
}

TEST_F(AdoptFileTest, ANameThatIsNotTheOpenFileIsPutBack) {
  std::ofstream(outputs_ + "/opened") << "the open one";
  std::ofstream(outputs_ + "/named") << "another file";
  UniqueFd fd(::open((outputs_ + "/opened").c_str(), O_RDONLY | O_CLOEXEC));
  auto adopted = store_->AdoptFile(dir_fd_.get(), "named", fd.get(), DigestFunction::kSha256);
  ASSERT_TRUE(adopted.ok());
  EXPECT_FALSE(adopted->has_value());
  EXPECT_TRUE(fs::exists(outputs_ + "/named"));
  EXPECT_TRUE(fs::exists(outputs_ + "/opened"));
  EXPECT_EQ(store_->blob_count(), 0u);
}

TEST_F(AdoptFileTest, ContentAlreadyStoredAndEmptyFilesAreAdoptedToo) {
  const Digest digest = ComputeDigest(DigestFunction::kSha256, "same");
  ASSERT_TRUE(WriteBlob(*store_, digest, "same").ok());
  auto again = WriteAndAdopt("dup", "same");
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ(**again, digest);
  EXPECT_EQ(store_->blob_count(), 1u);
  EXPECT_EQ(ReadBlob(*store_, digest).value(), "same");

  auto empty = WriteAndAdopt("empty", "");
  ASSERT_TRUE(empty.ok() && empty->has_value());
  EXPECT_TRUE((*empty)->IsEmptyBlob());
  EXPECT_FALSE(fs::exists(outputs_ + "/empty"));
  EXPECT_EQ(FilesIn(root_.path() + "/store/tmp"), 0u);
}

TEST_F(AdoptFileTest, Sha512FilesAreStoredUnderTheirOwnFunction) {
  auto adopted = store_->AdoptFile(dir_fd_.get(), "missing", -1, DigestFunction::kSha512);
  EXPECT_FALSE(adopted.ok());  // A bad fd is an error, not a crash.
  std::ofstream(outputs_ + "/f") << "x";
  UniqueFd fd(::open((outputs_ + "/f").c_str(), O_RDONLY | O_CLOEXEC));
  adopted = store_->AdoptFile(dir_fd_.get(), "f", fd.get(), DigestFunction::kSha512);
  ASSERT_TRUE(adopted.ok() && adopted->has_value());
  EXPECT_EQ(**adopted, ComputeDigest(DigestFunction::kSha512, "x"));
  EXPECT_TRUE(store_->FindMissing({**adopted}).empty());
}

}  // namespace
}  // namespace kiln
