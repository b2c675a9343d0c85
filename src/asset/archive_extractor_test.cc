#include "asset/archive_extractor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "asset/tree_import.h"
#include "cas/memory_blob_store.h"
#include "common/file_util.h"
#include "common/proto_digest.h"
#include "testing/temp_dir.h"
#include "testing/test_archive.h"

namespace kiln {
namespace {

using Entry = TestArchiveEntry;
using Format = TestArchiveFormat;

// The archive in an unlinked file, as ExtractArchive gets downloads.
UniqueFd MakeArchive(const std::string& dir, Format format, const std::vector<Entry>& entries) {
  const std::string path = dir + "/archive";
  std::string bytes = MakeTestArchive(format, entries);
  EXPECT_FALSE(bytes.empty());
  EXPECT_TRUE(WriteFileAtomically(path, bytes, false).ok());
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ::unlink(path.c_str());
  return fd;
}

const std::vector<Entry> kProject = {
    {"project/", AE_IFDIR, 0755, ""},
    {"project/README", AE_IFREG, 0644, "read me"},
    {"project/bin/run.sh", AE_IFREG, 0755, "#!/bin/sh\necho hi\n"},
    {"project/link", AE_IFLNK, 0777, "README"},
};

reapi::Directory ReadDirectory(BlobStore& cas, const reapi::Digest& digest) {
  reapi::Directory directory;
  auto blob = ReadBlob(cas, *FromProto(DigestFunction::kSha256, digest, "test"));
  EXPECT_TRUE(blob.ok()) << blob.status().ToString();
  if (blob.ok()) directory.ParseFromString(*blob);
  return directory;
}

class ArchiveExtractorTest : public ::testing::TestWithParam<Format> {
 protected:
  TempDir temp_;
};

TEST_P(ArchiveExtractorTest, ExtractsFilesExecutableBitsAndSymlinksIntoACanonicalTree) {
  UniqueFd archive_fd = MakeArchive(temp_.path(), GetParam(), kProject);
  const std::string out = temp_.path() + "/out";
  ASSERT_TRUE(MakeDirectories(out).ok());
  Status extracted = ExtractArchive(archive_fd.get(), out);
  ASSERT_TRUE(extracted.ok()) << extracted.ToString();

  MemoryBlobStore cas;
  auto root_digest = ImportDirectoryTree(cas, DigestFunction::kSha256, out);
  ASSERT_TRUE(root_digest.ok()) << root_digest.status().ToString();
  reapi::Directory root = ReadDirectory(cas, ToProto(*root_digest));
  ASSERT_EQ(root.directories_size(), 1);
  EXPECT_EQ(root.directories(0).name(), "project");
  reapi::Directory project = ReadDirectory(cas, root.directories(0).digest());
  ASSERT_EQ(project.files_size(), 1);
  EXPECT_EQ(project.files(0).name(), "README");
  EXPECT_FALSE(project.files(0).is_executable());
  EXPECT_EQ(*ReadBlob(cas, *FromProto(DigestFunction::kSha256, project.files(0).digest(), "f")), "read me");
  ASSERT_EQ(project.symlinks_size(), 1);
  EXPECT_EQ(project.symlinks(0).name(), "link");
  EXPECT_EQ(project.symlinks(0).target(), "README");
  ASSERT_EQ(project.directories_size(), 1);
  reapi::Directory bin = ReadDirectory(cas, project.directories(0).digest());
  ASSERT_EQ(bin.files_size(), 1);
  EXPECT_EQ(bin.files(0).name(), "run.sh");
  EXPECT_TRUE(bin.files(0).is_executable());
}

INSTANTIATE_TEST_SUITE_P(Formats, ArchiveExtractorTest,
                         ::testing::Values(Format::kTar, Format::kTarGz, Format::kTarXz, Format::kZip));

TEST(ArchiveExtractorSafetyTest, RefusesEntriesThatLeaveTheDirectory) {
  for (const std::string& bad : {"../escaped", "a/../../escaped", "/tmp/absolute"}) {
    TempDir temp;
    UniqueFd archive_fd = MakeArchive(temp.path(), Format::kTar, {{"ok", AE_IFREG, 0644, "x"}, {bad, AE_IFREG, 0644, "y"}});
    const std::string out = temp.path() + "/out/inner";
    ASSERT_TRUE(MakeDirectories(out).ok());
    Status extracted = ExtractArchive(archive_fd.get(), out);
    EXPECT_EQ(extracted.code(), StatusCode::kAborted) << bad;
    EXPECT_NE(extracted.message().find(bad), std::string::npos) << extracted.message();
    EXPECT_FALSE(std::filesystem::exists(temp.path() + "/out/escaped"));
    EXPECT_FALSE(std::filesystem::exists(temp.path() + "/escaped"));
  }
}

TEST(ArchiveExtractorSafetyTest, RefusesToWriteThroughASymlink) {
  TempDir temp;
  UniqueFd archive_fd = MakeArchive(temp.path(), Format::kTar,
                                    {{"up", AE_IFLNK, 0777, ".."}, {"up/escaped", AE_IFREG, 0644, "y"}});
  const std::string out = temp.path() + "/out";
  ASSERT_TRUE(MakeDirectories(out).ok());
  EXPECT_EQ(ExtractArchive(archive_fd.get(), out).code(), StatusCode::kAborted);
  EXPECT_FALSE(std::filesystem::exists(temp.path() + "/escaped"));
}

TEST(ArchiveExtractorSafetyTest, RejectsDataThatIsNoArchive) {
  TempDir temp;
  const std::string path = temp.path() + "/not-an-archive";
  ASSERT_TRUE(WriteFileAtomically(path, std::string(1000, 'x'), false).ok());
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(MakeDirectories(temp.path() + "/out").ok());
  Status extracted = ExtractArchive(fd.get(), temp.path() + "/out");
  EXPECT_EQ(extracted.code(), StatusCode::kAborted);
  EXPECT_NE(extracted.message().find("archive"), std::string::npos);
}

}  // namespace
}  // namespace kiln
