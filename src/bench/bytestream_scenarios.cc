#include "bench/bytestream_scenarios.h"

#include <algorithm>
#include <future>
#include <string>
#include <vector>

#include "bench/unique_blob_series.h"
#include "bench/bytestream_frames.h"
#include "client/remote_blob_rpc.h"
#include "common/resource_name.h"

namespace kiln {
namespace {

namespace bytestream = google::bytestream;

constexpr size_t kChunkBytes = size_t{1} << 20;
constexpr size_t kReadBlobBytes = size_t{16} << 20;
constexpr size_t kWriteBlobBytes = size_t{8} << 20;
constexpr int kConcurrentWrites = 4;
// Pregenerated upload digests: enough for this many 8 MiB uploads per second (3.4 GB/s,
// more than loopback TCP carries).
constexpr double kMaxWritesPerSecond = 400;
// Cold reads: unique 16 MiB blobs, each read once, at most this many a second and this
// many a run (the setup uploads them all).
constexpr double kMaxColdReadsPerSecond = 16;
constexpr size_t kMaxColdReadBlobs = 64;
constexpr size_t kMinColdReadBlobs = 4;
constexpr int kConcurrentColdReads = 4;

// Reads one blob to its end and checks its length. Responses stay in gRPC's buffers: only
// their frame headers are read (bytestream_frames.h).
class ReadCall final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  ReadCall(grpc::GenericStub& stub, const std::string& resource_name, int64_t expected_bytes, OpDone done)
      : expected_bytes_(expected_bytes), done_(std::move(done)) {
    bytestream::ReadRequest request;
    request.set_resource_name(resource_name);
    bool own_buffer = false;
    (void)grpc::SerializationTraits<bytestream::ReadRequest>::Serialize(request, &request_frame_, &own_buffer);
    SetBenchDeadline(context_);
    stub.PrepareBidiStreamingCall(&context_, "/google.bytestream.ByteStream/Read", grpc::StubOptions(), this);
    StartWriteLast(&request_frame_, grpc::WriteOptions());
    StartRead(&response_frame_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // End of stream or a broken call; OnDone follows.
    const int64_t bytes = ReadResponseDataBytes(response_frame_);
    if (bytes < 0) {
      malformed_ = true;
      context_.TryCancel();
      return;
    }
    bytes_ += bytes;
    StartRead(&response_frame_);
  }

  void OnDone(const grpc::Status& status) override {
    OpResult result = OpResult::FromStatus(status);
    if (malformed_) result = OpResult::Failure("a response was not a ReadResponse holding data");
    if (result.ok && bytes_ != expected_bytes_) {
      result = OpResult::Failure("read " + std::to_string(bytes_) + " bytes, expected " + std::to_string(expected_bytes_));
    }
    result.bytes = result.ok ? bytes_ : 0;
    OpDone done = std::move(done_);
    delete this;
    done(std::move(result));
  }

 private:
  grpc::ClientContext context_;
  grpc::ByteBuffer request_frame_;
  grpc::ByteBuffer response_frame_;
  const int64_t expected_bytes_;
  int64_t bytes_ = 0;
  bool malformed_ = false;
  OpDone done_;
};

// Uploads blob `index` of a series in 1 MiB messages and checks the committed size. The
// messages are framed around the series' own bytes (write_request_frame.h), so the client
// copies nothing; the generic stub carries them as they are. The series must outlive the
// call (gRPC may still be sending from it when a write completes).
class WriteCall final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  WriteCall(grpc::GenericStub& stub, const std::string& instance_name, const UniqueBlobSeries& series, size_t index,
            OpDone done)
      : body_(series.body()), suffix_(series.Suffix(index)), total_(series.blob_size()), done_(std::move(done)) {
    resource_name_ = MakeWriteResourceName(instance_name, NewUploadId(), series.DigestOf(index));
    SetBenchDeadline(context_);
    stub.PrepareBidiStreamingCall(&context_, "/google.bytestream.ByteStream/Write", grpc::StubOptions(), this);
    StartRead(&response_frame_);
    WriteNextChunk();
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    if (ok && offset_ < total_) WriteNextChunk();  // When !ok the call is broken; OnDone follows.
  }

  void OnReadDone(bool ok) override {
    if (ok) response_parsed_ = grpc::SerializationTraits<bytestream::WriteResponse>::Deserialize(&response_frame_, &response_).ok();
  }

  void OnDone(const grpc::Status& status) override {
    OpResult result = OpResult::FromStatus(status);
    if (result.ok && !response_parsed_) result = OpResult::Failure("no readable WriteResponse");
    if (result.ok && response_.committed_size() != static_cast<int64_t>(total_)) {
      result = OpResult::Failure("committed_size " + std::to_string(response_.committed_size()) + ", expected " +
                                 std::to_string(total_));
    }
    result.bytes = result.ok ? static_cast<int64_t>(total_) : 0;
    OpDone done = std::move(done_);
    delete this;
    done(std::move(result));
  }

 private:
  void WriteNextChunk() {
    const size_t length = std::min(kChunkBytes, total_ - offset_);
    WriteRequestFields fields;
    if (offset_ == 0) fields.resource_name = resource_name_;
    fields.write_offset = static_cast<int64_t>(offset_);
    // The blob is body_ + suffix_; this chunk may span both.
    if (offset_ < body_.size()) fields.data.push_back(body_.substr(offset_, std::min(length, body_.size() - offset_)));
    const size_t end = offset_ + length;
    if (end > body_.size()) {
      const size_t suffix_start = offset_ > body_.size() ? offset_ - body_.size() : 0;
      fields.data.push_back(std::string_view(suffix_).substr(suffix_start, end - body_.size() - suffix_start));
    }
    offset_ = end;
    fields.finish_write = offset_ == total_;
    request_frame_ = FrameWriteRequest(fields);
    if (fields.finish_write) {
      StartWriteLast(&request_frame_, grpc::WriteOptions());
    } else {
      StartWrite(&request_frame_);
    }
  }

