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

// The bytes in an unlinked file, as ExtractArchive gets downloads.
UniqueFd ArchiveFile(const std::string& dir, const std::string& bytes) {
  const std::string path = dir + "/archive";
  EXPECT_FALSE(bytes.empty());
  EXPECT_TRUE(WriteFileAtomically(path, bytes, false).ok());
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ::unlink(path.c_str());
  return fd;
}

UniqueFd MakeArchive(const std::string& dir, Format format, const std::vector<Entry>& entries) {
  return ArchiveFile(dir, MakeTestArchive(format, entries));
}

// The disk space the files under `dir` take (allocated blocks, not apparent sizes).
int64_t DiskBytesUnder(const std::string& dir) {
  int64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) == 0) total += static_cast<int64_t>(st.st_blocks) * 512;
  }
  return total;
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
                         ::testing::Values(Format::kTar, Format::kTarGz, Format::kTarXz, Format::kTarZst, Format::kZip));

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

class ArchiveLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(MakeDirectories(out_).ok()); }
  Status Extract(const std::string& bytes, const ArchiveLimits& limits) {
    UniqueFd fd = ArchiveFile(temp_.path(), bytes);
    return ExtractArchive(fd.get(), out_, limits);
  }

  TempDir temp_;
  const std::string out_ = temp_.path() + "/out";
};

void ExpectRefusal(const Status& status, const std::string& flag, const std::string& figure) {
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted) << status.ToString();
  EXPECT_NE(status.message().find(flag), std::string::npos) << status.message();
  EXPECT_NE(status.message().find(figure), std::string::npos) << status.message();
}

// The example from the hardening issue: 1 GiB of zeros in a ~32 KiB tar.zst, at the default
// limits. It is refused by its ratio once 64 MiB are out, long before the 1 GiB.
TEST_F(ArchiveLimitsTest, DefaultLimitsStopAGigabyteZstdBombEarly) {
  const std::string one_file = MakeZeroArchive(Format::kTarZst, int64_t{1} << 30);
  ASSERT_FALSE(one_file.empty());
  ASSERT_LT(one_file.size(), 256u << 10) << "not a bomb: " << one_file.size() << " bytes";
  // The entry declares its size: refused before a byte of it is written.
  ExpectRefusal(Extract(one_file, ArchiveLimits{}), "--asset-max-unpack-ratio 200", "64.0 MiB (67108864 bytes)");
  EXPECT_EQ(DiskBytesUnder(out_), 0);

  // The same gigabyte in 64 files of 16 MiB, each within the limit on its own: the first
  // four are written, the fifth is refused; the disk never holds more than the limit.
  std::filesystem::remove_all(out_);
  ASSERT_TRUE(MakeDirectories(out_).ok());
  const std::string many_files = MakeZeroArchive(Format::kTarZst, 16 << 20, 64);
  ASSERT_LT(many_files.size(), 256u << 10) << "not a bomb: " << many_files.size() << " bytes";
  Status extracted = Extract(many_files, ArchiveLimits{});
  ExpectRefusal(extracted, "--asset-max-unpack-ratio 200", "zeros-4");
  EXPECT_LE(DiskBytesUnder(out_), int64_t{64} << 20);
  EXPECT_FALSE(std::filesystem::exists(out_ + "/zeros-4"));
}

TEST_F(ArchiveLimitsTest, TotalUnpackedBytesAreBoundedWhileStreaming) {
  ArchiveLimits limits;
  limits.max_unpacked_bytes = 1 << 20;
  limits.max_ratio = 0;
  // One file larger than the whole limit: refused before any of it is written.
  ExpectRefusal(Extract(MakeZeroArchive(Format::kTarZst, 16 << 20), limits), "--asset-max-unpacked-bytes",
                "1.0 MiB (1048576 bytes)");
  EXPECT_EQ(DiskBytesUnder(out_), 0);
  // Many files, each within the limit: refused at the file that would cross it.
  std::filesystem::remove_all(out_);
  ASSERT_TRUE(MakeDirectories(out_).ok());
  Status many = Extract(MakeZeroArchive(Format::kTarGz, 300 << 10, 10), limits);
  ExpectRefusal(many, "--asset-max-unpacked-bytes", "zeros-3");
  EXPECT_LE(DiskBytesUnder(out_), int64_t{1} << 20);
  // Up to the limit exactly is fine.
  std::filesystem::remove_all(out_);
  ASSERT_TRUE(MakeDirectories(out_).ok());
  EXPECT_TRUE(Extract(MakeZeroArchive(Format::kTar, 256 << 10, 4), limits).ok());
}

