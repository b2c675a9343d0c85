#include "cas/direct_file_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "common/file_util.h"
#include "testing/pattern_bytes.h"
#include "testing/temp_dir.h"

namespace kiln {
namespace {

using testing::PatternBytes;

class DirectFileWriterTest : public ::testing::Test {
 protected:
  UniqueFd Create(const std::string& name, bool direct) {
    path_ = dir_.path() + "/" + name;
    UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | (direct ? O_DIRECT : 0), 0644));
    EXPECT_TRUE(fd.valid()) << path_;
    return fd;
  }
  // Writes `data` in chunks of `chunk` bytes, the way an upload arrives.
  void WriteInChunks(DirectFileWriter& writer, const std::string& data, size_t chunk) {
    for (size_t offset = 0; offset < data.size(); offset += chunk) {
      ASSERT_TRUE(writer.Write(std::string_view(data).substr(offset, chunk)).ok());
    }
  }
  std::string Contents() { return std::move(ReadSmallFile(path_)).value(); }

  TempDir dir_;
  std::string path_;
  StagingBufferPool buffers_{64 * 1024, 4};
  BlockingTaskPool io_threads_{2, 16, "disk writes"};
};

TEST_F(DirectFileWriterTest, FileHoldsExactlyTheBytesWrittenWhateverTheirAlignment) {
  for (size_t size : {size_t{1}, size_t{4095}, size_t{4096}, size_t{65536}, size_t{65537}, size_t{300'001}}) {
    UniqueFd fd = Create("blob" + std::to_string(size), /*direct=*/true);
    DirectFileWriter writer(fd.get(), path_, buffers_.TryAcquire(), &buffers_, &io_threads_);
    const std::string data = PatternBytes(size);
    WriteInChunks(writer, data, 16'384 + 7);
    ASSERT_TRUE(writer.Finish().ok());
    EXPECT_EQ(writer.bytes_written(), static_cast<int64_t>(size));
    EXPECT_EQ(Contents(), data) << "size " << size;
  }
}

TEST_F(DirectFileWriterTest, WritesOnTheCallersThreadWithoutIoThreadsOrASpareBuffer) {
  StagingBufferPool one_buffer(64 * 1024, 1);
  UniqueFd fd = Create("sync", /*direct=*/true);
  DirectFileWriter writer(fd.get(), path_, one_buffer.TryAcquire(), &one_buffer, &io_threads_);
  const std::string data = PatternBytes(200'000);
  WriteInChunks(writer, data, 1 << 20);
  ASSERT_TRUE(writer.Finish().ok());
  EXPECT_EQ(Contents(), data);

  UniqueFd fd2 = Create("no-threads", /*direct=*/true);
  DirectFileWriter unthreaded(fd2.get(), path_, buffers_.TryAcquire(), &buffers_, nullptr);
  WriteInChunks(unthreaded, data, 999);
  ASSERT_TRUE(unthreaded.Finish().ok());
  EXPECT_EQ(Contents(), data);
}

TEST_F(DirectFileWriterTest, FileOpenedWithoutODirectIsWrittenWithoutPadding) {
  UniqueFd fd = Create("buffered", /*direct=*/false);
  DirectFileWriter writer(fd.get(), path_, buffers_.TryAcquire(), &buffers_, &io_threads_);
  const std::string data = PatternBytes(70'000);
  WriteInChunks(writer, data, 5000);
  ASSERT_TRUE(writer.Finish().ok());
  EXPECT_EQ(Contents(), data);
}

TEST_F(DirectFileWriterTest, AbandonedWriterWaitsForItsWriteAndReturnsItsBuffers) {
  {
    UniqueFd fd = Create("abandoned", /*direct=*/true);
    DirectFileWriter writer(fd.get(), path_, buffers_.TryAcquire(), &buffers_, &io_threads_);
    WriteInChunks(writer, PatternBytes(150'000), 65'536);  // Leaves a write in flight.
  }
  // Every buffer is back: all four can be borrowed at once.
  StagingBufferPool::Lease leases[4];
  for (auto& lease : leases) {
    lease = buffers_.TryAcquire();
    EXPECT_TRUE(lease);
  }
}

TEST_F(DirectFileWriterTest, WriteErrorsNameTheFile) {
  UniqueFd fd = Create("readonly", /*direct=*/true);
  UniqueFd read_only(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  DirectFileWriter writer(read_only.get(), path_, buffers_.TryAcquire(), &buffers_, &io_threads_);
  ASSERT_TRUE(writer.Write("some bytes").ok());  // Staged only.
  Status status = writer.Finish();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find(path_), std::string::npos) << status.message();
}

}  // namespace
}  // namespace kiln
