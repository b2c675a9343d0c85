#include "client/remote_blob_writer.h"

#include <algorithm>

#include "cas/buffered_blob_writer.h"
#include "cas/digest_verifier.h"
#include "common/resource_name.h"

namespace kiln {
namespace {

// Large enough to amortise per-message overhead, well under any server's message limit.
constexpr size_t kStreamChunkBytes = 1024 * 1024;

std::string UploadContext(const Digest& digest) { return "uploading blob " + digest.ToString() + " to the remote CAS"; }

class BatchBlobWriter final : public BufferedBlobWriter {
 public:
  BatchBlobWriter(std::shared_ptr<const RemoteCasStubs> remote, const Digest& digest)
      : BufferedBlobWriter(digest), remote_(std::move(remote)) {}

 private:
  Status Deliver(std::string data) override {
    if (digest().IsEmptyBlob()) return Status::Ok();  // Every CAS has it.
    reapi::BatchUpdateBlobsRequest request;
    request.set_instance_name(remote_->options.instance_name);
    request.set_digest_function(ToProto(digest().function()));
    auto* item = request.add_requests();
    *item->mutable_digest() = ToProto(digest());
    item->set_data(std::move(data));
    reapi::BatchUpdateBlobsResponse response;
    auto context = NewClientContext(remote_->options.rpc_timeout);
    KILN_RETURN_IF_ERROR(FromGrpcStatus(remote_->cas->BatchUpdateBlobs(context.get(), request, &response),
                                        UploadContext(digest())));
    if (response.responses_size() != 1) {
      return Status::Internal(UploadContext(digest()) + ": BatchUpdateBlobs answered " +
                              std::to_string(response.responses_size()) + " items for 1 request");
    }
    return FromRpcStatus(response.responses(0).status(), UploadContext(digest()));
  }

  std::shared_ptr<const RemoteCasStubs> remote_;
};

class ByteStreamBlobWriter final : public BlobWriter {
 public:
  ByteStreamBlobWriter(std::shared_ptr<const RemoteCasStubs> remote, const Digest& digest)
      : remote_(std::move(remote)),
        digest_(digest),
        verifier_(digest, remote_->options.verify_writes),
        resource_name_(MakeWriteResourceName(remote_->options.instance_name, NewUploadId(), digest)) {}

  ~ByteStreamBlobWriter() override { Cancel(); }

  Status Write(std::string_view data) override {
    KILN_RETURN_IF_ERROR(failed_);
    Status valid = verifier_.Update(data);
    if (!valid.ok()) return Fail(valid);
    if (server_has_blob_) return Status::Ok();  // Only the local hash still matters.
    while (!data.empty()) {
      size_t take = std::min(kStreamChunkBytes - pending_.size(), data.size());
      pending_.append(data.substr(0, take));
      data.remove_prefix(take);
      if (pending_.size() == kStreamChunkBytes) {
        Status sent = SendPending(/*finish=*/false);
        if (!sent.ok()) return Fail(sent);
        if (server_has_blob_) return Status::Ok();
      }
    }
    return Status::Ok();
  }
  int64_t bytes_written() const override { return verifier_.bytes_seen(); }

  Status Commit() override {
    KILN_RETURN_IF_ERROR(failed_);
    Status valid = verifier_.Finish();
    if (!valid.ok()) return Fail(valid);  // Cancels before finish_write: nothing is published.
    if (server_has_blob_) return Status::Ok();
    Status sent = SendPending(/*finish=*/true);
    if (!sent.ok()) return Fail(sent);
    if (server_has_blob_) return Status::Ok();
    stream_->WritesDone();
    return Fail(FinishStream());
  }

 private:
  // Sends what is pending as the next WriteRequest, opening the stream on first use.
  Status SendPending(bool finish) {
    if (!stream_) {
      context_ = NewClientContext(remote_->options.rpc_timeout);
      stream_ = remote_->bytestream->Write(context_.get(), &response_);
    }
    google::bytestream::WriteRequest request;
    if (sent_bytes_ == 0) request.set_resource_name(resource_name_);
    request.set_write_offset(sent_bytes_);
    request.set_finish_write(finish);
    sent_bytes_ += static_cast<int64_t>(pending_.size());
    request.set_data(std::move(pending_));
    pending_.clear();
    // A refused write means the server has ended the call: it already had the blob
    // (REAPI lets it complete the upload early) or it rejected the upload.
    if (!stream_->Write(request)) return FinishStream();
    return Status::Ok();
  }

  // Ends the call and judges the server's answer. OK only if the blob is now complete.
  Status FinishStream() {
    finished_ = true;
    KILN_RETURN_IF_ERROR(FromGrpcStatus(stream_->Finish(), UploadContext(digest_)));
    if (response_.committed_size() != digest_.size()) {
      return Status::DataLoss(UploadContext(digest_) + ": the server ended the upload at committed_size " +
                              std::to_string(response_.committed_size()));
    }
    server_has_blob_ = true;
    return Status::Ok();
  }

  // Records the first failure and abandons the upload. Passes OK through.
  Status Fail(const Status& status) {
    if (status.ok()) return status;
    failed_ = status;
    Cancel();
    return status;
  }

  void Cancel() {
    if (!stream_ || finished_) return;
    finished_ = true;
    context_->TryCancel();
    (void)stream_->Finish();
  }

  std::shared_ptr<const RemoteCasStubs> remote_;
  Digest digest_;
  DigestVerifier verifier_;
  std::string resource_name_;
  std::unique_ptr<grpc::ClientContext> context_;
  google::bytestream::WriteResponse response_;
  std::unique_ptr<grpc::ClientWriter<google::bytestream::WriteRequest>> stream_;
  std::string pending_;
  int64_t sent_bytes_ = 0;
  bool finished_ = false;
  bool server_has_blob_ = false;
  Status failed_;
};

}  // namespace

std::unique_ptr<BlobWriter> NewRemoteBlobWriter(std::shared_ptr<const RemoteCasStubs> remote, const Digest& digest) {
  if (digest.size() <= remote->options.batch_threshold_bytes) {
    return std::make_unique<BatchBlobWriter>(std::move(remote), digest);
  }
  return std::make_unique<ByteStreamBlobWriter>(std::move(remote), digest);
}

}  // namespace kiln
