#include "bench/stream_attacks.h"

#include <unistd.h>

#include <thread>
#include <vector>

#include "bench/cancellable_calls.h"
#include "bench/scenario.h"
#include "build/bazel/remote/logstream/v1/remote_logstream.grpc.pb.h"
#include "client/remote_blob_rpc.h"
#include "common/compression.h"
#include "common/hasher.h"
#include "common/resource_name.h"

namespace kiln {
namespace {

namespace logstream = build::bazel::remote::logstream::v1;

constexpr int kThreads = 4;
constexpr int64_t kAbandonedUploads = 20'000;
// Connections the abandoned uploads spread over: enough for all of them to be open at once
// against a server capping streams per connection at 100 (kiln's default), as an attacker
// set on holding 20,000 would open.
constexpr int kUploadConnections = 200;
constexpr int64_t kLogStreams = 20'000;

// Each opens a ByteStream Write of a 1 MiB blob, sends its first 64 KiB and goes quiet,
// until the attack stops.
class AbandonedUploads final : public Attack {
 public:
  explicit AbandonedUploads(BenchTarget* target) : target_(target) {}
  AttackInfo info() const override {
    return {"abandoned_uploads", "Open 20,000 ByteStream Writes over 200 connections, send 64 KiB of each and never finish them"};
  }

  Status Prepare() override {
    connections_ = std::make_unique<BenchTarget>(target_->channels(), target_->instance_name(), kUploadConnections);
    return connections_->Connect(std::chrono::seconds(10));
  }

  void Run(const std::atomic<bool>& stop, AttackTally& tally) override {
    std::vector<std::thread> threads;
    for (int slot = 0; slot < kThreads; ++slot) threads.emplace_back([&] { Open(stop, tally); });
    while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // A server that caps concurrent streams per connection leaves new ones waiting for a
    // slot (the client library queues them): cancelling them lets the threads go.
    opening_.CancelAll();
    for (std::thread& thread : threads) thread.join();
    // Most refusals are not seen here: a write the server turned down after reading it
    // (RESOURCE_EXHAUSTED from a slot taken meanwhile) was accepted by the client library,
    // and cancelling first hides the server's status. Only streams refused before their
    // first message was read fail their Write and are counted. The server's open
    // descriptors tell whether the caps held.
    for (Held& held : held_) held.context->TryCancel();
    held_.clear();
  }

 private:
  struct Held {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<google::bytestream::WriteResponse> response;
    std::unique_ptr<grpc::ClientWriter<google::bytestream::WriteRequest>> writer;
  };

  void Open(const std::atomic<bool>& stop, AttackTally& tally) {
    const std::string chunk(64 << 10, 'a');
    for (int64_t n = next_.fetch_add(1); !stop.load() && n < kAbandonedUploads; n = next_.fetch_add(1)) {
      Held held{std::make_unique<grpc::ClientContext>(), std::make_unique<google::bytestream::WriteResponse>(), nullptr};
      SetBenchDeadline(*held.context);
      auto guard = opening_.Track(held.context.get());
      held.writer = connections_->bytestream(static_cast<int>(n)).Write(held.context.get(), held.response.get());
      google::bytestream::WriteRequest request;
      // A digest nobody will complete: the blob is never sent whole.
      const Digest digest = ComputeDigest(DigestFunction::kSha256, NewUploadId());
      request.set_resource_name(MakeWriteResourceName(target_->instance_name(), NewUploadId(),
                                                      *Digest::Create(DigestFunction::kSha256, digest.hash(), 1 << 20)));
      request.set_data(chunk);
      tally.Sent();
      if (!held.writer->Write(request)) {
        grpc::Status status = held.writer->Finish();
        if (!stop.load()) tally.Refused(status);
        continue;
      }
      std::lock_guard lock(mutex_);
      held_.push_back(std::move(held));
    }
  }

