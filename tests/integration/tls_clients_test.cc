// kiln's own clients against a `kiln serve` that requires client certificates: a worker
// connecting over grpcs:// runs an action, and `kiln bench`, `kiln attack` (with its probe
// process) and `kiln logs` reach the server with their --tls-* and --token-file flags.
#include "client_command.h"
#include "execution_util.h"
#include "remote_worker_process.h"
#include "tls_fixture.h"

namespace kiln_test {
namespace {

class TlsClientsTest : public TlsTest {
 protected:
  // The client flags for the good client certificate and the token.
  std::vector<std::string> ClientFlags() const {
    return {"--tls-ca", certs_.ca(), "--tls-cert", client_.cert, "--tls-key", client_.key, "--token-file", token_file_};
  }
};

TEST_F(TlsClientsTest, AWorkerConnectedOverMutualTlsRunsAnAction) {
  StartServer({"--workers", "0", "--tls-client-ca", certs_.ca()});
  TempDir work_dir;
  std::string error;
  auto worker = WorkerProcess::Start(TlsTarget(), work_dir.path(), "tls-worker", ClientFlags(), &error);
  ASSERT_TRUE(worker) << error;

  std::shared_ptr<grpc::Channel> channel = Channel(Options(client_));
  auto cas = reapi::ContentAddressableStorage::NewStub(channel);
  ActionSpec spec;
  spec.arguments = {"/bin/sh", "-c", "echo over tls"};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  ExecuteResult run = Execute(channel, UploadAction(*cas, spec));
  ASSERT_TRUE(run.status.ok()) << Describe(run.status);
  ASSERT_FALSE(run.updates.empty());
  ASSERT_TRUE(run.updates.back().done());
  EXPECT_EQ(run.response.status().code(), 0) << Describe(run.response.status());
  EXPECT_EQ(run.response.result().execution_metadata().worker(), "tls-worker");
  auto bytestream = google::bytestream::ByteStream::NewStub(channel);
  EXPECT_EQ(ReadBlobText(*bytestream, run.response.result().stdout_digest()), "over tls\n");
  EXPECT_EQ(worker->Stop(SIGTERM), 0) << worker->stdout_text();
}

TEST_F(TlsClientsTest, BenchAndAttackUseTheClientFlags) {
  StartServer({"--tls-client-ca", certs_.ca()});
  std::vector<std::string> flags = ClientFlags();
  const std::string bench_json = data_dir_.path() + "/bench.json";
  std::string output;
  std::vector<std::string> bench_flags = flags;
  bench_flags.insert(bench_flags.end(), {"--scenario", "get_capabilities", "--duration", "300ms", "--connections", "2",
                                         "--concurrency", "2", "--json", bench_json});
  ASSERT_EQ(RunClientCommand("bench", TlsTarget(), bench_flags, 60'000, &output), 0) << output;
  const google::protobuf::Struct bench = ReadJsonFile(bench_json);
  const auto& scenario = bench.fields().at("scenarios").list_value().values(0).struct_value().fields();
  EXPECT_GT(scenario.at("ops").number_value(), 0);
  EXPECT_EQ(scenario.at("errors").number_value(), 0) << scenario.at("first_error").string_value();

  // The probe runs in a process of its own: it must get the certificate too.
  const std::string attack_json = data_dir_.path() + "/attack.json";
  std::vector<std::string> attack_flags = flags;
  attack_flags.insert(attack_flags.end(), {"--attack", "logstream_flood", "--duration", "1s", "--json", attack_json});
  RunClientCommand("attack", TlsTarget(), attack_flags, 60'000, &output);  // Exit code: p99 may miss 50 ms.
  const google::protobuf::Struct attacks = ReadJsonFile(attack_json);
  const auto& attack = attacks.fields().at("attacks").list_value().values(0).struct_value().fields();
  EXPECT_EQ(attack.at("setup_error").string_value(), "") << output;
  EXPECT_GT(attack.at("sent").number_value(), 0) << output;
  EXPECT_GT(attack.at("probe_calls").number_value(), 0) << output;
  EXPECT_EQ(attack.at("probe_failures").number_value(), 0) << attack.at("probe_first_failure").string_value();
  EXPECT_TRUE(attack.at("answers_after").bool_value());

}

TEST_F(TlsClientsTest, LogsReachesTheServer) {
  StartServer({"--tls-client-ca", certs_.ca()});
  const std::string stderr_path = data_dir_.path() + "/logs.stderr";
  std::string command = "timeout -s KILL 30 " + std::string(KILN_BINARY) + " logs operations/unknown --target " +
                        TlsTarget();
  for (const std::string& flag : ClientFlags()) command += " " + flag;
  const int status = std::system((command + " >/dev/null 2>" + stderr_path).c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  // NOT_FOUND comes from the server: the call got through TLS.
  const std::string text = TestCertificates::Read(stderr_path);
  EXPECT_NE(text.find("operation operations/unknown is not known to " + TlsTarget()), std::string::npos) << text;
}

TEST_F(TlsClientsTest, ClientFlagsAreCheckedBeforeConnecting) {
  std::string output;
  // A certificate without its key, and TLS files for a plaintext target: usage errors.
  EXPECT_EQ(RunClientCommand("bench", "grpcs://127.0.0.1:1", {"--tls-cert", client_.cert}, 30'000, &output), 2);
  EXPECT_EQ(RunClientCommand("attack", "127.0.0.1:1", {"--tls-ca", certs_.ca()}, 30'000, &output), 2);
  TempDir work_dir;
  const std::string command = "timeout -s KILL 30 " + std::string(KILN_BINARY) + " worker --scheduler 127.0.0.1:1 " +
                              "--work-dir " + work_dir.path() + " --tls-ca " + certs_.ca() + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
}  // namespace kiln_test
