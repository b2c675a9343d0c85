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
  for (WriteInFlight& write : in_flight_) write.done.wait();
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
  const int64_t offset = flushed_;
  flushed_ += static_cast<int64_t>(staged_);
  file_end_ = flushed_;
  const size_t bytes = std::exchange(staged_, 0);
  if (!io_threads_) return WriteBlock(current_.data(), bytes, offset);

  auto done = std::make_shared<std::promise<Status>>();
  const char* data = current_.data();
  Status submitted = io_threads_->Submit([this, done, data, bytes, offset] {
    done->set_value(WriteBlock(data, bytes, offset));
  });
  if (!submitted.ok()) return WriteBlock(data, bytes, offset);  // No thread to take it: write it here.
  in_flight_.push_back({done->get_future(), std::move(current_)});
  auto next = NextBuffer();
  if (!next.ok()) return next.status();
  current_ = std::move(next).value();
  return Status::Ok();
}

StatusOr<StagingBufferPool::Lease> DirectFileWriter::NextBuffer() {
  StagingBufferPool::Lease buffer;
  // Finished writes first, in order, so that their errors surface now.
  while (!in_flight_.empty() && in_flight_.front().done.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    KILN_RETURN_IF_ERROR(WaitForOldestWrite(&buffer));
  }
  if (!buffer) buffer = buffers_->TryAcquire();
  if (!buffer) KILN_RETURN_IF_ERROR(WaitForOldestWrite(&buffer));
  return buffer;
}

Status DirectFileWriter::WaitForOldestWrite(StagingBufferPool::Lease* buffer) {
  WriteInFlight oldest = std::move(in_flight_.front());
  in_flight_.pop_front();
  Status status = oldest.done.get();
  *buffer = std::move(oldest.buffer);  // A spare extra buffer, if any, goes back to the pool.
  return status;
}

Status DirectFileWriter::WaitForAllWrites() {
  Status first_error;
  while (!in_flight_.empty()) {
    StagingBufferPool::Lease buffer;
    Status status = WaitForOldestWrite(&buffer);
    if (first_error.ok()) first_error = status;
  }
  return first_error;
}

Status DirectFileWriter::Finish() {
  KILN_RETURN_IF_ERROR(WaitForAllWrites());
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
