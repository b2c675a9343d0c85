// The server process's life: clean stops on SIGTERM and SIGINT (exit code 0), everything
// stored surviving a restart on the same data directory, interrupted uploads not
// surviving it, the CAS budget applied at startup, and bad command lines refused.
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "test_util.h"

namespace kiln_test {
namespace {

namespace fs = std::filesystem;

class LifecycleTest : public KilnServerTest {
 protected:
  reapi::Digest Action() { return ProtoDigestOf("lifecycle action"); }
  grpc::Status UpdateAction(const reapi::ActionResult& result) {
    reapi::UpdateActionResultRequest request;
    request.set_instance_name("ci");
    *request.mutable_action_digest() = Action();
    *request.mutable_action_result() = result;
    reapi::ActionResult response;
    grpc::ClientContext context;
    SetDeadline(&context);
    return action_cache().UpdateActionResult(&context, request, &response);
  }
  grpc::Status GetAction(reapi::ActionResult* result) {
    reapi::GetActionResultRequest request;
    request.set_instance_name("ci");
    *request.mutable_action_digest() = Action();
    grpc::ClientContext context;
    SetDeadline(&context);
    return action_cache().GetActionResult(&context, request, result);
  }
};

TEST_F(LifecycleTest, BlobsAndActionResultsSurviveACleanRestart) {
  const std::vector<std::string> small = {"one", PseudoRandomBytes(5000, 1), CompressibleBytes(70000, 2)};
  ASSERT_TRUE(BatchUpload(cas(), "", small));
  const std::string large = PseudoRandomBytes(6 << 20, 3);
  int64_t committed = 0;
  ASSERT_TRUE(ByteStreamWrite(bytestream(), WriteName("", large), large, 1 << 20, &committed).ok());
  reapi::ActionResult result;
  auto* file = result.add_output_files();
  file->set_path("out/large");
  *file->mutable_digest() = ProtoDigestOf(large);
  *result.mutable_stdout_digest() = ProtoDigestOf(small[0]);
  result.set_exit_code(7);
  ASSERT_TRUE(UpdateAction(result).ok());

  StopServer();  // Expects exit code 0 and "kiln: stopped".
  StartServer();

  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(small[0]), ProtoDigestOf(small[1]), ProtoDigestOf(small[2]),
                                      ProtoDigestOf(large)},
                          &missing)
                  .ok());
  EXPECT_TRUE(missing.empty());
  std::string data;
  ASSERT_TRUE(ByteStreamRead(bytestream(), ReadName("", large), &data).ok());
  EXPECT_TRUE(data == large);
  ASSERT_TRUE(ByteStreamRead(bytestream(), ReadName("", small[2]), &data).ok());
  EXPECT_TRUE(data == small[2]);
  reapi::ActionResult fetched;
  grpc::Status status = GetAction(&fetched);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(fetched.exit_code(), 7);
}

TEST_F(LifecycleTest, SigintAlsoStopsCleanly) {
  ASSERT_TRUE(BatchUpload(cas(), "", {"before SIGINT"}));
  server().CloseChannel();
  EXPECT_EQ(server().Stop(SIGINT), 0) << server().stdout_text();
  EXPECT_NE(server().stdout_text().find("kiln: stopped"), std::string::npos) << server().stdout_text();
  server_.reset();
  StartServer();
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf("before SIGINT")}, &missing).ok());
  EXPECT_TRUE(missing.empty());
}

// README: on SIGTERM running calls get 5 s, then are cancelled; the exit code is still 0.
TEST_F(LifecycleTest, SigtermWithAStuckUploadStillExitsZero) {
  const std::string blob = PseudoRandomBytes(1 << 20, 5);
  auto channel = server().NewChannel();
  auto stub = google::bytestream::ByteStream::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(&context);
  google::bytestream::WriteResponse response;
  auto writer = stub->Write(&context, &response);
  google::bytestream::WriteRequest request;
  request.set_resource_name(WriteName("", blob));
  request.set_data(blob.substr(0, 100000));
  ASSERT_TRUE(writer->Write(request));  // ...and then nothing more: the call stays open.

  server().CloseChannel();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server().Stop(SIGTERM), 0) << server().stdout_text();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  EXPECT_FALSE(writer->Finish().ok());
  server_.reset();

  StartServer();
  EXPECT_EQ(UploadTempFiles(data_dir_.path()), 0u);
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(blob)}, &missing).ok());
  EXPECT_EQ(missing.size(), 1u);
}

