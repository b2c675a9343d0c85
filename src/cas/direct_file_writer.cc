#include "cas/direct_file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "common/file_util.h"

namespace kiln {

DirectFileWriter::DirectFileWriter(int fd, std::string path, StagingBufferPool::Lease first_buffer,
                                   StagingBufferPool* buffers, BlockingTaskPool* io_threads)
    : fd_(fd), path_(std::move(path)), buffers_(buffers), io_threads_(io_threads), current_(std::move(first_buffer)) {}

DirectFileWriter::~DirectFileWriter() {
  if (write_in_flight_.valid()) write_in_flight_.wait();
}

Status DirectFileWriter::Write(std::string_view data) {
  total_ += static_cast<int64_t>(data.size());
  while (!data.empty()) {
    const size_t take = std::min(data.size(), current_.size() - staged_);
    std::memcpy(current_.data() + staged_, data.data(), take);
    staged_ += take;
    data.remove_prefix(take);
    if (staged_ == current_.size()) KILN_RETURN_IF_ERROR(WriteOutFullBuffer());
  }
  return Status::Ok();
}

Status DirectFileWriter::WriteOutFullBuffer() {
  KILN_RETURN_IF_ERROR(WaitForWriteInFlight());
  const int64_t offset = flushed_;
  flushed_ += static_cast<int64_t>(staged_);
  file_end_ = flushed_;
  const size_t bytes = std::exchange(staged_, 0);
  if (io_threads_ && !spare_) spare_ = buffers_->TryAcquire();
  if (io_threads_ && spare_) {
    auto done = std::make_shared<std::promise<Status>>();
    write_in_flight_ = done->get_future();
    writing_ = std::exchange(current_, std::move(spare_));
    const char* data = writing_.data();
    Status submitted = io_threads_->Submit([this, done, data, bytes, offset] {
      done->set_value(WriteBlock(data, bytes, offset));
    });
    if (submitted.ok()) return Status::Ok();
    // No thread to take it: write it here after all.
    write_in_flight_ = std::future<Status>();
    return WriteBlock(data, bytes, offset);
  }
  return WriteBlock(current_.data(), bytes, offset);
}

Status DirectFileWriter::WaitForWriteInFlight() {
  if (!write_in_flight_.valid()) return Status::Ok();
  Status status = write_in_flight_.get();
  spare_ = std::move(writing_);
  return status;
}

Status DirectFileWriter::Finish() {
  KILN_RETURN_IF_ERROR(WaitForWriteInFlight());
  if (staged_ > 0) {
    size_t bytes = staged_;
    if (direct_) {
      bytes = (staged_ + StagingBufferPool::kAlignment - 1) / StagingBufferPool::kAlignment *
              StagingBufferPool::kAlignment;
      std::memset(current_.data() + staged_, 0, bytes - staged_);
    }
    KILN_RETURN_IF_ERROR(WriteBlock(current_.data(), bytes, flushed_));
    file_end_ = flushed_ + static_cast<int64_t>(bytes);
    flushed_ += static_cast<int64_t>(staged_);
    staged_ = 0;
  }
  if (file_end_ != total_ && ::ftruncate(fd_, total_) != 0) return ErrnoStatus("truncate", path_, errno);
  current_ = StagingBufferPool::Lease();
  spare_ = StagingBufferPool::Lease();
  return Status::Ok();
}

Status DirectFileWriter::WriteBlock(const char* data, size_t bytes, int64_t offset) {
  size_t done = 0;
  while (done < bytes) {
    ssize_t n = ::pwrite(fd_, data + done, bytes - done, offset + static_cast<int64_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL && direct_) {
      KILN_RETURN_IF_ERROR(DropDirectIo());
      continue;
    }
    if (n < 0) return ErrnoStatus("write", path_, errno);
    if (n == 0) return Status::Internal("write " + path_ + ": the file accepted no bytes");
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status DirectFileWriter::DropDirectIo() {
  int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) return ErrnoStatus("drop O_DIRECT on", path_, errno);
  direct_ = false;
  return Status::Ok();
}

}  // namespace kiln
