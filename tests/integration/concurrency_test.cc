// 100 concurrent clients, each on its own connection, doing the mix of calls a build
// does: batch uploads, FindMissingBlobs, ByteStream writes and reads, action cache
// updates and lookups. Every client also uploads one shared blob at the same time as all
// the others, which exercises concurrent publishes of the same digest.
#include <latch>
#include <mutex>
#include <thread>

#include "common/proto_digest.h"
#include "test_util.h"

namespace kiln_test {
namespace {

constexpr int kClients = 100;

// Runs one client's workload; returns "" on success, else what went wrong.
std::string RunClient(KilnProcess& server, int id, const std::string& shared_blob, std::latch& start) {
  auto channel = server.NewChannel();
  auto cas = reapi::ContentAddressableStorage::NewStub(channel);
  auto bytestream = google::bytestream::ByteStream::NewStub(channel);
  auto action_cache = reapi::ActionCache::NewStub(channel);
  const std::string instance = id % 2 == 0 ? "" : "client/" + std::to_string(id % 7);
  const std::vector<std::string> small = {PseudoRandomBytes(100 + id, 10 * id + 1), PseudoRandomBytes(5000, 10 * id + 2),
                                          CompressibleBytes(20000, 10 * id + 3)};
  const std::string large = PseudoRandomBytes(200 * 1024 + id, 10 * id + 4);
  start.arrive_and_wait();

  if (auto result = BatchUpload(*cas, instance, small); !result) return std::string("BatchUpload: ") + result.message();

  std::vector<reapi::Digest> query = {ProtoDigestOf(small[0]), ProtoDigestOf(small[1]), ProtoDigestOf(small[2]),
                                      ProtoDigestOf("never uploaded by client " + std::to_string(id))};
  std::vector<reapi::Digest> missing;
  grpc::Status status = FindMissing(*cas, instance, query, &missing);
  if (!status.ok()) return "FindMissing: " + Describe(status);
  if (missing.size() != 1 || missing[0].hash() != query[3].hash()) {
    return "FindMissing reported " + std::to_string(missing.size()) + " missing, expected only the unknown blob";
  }

  int64_t committed = 0;
  status = ByteStreamWrite(*bytestream, WriteName(instance, large), large, 32 * 1024, &committed);
  if (!status.ok()) return "Write: " + Describe(status);
  if (committed != static_cast<int64_t>(large.size())) return "Write committed " + std::to_string(committed);
  status = ByteStreamWrite(*bytestream, WriteName(instance, shared_blob), shared_blob, 64 * 1024, &committed);
  if (!status.ok()) return "Write shared: " + Describe(status);
  if (committed != static_cast<int64_t>(shared_blob.size())) return "Write shared committed " + std::to_string(committed);

  std::string data;
  status = ByteStreamRead(*bytestream, ReadName(instance, large), &data);
  if (!status.ok() || data != large) return "Read: " + Describe(status) + ", " + std::to_string(data.size()) + " bytes";
  status = ByteStreamRead(*bytestream, ReadName(instance, shared_blob), &data);
  if (!status.ok() || data != shared_blob) return "Read shared: " + Describe(status);

  reapi::BatchReadBlobsRequest read_request;
  read_request.set_instance_name(instance);
  for (const auto& blob : small) *read_request.add_digests() = ProtoDigestOf(blob);
  reapi::BatchReadBlobsResponse read_response;
  status = BatchRead(*cas, read_request, &read_response);
  if (!status.ok() || read_response.responses_size() != 3) return "BatchRead: " + Describe(status);
  for (int i = 0; i < 3; ++i) {
    if (read_response.responses(i).status().code() != 0 || read_response.responses(i).data() != small[i]) {
      return "BatchRead item " + std::to_string(i) + ": " + Describe(read_response.responses(i).status());
    }
  }

  reapi::UpdateActionResultRequest update;
  update.set_instance_name(instance);
  *update.mutable_action_digest() = ProtoDigestOf("action of client " + std::to_string(id));
  auto* file = update.mutable_action_result()->add_output_files();
  file->set_path("out");
  *file->mutable_digest() = ProtoDigestOf(large);
  update.mutable_action_result()->set_exit_code(id);
  reapi::ActionResult result;
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    status = action_cache->UpdateActionResult(&context, update, &result);
  }
  if (!status.ok()) return "UpdateActionResult: " + Describe(status);
  reapi::GetActionResultRequest get;
  get.set_instance_name(instance);
  *get.mutable_action_digest() = update.action_digest();
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    status = action_cache->GetActionResult(&context, get, &result);
  }
  if (!status.ok() || result.exit_code() != id) return "GetActionResult: " + Describe(status);
  return "";
}

using ConcurrencyTest = KilnServerTest;

TEST_F(ConcurrencyTest, HundredClientsWithMixedWorkloads) {
  const std::string shared_blob = PseudoRandomBytes(1 << 20, 424242);
  std::vector<std::string> errors(kClients);
  std::latch start(kClients);
  std::vector<std::thread> clients;
  for (int id = 0; id < kClients; ++id) {
    clients.emplace_back([&, id] { errors[id] = RunClient(server(), id, shared_blob, start); });
  }
  for (auto& client : clients) client.join();
  int failures = 0;
  for (int id = 0; id < kClients; ++id) {
    if (!errors[id].empty()) {
      ++failures;
      ADD_FAILURE() << "client " << id << ": " << errors[id];
    }
  }
  EXPECT_EQ(failures, 0);
  ExpectStillServing();
}

}  // namespace
}  // namespace kiln_test
