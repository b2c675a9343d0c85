#include "client/remote_blob_reader.h"

#include <algorithm>
#include <cstring>

#include "common/resource_name.h"

namespace kiln {
namespace {

class InMemoryBlobReader final : public BlobReader {
 public:
  explicit InMemoryBlobReader(std::string data) : data_(std::move(data)) {}
  StatusOr<size_t> Read(char* buffer, size_t max) override {
    size_t n = std::min(max, data_.size() - position_);
    std::memcpy(buffer, data_.data() + position_, n);
    position_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t position_ = 0;
};

class ByteStreamBlobReader final : public BlobReader {
 public:
  ByteStreamBlobReader(std::shared_ptr<const RemoteCasStubs> remote, const Digest& digest, int64_t offset)
      : remote_(std::move(remote)),
        digest_(digest),
        expected_bytes_(digest.size() - offset),
        context_(NewClientContext(remote_->options.rpc_timeout)) {
    google::bytestream::ReadRequest request;
    request.set_resource_name(MakeReadResourceName(remote_->options.instance_name, digest));
    request.set_read_offset(offset);
    stream_ = remote_->bytestream->Read(context_.get(), request);
  }

  ~ByteStreamBlobReader() override {
    if (finished_) return;
    // Abandoned before the end: stop the server sending the rest.
    context_->TryCancel();
    (void)stream_->Finish();
  }

  StatusOr<size_t> Read(char* buffer, size_t max) override {
    while (position_ == chunk_.size()) {
      if (finished_) {
        if (!failed_.ok()) return failed_;
        return size_t{0};
      }
      failed_ = PullChunk();
      if (!failed_.ok()) return failed_;
    }
    size_t n = std::min(max, chunk_.size() - position_);
    std::memcpy(buffer, chunk_.data() + position_, n);
    position_ += n;
    return n;
  }

  // Replaces the (consumed) current chunk with the next message, or ends the stream.
  // OpenByteStreamReader calls it once up front, so that refusals surface at open time.
  Status PullChunk() {
    google::bytestream::ReadResponse response;
    if (stream_->Read(&response)) {
      chunk_ = std::move(*response.mutable_data());
      position_ = 0;
      received_bytes_ += static_cast<int64_t>(chunk_.size());
      if (received_bytes_ > expected_bytes_) return Fail(Status::DataLoss("the server sent more bytes than the blob has"));
      return Status::Ok();
    }
    chunk_.clear();
    position_ = 0;
    finished_ = true;
    Status status = FromGrpcStatus(stream_->Finish(), Context());
    if (!status.ok()) return status;
    if (received_bytes_ != expected_bytes_) {
      return Status::DataLoss(Context() + ": the stream ended after " + std::to_string(received_bytes_) + " of " +
                              std::to_string(expected_bytes_) + " bytes");
    }
    return Status::Ok();
  }

 private:
  Status Fail(const Status& status) {
    context_->TryCancel();
    (void)stream_->Finish();
    finished_ = true;
    return status.WithContext(Context());
  }
  std::string Context() const { return "reading blob " + digest_.ToString() + " from the remote CAS"; }

  std::shared_ptr<const RemoteCasStubs> remote_;
  Digest digest_;
  int64_t expected_bytes_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<google::bytestream::ReadResponse>> stream_;
  std::string chunk_;
  size_t position_ = 0;
  int64_t received_bytes_ = 0;
  bool finished_ = false;
  Status failed_;
};

}  // namespace

std::unique_ptr<BlobReader> NewInMemoryBlobReader(std::string data) {
  return std::make_unique<InMemoryBlobReader>(std::move(data));
}

StatusOr<std::unique_ptr<BlobReader>> OpenByteStreamReader(std::shared_ptr<const RemoteCasStubs> remote,
                                                           const Digest& digest, int64_t offset) {
  auto reader = std::make_unique<ByteStreamBlobReader>(std::move(remote), digest, offset);
  KILN_RETURN_IF_ERROR(reader->PullChunk());
  return std::unique_ptr<BlobReader>(std::move(reader));
}

}  // namespace kiln