  BenchTarget* target_;
  std::unique_ptr<BenchTarget> connections_;  // The attack's own.
  std::atomic<int64_t> next_{0};
  CancellableCalls opening_;
  std::mutex mutex_;
  std::vector<Held> held_;
};

// Four at a time: a 32 KiB zstd frame of 1 GiB of zeros, uploaded under a digest that
// declares 1 GiB but is not its hash (so the server must not keep it, whatever it does).
class ZstdBomb final : public Attack {
 public:
  explicit ZstdBomb(BenchTarget* target) : target_(target) {}
  AttackInfo info() const override {
    return {"zstd_bomb", "Upload 32 KiB zstd frames that decompress to 1 GiB, under a wrong 1 GiB digest, 4 at once"};
  }

  Status Prepare() override {
    ZstdCompressor compressor(19);
    const std::string zeros(4 << 20, '\0');
    for (int i = 0; i < 256; ++i) KILN_RETURN_IF_ERROR(compressor.Compress(zeros, i == 255, &frame_));
    return Status::Ok();
  }

  void Run(const std::atomic<bool>& stop, AttackTally& tally) override {
    std::vector<std::thread> threads;
    for (int slot = 0; slot < kThreads; ++slot) {
      threads.emplace_back([&, slot] {
        while (!stop.load()) UploadOnce(slot, tally);
      });
    }
    while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    calls_.CancelAll();
    for (std::thread& thread : threads) thread.join();
  }

 private:
  void UploadOnce(int slot, AttackTally& tally) {
    grpc::ClientContext context;
    SetBenchDeadline(context);
    auto guard = calls_.Track(&context);
    google::bytestream::WriteResponse response;
    auto writer = target_->bytestream(slot).Write(&context, &response);
    const Digest wrong = ComputeDigest(DigestFunction::kSha256, NewUploadId());
    google::bytestream::WriteRequest request;
    request.set_resource_name(MakeWriteResourceName(target_->instance_name(), NewUploadId(),
                                                    *Digest::Create(DigestFunction::kSha256, wrong.hash(), int64_t{1} << 30),
                                                    Compression::kZstd));
    request.set_data(frame_);
    request.set_finish_write(true);
    tally.Sent();
    writer->Write(request);
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (status.error_code() == grpc::StatusCode::CANCELLED) return;
    tally.Refused(status.ok() ? grpc::Status(grpc::StatusCode::INTERNAL, "the server accepted a blob that does not match its digest")
                              : status);
  }

  BenchTarget* target_;
  std::string frame_;
  CancellableCalls calls_;
};

// CreateLogStream again and again on one connection, never writing to any of them.
class LogStreamFlood final : public Attack {
 public:
  explicit LogStreamFlood(BenchTarget* target) : target_(target) {}
  AttackInfo info() const override {
    return {"logstream_flood", "CreateLogStream 20,000 times on one connection and never write to them"};
  }

  void Run(const std::atomic<bool>& stop, AttackTally& tally) override {
    auto stub = logstream::LogStreamService::NewStub(target_->channel(0));
    for (int64_t i = 0; i < kLogStreams && !stop.load(); ++i) {
      grpc::ClientContext context;
      SetBenchDeadline(context);
      logstream::CreateLogStreamRequest request;
      request.set_parent(target_->instance_name());
      logstream::LogStream stream;
      tally.Sent();
      grpc::Status status = stub->CreateLogStream(&context, request, &stream);
      if (!status.ok()) tally.Refused(status);
    }
    while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

 private:
  BenchTarget* target_;
};

}  // namespace

std::unique_ptr<Attack> NewAbandonedUploadsAttack(BenchTarget* target) { return std::make_unique<AbandonedUploads>(target); }
std::unique_ptr<Attack> NewZstdBombAttack(BenchTarget* target) { return std::make_unique<ZstdBomb>(target); }
std::unique_ptr<Attack> NewLogStreamFloodAttack(BenchTarget* target) { return std::make_unique<LogStreamFlood>(target); }

}  // namespace kiln
