#include "cas/file_blob_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "common/file_util.h"
#include "testing/pattern_bytes.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

using testing::PatternBytes;

class FileBlobReaderTest : public ::testing::Test {
 protected:
  FileBlobReader Open(const std::string& contents, int64_t offset) {
    EXPECT_TRUE(WriteAll(UniqueFd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)).get(),
                         contents)
                    .ok());
    UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_TRUE(fd.valid());
    return FileBlobReader(std::move(fd), static_cast<int64_t>(contents.size()), offset);
  }
  // Everything ReadForSending lends, in `step`-byte requests, copied out (the file is
  // intact, so reading lent memory is safe here).
  static std::string SendAll(BlobReader& reader, size_t step) {
    std::string sent;
    while (true) {
      auto lent = reader.ReadForSending(step);
      EXPECT_TRUE(lent.ok()) << lent.status().ToString();
      if (!lent.ok() || lent->size == 0) return sent;
      EXPECT_LE(lent->size, step);
      sent.append(lent->data, lent->size);
    }
  }

  TempDir dir_;
  std::string path_ = dir_.path() + "/blob";
};

TEST_F(FileBlobReaderTest, SmallFilesAreCopiedForSending) {
  const std::string contents = PatternBytes(10000);
  FileBlobReader reader = Open(contents, 0);
  EXPECT_EQ(SendAll(reader, 4096), contents);
}

TEST_F(FileBlobReaderTest, LargeFilesAreLentMappedFromTheOffset) {
  const std::string contents = PatternBytes(3 * 1024 * 1024 + 123);
  FileBlobReader reader = Open(contents, 5000);  // Not page-aligned.
  EXPECT_EQ(SendAll(reader, 1024 * 1024), contents.substr(5000));
}

TEST_F(FileBlobReaderTest, LentBytesOutliveTheReader) {
  const std::string contents = PatternBytes(1024 * 1024);
  LentBytes lent;
  {
    FileBlobReader reader = Open(contents, 0);
    lent = std::move(reader.ReadForSending(contents.size())).value();
  }
  ASSERT_EQ(lent.size, contents.size());
  EXPECT_EQ(std::string(lent.data, lent.size), contents);
}

TEST_F(FileBlobReaderTest, ReadAndReadForSendingShareOnePosition) {
  const std::string contents = PatternBytes(512 * 1024);
  FileBlobReader reader = Open(contents, 0);
  std::string first(1000, '\0');
  ASSERT_EQ(reader.Read(first.data(), first.size()).value(), 1000u);
  EXPECT_EQ(first + SendAll(reader, 64 * 1024), contents);
  char byte;
  EXPECT_EQ(reader.Read(&byte, 1).value(), 0u);
}

TEST_F(FileBlobReaderTest, AFileCutShortBehindKilnsBackIsDataLossNotACrash) {
  const std::string contents = PatternBytes(2 * 1024 * 1024);
  FileBlobReader reader = Open(contents, 0);
  ASSERT_EQ(reader.ReadForSending(4096).value().size, 4096u);
  ASSERT_EQ(::truncate(path_.c_str(), 100 * 1024), 0);
  auto lent = reader.ReadForSending(1024 * 1024);
  ASSERT_FALSE(lent.ok());
  EXPECT_EQ(lent.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(lent.status().message().find("shorter"), std::string::npos);
}

}  // namespace
}  // namespace kiln