TEST_F(ArchiveLimitsTest, RatioIsMeasuredAgainstTheArchiveSizeAndCanBeTurnedOff) {
  ArchiveLimits limits;
  limits.ratio_exempt_bytes = 0;
  limits.max_ratio = 10;
  const std::string bomb = MakeZeroArchive(Format::kTarXz, 4 << 20);
  Status refused = Extract(bomb, limits);
  ExpectRefusal(refused, "--asset-max-unpack-ratio 10", std::to_string(bomb.size()) + " bytes");
  EXPECT_LE(DiskBytesUnder(out_), static_cast<int64_t>(bomb.size()) * 10);

  std::filesystem::remove_all(out_);
  ASSERT_TRUE(MakeDirectories(out_).ok());
  limits.max_ratio = 0;
  EXPECT_TRUE(Extract(bomb, limits).ok());
  // Text compresses a few times over: far from any sensible ratio.
  std::filesystem::remove_all(out_);
  ASSERT_TRUE(MakeDirectories(out_).ok());
  limits.max_ratio = 10;
  std::string text;
  for (int i = 0; text.size() < 200'000; ++i) text += "line " + std::to_string(i * 7919 % 100'003) + " of a source file\n";
  EXPECT_TRUE(Extract(MakeTestArchive(Format::kTarGz, {{"source.txt", AE_IFREG, 0644, text}}), limits).ok());
}

TEST_F(ArchiveLimitsTest, SmallArchivesAreExemptFromTheRatio) {
  // 1 MiB of zeros is a ratio of ~1000 here, but well under the 64 MiB exemption.
  EXPECT_TRUE(Extract(MakeZeroArchive(Format::kTarGz, 1 << 20), ArchiveLimits{}).ok());
}

TEST_F(ArchiveLimitsTest, EntriesAreCounted) {
  ArchiveLimits limits;
  limits.max_entries = 3;
  std::vector<Entry> entries = {{"d/", AE_IFDIR, 0755, ""}, {"d/a", AE_IFREG, 0644, "a"}, {"d/b", AE_IFREG, 0644, "b"}};
  EXPECT_TRUE(Extract(MakeTestArchive(Format::kTar, entries), limits).ok());
  std::filesystem::remove_all(out_);
  ASSERT_TRUE(MakeDirectories(out_).ok());
  entries.push_back({"d/c", AE_IFREG, 0644, "c"});
  Status refused = Extract(MakeTestArchive(Format::kZip, entries), limits);
  ExpectRefusal(refused, "--asset-max-archive-entries", "more than 3 entries");
  EXPECT_NE(refused.message().find("d/c"), std::string::npos) << refused.message();
  EXPECT_FALSE(std::filesystem::exists(out_ + "/d/c"));
}

// Found by fuzz/archive_fuzzer.cc: libarchive creates the parents an entry's path names,
// so one entry 300 components deep made 300 directories past a limit of 500 entries "of
// the archive"; a million such entries, a few MiB compressed, would make hundreds of
// millions.
TEST_F(ArchiveLimitsTest, DirectoriesThatPathsCreateAreCounted) {
  ArchiveLimits limits;
  limits.max_entries = 5;
  std::vector<Entry> entries = {{"a/b/c/d/f", AE_IFREG, 0644, "f"}};  // Four directories and a file.
  ASSERT_TRUE(Extract(MakeTestArchive(Format::kTar, entries), limits).ok());
  std::filesystem::remove_all(out_);
  ASSERT_TRUE(MakeDirectories(out_).ok());
  // Directories already made, by an entry or a path, are not counted again.
  entries = {{"a/", AE_IFDIR, 0755, ""}, {"a/b/f", AE_IFREG, 0644, "f"}, {"a/b/g", AE_IFREG, 0644, "g"},
             {"a/h", AE_IFREG, 0644, "h"}};
  ASSERT_TRUE(Extract(MakeTestArchive(Format::kTar, entries), limits).ok());
  std::filesystem::remove_all(out_);
  ASSERT_TRUE(MakeDirectories(out_).ok());
  entries = {{"a/b/c/d/e/f", AE_IFREG, 0644, "f"}};
  Status refused = Extract(MakeTestArchive(Format::kTar, entries), limits);
  ExpectRefusal(refused, "--asset-max-archive-entries", "more than 5 entries");
  EXPECT_FALSE(std::filesystem::exists(out_ + "/a"));
}

TEST_F(ArchiveLimitsTest, HardLinksCountTheirFileAgain) {
  // One 100 KiB file and 20 links to it: 2.1 MiB for the tree import to read.
  std::vector<Entry> entries = {{"data", AE_IFREG, 0644, std::string(100 << 10, 'x')}};
  for (int i = 0; i < 20; ++i) entries.push_back({"link" + std::to_string(i), AE_IFREG, 0644, "", "data"});
  ArchiveLimits limits;
  limits.max_unpacked_bytes = 1 << 20;
  ExpectRefusal(Extract(MakeTestArchive(Format::kTar, entries), limits), "--asset-max-unpacked-bytes", "link9");
  std::filesystem::remove_all(out_);
  ASSERT_TRUE(MakeDirectories(out_).ok());
  limits.max_unpacked_bytes = 3 << 20;
  ASSERT_TRUE(Extract(MakeTestArchive(Format::kTar, entries), limits).ok());
  EXPECT_TRUE(std::filesystem::exists(out_ + "/link19"));
}

}  // namespace
}  // namespace kiln