TEST_F(LifecycleTest, InterruptedUploadDoesNotSurviveARestart) {
  const std::string blob = PseudoRandomBytes(1 << 20, 4);
  const std::string name = WriteName("", blob);
  {  // Half an upload, then the client goes away.
    grpc::ClientContext context;
    SetDeadline(&context);
    google::bytestream::WriteResponse response;
    auto writer = bytestream().Write(&context, &response);
    google::bytestream::WriteRequest request;
    request.set_resource_name(name);
    request.set_data(blob.substr(0, 300000));
    writer->Write(request);
    writer->WritesDone();
    EXPECT_FALSE(writer->Finish().ok());
  }
  google::bytestream::QueryWriteStatusResponse query;
  ASSERT_TRUE(QueryWriteStatus(bytestream(), name, &query).ok());
  EXPECT_EQ(query.committed_size(), 300000);

  StopServer();
  StartServer();
  EXPECT_TRUE(HasStatus(QueryWriteStatus(bytestream(), name, &query), grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(UploadTempFiles(data_dir_.path()), 0u);
  std::vector<reapi::Digest> missing;
  ASSERT_TRUE(FindMissing(cas(), "", {ProtoDigestOf(blob)}, &missing).ok());
  EXPECT_EQ(missing.size(), 1u);
}

TEST_F(LifecycleTest, RestartWithASmallerBudgetEvictsTheOldestBlobs) {
  std::vector<std::string> blobs;
  for (int i = 0; i < 20; ++i) {
    blobs.push_back(PseudoRandomBytes(100 * 1024, 100 + i));
    ASSERT_TRUE(BatchUpload(cas(), "", {blobs.back()}));
    // Startup orders blobs by file modification time; keep those distinct.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  StopServer();
  std::string error;
  server_ = KilnProcess::Start(data_dir_.path(), {"--max-cas-bytes", "1M"}, &error);
  ASSERT_TRUE(server_) << error;
  std::vector<reapi::Digest> digests, missing;
  for (const auto& blob : blobs) digests.push_back(ProtoDigestOf(blob));
  ASSERT_TRUE(FindMissing(cas(), "", digests, &missing).ok());
  EXPECT_EQ(missing.size(), 10u) << "twenty 100 KiB blobs in a 1 MiB budget leave ten";
  for (const auto& m : missing) {
    const auto position = std::find_if(digests.begin(), digests.end(), [&](auto& d) { return d.hash() == m.hash(); });
    EXPECT_LT(position - digests.begin(), 10) << "a recent blob was evicted instead of an old one";
  }
}

TEST(KilnCommandLineTest, BadFlagsAreRefusedWithExitCode2) {
  TempDir dir;
  // `timeout` bounds the test should kiln wrongly start serving.
  const std::string base = "timeout -s KILL 20 " + std::string(KILN_BINARY) + " serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir " + dir.path();
  for (const std::string& extra : {" --no-such-flag", " --max-cas-bytes lots", " --find-missing-grace soon"}) {
    const int status = std::system((base + extra + " >/dev/null 2>&1").c_str());
    ASSERT_TRUE(WIFEXITED(status)) << extra;
    EXPECT_EQ(WEXITSTATUS(status), 2) << extra;
  }
}

// Two servers must never share a port: clients would be spread over two different stores.
TEST_F(LifecycleTest, ListenAddressInUseIsAStartupError) {
  TempDir other_dir;
  const std::string command = "timeout -s KILL 5 " + std::string(KILN_BINARY) + " serve --http-listen off --listen " +
                              server().address() + " --data-dir " + other_dir.path() + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << "a second kiln started serving on " << server().address()
                                    << " (exit 137: it ran until killed by timeout)";
  ExpectStillServing();
}

TEST(KilnCommandLineTest, UnusableDataDirIsAStartupError) {
  TempDir dir;
  const std::string file = dir.path() + "/not-a-directory";
  std::ofstream(file) << "x";
  const std::string command =
      "timeout -s KILL 20 " + std::string(KILN_BINARY) + " serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir " + file +
      " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << "137 means it served (and was killed by timeout)";
}

}  // namespace
}  // namespace kiln_test
