// kill -9 in the middle of large uploads, then restart on the same data directory: every
// blob whose upload completed must read back intact, no partial upload may be visible,
// and the temp area must be cleaned out. This is the guarantee the disk store's
// write-to-tmp-then-rename design exists for.
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/hasher.h"
#include "common/proto_digest.h"
#include "common/resource_name.h"
#include "test_util.h"

namespace kiln_test {
namespace {

namespace fs = std::filesystem;

constexpr int kUploads = 8;
constexpr size_t kChunkBytes = 64 * 1024;
constexpr int kChunksPerBlob = 1024;     // 64 MiB blobs...
constexpr int kChunksBeforeKill = 512;  // ...killed half way.
constexpr auto kWait = std::chrono::seconds(60);

std::string Chunk(int upload, int index) { return PseudoRandomBytes(kChunkBytes, 7'000'000 + upload * 10'000 + index); }

kiln::Digest UnfinishedBlobDigest(int upload) {
  kiln::Hasher hasher(DigestFunction::kSha256, int64_t{kChunksPerBlob} * kChunkBytes);
  for (int i = 0; i < kChunksPerBlob; ++i) hasher.Update(Chunk(upload, i));
  return *kiln::Digest::Create(DigestFunction::kSha256, hasher.FinishHex(), int64_t{kChunksPerBlob} * kChunkBytes);
}

// Coordinates the upload threads with the test: they report when the server has
// committed half their blob, then hold their streams open until the server is killed.
struct Coordinator {
  std::mutex mutex;
  std::condition_variable changed;
  int at_half_way = 0;
  bool killed = false;
};

// One upload that is interrupted by the crash. Returns "" if it behaved as expected.
std::string InterruptedUpload(KilnProcess& server, int upload, const std::string& name, Coordinator& coordinator) {
  auto channel = server.NewChannel();
  auto bytestream = google::bytestream::ByteStream::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(&context, std::chrono::seconds(120));
  google::bytestream::WriteResponse response;
  auto writer = bytestream->Write(&context, &response);
  auto give_up = [&](const std::string& why) {
    context.TryCancel();
    writer->Finish();
    return why;
  };
  for (int i = 0; i < kChunksBeforeKill; ++i) {
    google::bytestream::WriteRequest request;
    if (i == 0) request.set_resource_name(name);
    request.set_write_offset(int64_t{i} * kChunkBytes);
    request.set_data(Chunk(upload, i));
    if (!writer->Write(request)) return "stream ended early: " + Describe(writer->Finish());
  }
  // Wait until the server has really received the first half, so the kill lands mid-upload.
  const int64_t half = int64_t{kChunksBeforeKill} * kChunkBytes;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  google::bytestream::QueryWriteStatusResponse query;
  while (!(QueryWriteStatus(*bytestream, name, &query).ok() && query.committed_size() == half)) {
    if (std::chrono::steady_clock::now() > deadline) return give_up("server never committed half the upload");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  {
    std::unique_lock lock(coordinator.mutex);
    ++coordinator.at_half_way;
    coordinator.changed.notify_all();
    if (!coordinator.changed.wait_for(lock, kWait, [&] { return coordinator.killed; })) {
      lock.unlock();
      return give_up("never killed");
    }
  }
  // The server is gone: the rest of the upload cannot succeed.
  for (int i = kChunksBeforeKill; i < kChunksPerBlob; ++i) {
    google::bytestream::WriteRequest request;
    request.set_write_offset(int64_t{i} * kChunkBytes);
    request.set_data(Chunk(upload, i));
    request.set_finish_write(i == kChunksPerBlob - 1);
    if (!writer->Write(request)) break;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (status.ok()) return "the upload succeeded although the server was killed";
  return "";
}

// Every file in the CAS directory must be a complete blob whose content hashes to its name.
void ExpectCasFilesIntact(const std::string& cas_dir) {
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(cas_dir + "/sha256")) {
    if (!entry.is_regular_file()) continue;
    ++files;
    std::ifstream in(entry.path(), std::ios::binary);
    kiln::Hasher hasher(DigestFunction::kSha256, static_cast<int64_t>(entry.file_size()));
    std::string buffer(1 << 20, '\0');
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
      hasher.Update(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
    }
    EXPECT_EQ(hasher.FinishHex(), entry.path().filename().string()) << "corrupt CAS file " << entry.path();
  }
  EXPECT_GT(files, 0);
}

using CrashSafetyTest = KilnServerTest;

TEST_F(CrashSafetyTest, KillDuringUploadsKeepsCompletedBlobsAndHidesPartialOnes) {
  // Completed before the crash: small blobs by batch, larger ones by ByteStream, an AC entry.
  std::vector<std::string> small;
  for (int i = 0; i < 40; ++i) small.push_back(PseudoRandomBytes(1000 + 37 * i, 100 + i));
  ASSERT_TRUE(BatchUpload(cas(), "", small));
  std::vector<std::string> large = {PseudoRandomBytes(3 << 20, 200), CompressibleBytes((3 << 20) + 1, 201)};
  for (const auto& blob : large) {
    int64_t committed = 0;
    ASSERT_TRUE(ByteStreamWrite(bytestream(), WriteName("", blob), blob, kChunkBytes, &committed).ok());
  }
  reapi::UpdateActionResultRequest update;
  *update.mutable_action_digest() = ProtoDigestOf("crash test action");
  *update.mutable_action_result()->add_output_files()->mutable_digest() = ProtoDigestOf(large[0]);
  {
    reapi::ActionResult response;
    grpc::ClientContext context;
    SetDeadline(&context);
    ASSERT_TRUE(action_cache().UpdateActionResult(&context, update, &response).ok());
  }

  // The interrupted uploads.
  std::vector<kiln::Digest> unfinished(kUploads);
  std::vector<std::string> names(kUploads), errors(kUploads);
  {
    std::vector<std::thread> hashers;
    for (int u = 0; u < kUploads; ++u) hashers.emplace_back([&, u] { unfinished[u] = UnfinishedBlobDigest(u); });
    for (auto& t : hashers) t.join();
  }
  for (int u = 0; u < kUploads; ++u) names[u] = kiln::MakeWriteResourceName("", NewUploadId(), unfinished[u]);
  Coordinator coordinator;
  std::vector<std::thread> uploads;
  for (int u = 0; u < kUploads; ++u) {
    uploads.emplace_back([&, u] { errors[u] = InterruptedUpload(server(), u, names[u], coordinator); });
  }
  {
    std::unique_lock lock(coordinator.mutex);
    coordinator.changed.wait_for(lock, kWait, [&] { return coordinator.at_half_way == kUploads; });
  }
  EXPECT_GT(UploadTempFiles(data_dir_.path()), 0u) << "the partial uploads' temp files should exist at the crash";
  server().Kill9();
  {
    std::lock_guard lock(coordinator.mutex);
    coordinator.killed = true;
    coordinator.changed.notify_all();
  }
  for (auto& t : uploads) t.join();
  for (int u = 0; u < kUploads; ++u) EXPECT_EQ(errors[u], "") << "upload " << u;
  server_.reset();

  StartServer();
  ASSERT_TRUE(server_);
  EXPECT_EQ(UploadTempFiles(data_dir_.path()), 0u) << "leftover temp files after restart";
  ExpectCasFilesIntact(data_dir_.path() + "/cas");

  // Completed blobs: all present and intact.
  std::vector<reapi::Digest> completed;
  for (const auto& blob : small) completed.push_back(ProtoDigestOf(blob));
  for (const auto& blob : large) completed.push_back(ProtoDigestOf(blob));
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", completed, &missing).ok());
  EXPECT_TRUE(missing.empty()) << missing.size() << " completed blobs lost";
  reapi::BatchReadBlobsRequest read;
  for (const auto& blob : small) *read.add_digests() = ProtoDigestOf(blob);
  reapi::BatchReadBlobsResponse read_response;
  ASSERT_TRUE(BatchRead(cas(), read, &read_response).ok());
  ASSERT_EQ(read_response.responses_size(), static_cast<int>(small.size()));
  for (size_t i = 0; i < small.size(); ++i) EXPECT_TRUE(read_response.responses(i).data() == small[i]) << i;
  for (const auto& blob : large) {
    std::string data;
    ASSERT_TRUE(ByteStreamRead(bytestream(), ReadName("", blob), &data).ok());
    EXPECT_TRUE(data == blob);
  }
  {
    reapi::GetActionResultRequest get;
    *get.mutable_action_digest() = update.action_digest();
    reapi::ActionResult result;
    grpc::ClientContext context;
    SetDeadline(&context);
    EXPECT_TRUE(action_cache().GetActionResult(&context, get, &result).ok());
  }

  // Interrupted uploads: invisible, not resumable, not readable.
  std::vector<reapi::Digest> unfinished_proto;
  for (const auto& digest : unfinished) unfinished_proto.push_back(kiln::ToProto(digest));
  ASSERT_TRUE(FindMissing(cas(), "", unfinished_proto, &missing).ok());
  EXPECT_EQ(missing.size(), static_cast<size_t>(kUploads));
  for (int u = 0; u < kUploads; ++u) {
    std::string data;
    EXPECT_TRUE(HasStatus(ByteStreamRead(bytestream(), kiln::MakeReadResourceName("", unfinished[u]), &data),
                          grpc::StatusCode::NOT_FOUND));
    google::bytestream::QueryWriteStatusResponse query;
    EXPECT_TRUE(HasStatus(QueryWriteStatus(bytestream(), names[u], &query), grpc::StatusCode::NOT_FOUND));
  }
}

}  // namespace
}  // namespace kiln_test