  grpc::ClientContext context_;
  grpc::ByteBuffer request_frame_;
  grpc::ByteBuffer response_frame_;
  bytestream::WriteResponse response_;
  bool response_parsed_ = false;
  std::string resource_name_;
  const std::string_view body_;
  const std::string suffix_;
  const size_t total_;
  size_t offset_ = 0;
  OpDone done_;
};

class ByteStreamReadScenario final : public Scenario {
 public:
  explicit ByteStreamReadScenario(BenchTarget* target) : target_(target) {}

  ScenarioInfo info() const override {
    return {"bytestream_read", "ByteStream Read of a 16 MiB blob", RateUnit::kBytes, LimitKind::kLoopbackTcp};
  }

  Status Prepare(Duration) override {
    UniqueBlobSeries blob(kReadBlobBytes, NewRunTag());
    blob.Prepare(1);
    std::promise<OpResult> uploaded;
    new WriteCall(target_->generic(0), target_->instance_name(), blob, 0,
                  [&uploaded](OpResult result) { uploaded.set_value(std::move(result)); });
    const OpResult result = uploaded.get_future().get();
    if (!result.ok) return Status::Internal("uploading the 16 MiB blob: " + result.error);
    resource_name_ = MakeReadResourceName(target_->instance_name(), blob.DigestOf(0));
    return Status::Ok();
  }

  bool Start(int slot, OpDone done) override {
    new ReadCall(target_->generic(slot), resource_name_, static_cast<int64_t>(kReadBlobBytes), std::move(done));
    return true;
  }

 private:
  BenchTarget* target_;
  std::string resource_name_;
};

// Each read is of a blob never read before: a server that keeps its CAS elsewhere (a
// frontend over storage nodes) cannot answer from its read cache, so this measures the
// path through to where the blob lives.
class ByteStreamReadColdScenario final : public Scenario {
 public:
  explicit ByteStreamReadColdScenario(BenchTarget* target) : target_(target), series_(kReadBlobBytes, NewRunTag()) {}

  ScenarioInfo info() const override {
    return {"bytestream_read_cold", "ByteStream Read of unique 16 MiB blobs, each read once, 4 at a time",
            RateUnit::kBytes, LimitKind::kLoopbackTcp, kConcurrentColdReads};
  }

  Status Prepare(Duration duration) override {
    const double wanted = std::chrono::duration<double>(duration).count() * kMaxColdReadsPerSecond;
    series_.Prepare(std::clamp(static_cast<size_t>(wanted), kMinColdReadBlobs, kMaxColdReadBlobs));
    for (size_t i = 0; i < series_.count(); ++i) {
      std::promise<OpResult> uploaded;
      new WriteCall(target_->generic(0), target_->instance_name(), series_, i,
                    [&uploaded](OpResult result) { uploaded.set_value(std::move(result)); });
      const OpResult result = uploaded.get_future().get();
      if (!result.ok) return Status::Internal("uploading a 16 MiB blob: " + result.error);
      resource_names_.push_back(MakeReadResourceName(target_->instance_name(), series_.DigestOf(i)));
    }
    return Status::Ok();
  }

  bool Start(int slot, OpDone done) override {
    const std::optional<size_t> index = series_.Take(1);
    if (!index) return false;
    new ReadCall(target_->generic(slot), resource_names_[*index], static_cast<int64_t>(kReadBlobBytes),
                 std::move(done));
    return true;
  }

 private:
  BenchTarget* target_;
  UniqueBlobSeries series_;
  std::vector<std::string> resource_names_;
};

class ByteStreamWriteScenario final : public Scenario {
 public:
  explicit ByteStreamWriteScenario(BenchTarget* target) : target_(target), series_(kWriteBlobBytes, NewRunTag()) {}

  ScenarioInfo info() const override {
    return {"bytestream_write", "ByteStream Write of unique 8 MiB blobs, 4 at a time", RateUnit::kBytes,
            LimitKind::kSha256, kConcurrentWrites};
  }

  Status Prepare(Duration duration) override {
    series_.Prepare(static_cast<size_t>(std::chrono::duration<double>(duration).count() * kMaxWritesPerSecond) +
                    kConcurrentWrites);
    return Status::Ok();
  }

  bool Start(int slot, OpDone done) override {
    const std::optional<size_t> index = series_.Take(1);
    if (!index) return false;
    new WriteCall(target_->generic(slot), target_->instance_name(), series_, *index, std::move(done));
    return true;
  }

 private:
  BenchTarget* target_;
  UniqueBlobSeries series_;
};

}  // namespace

std::unique_ptr<Scenario> NewByteStreamReadScenario(BenchTarget* target) {
  return std::make_unique<ByteStreamReadScenario>(target);
}
std::unique_ptr<Scenario> NewByteStreamReadColdScenario(BenchTarget* target) {
  return std::make_unique<ByteStreamReadColdScenario>(target);
}
std::unique_ptr<Scenario> NewByteStreamWriteScenario(BenchTarget* target) {
  return std::make_unique<ByteStreamWriteScenario>(target);
}

}  // namespace kiln
