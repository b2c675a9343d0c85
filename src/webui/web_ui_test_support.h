// A web UI over in-memory parts (scheduler, CAS, log streams, metric registry, fake clock)
// and the in-memory HTTP fakes, for the endpoint tests: requests go through the router,
// permission checks included, and answers come back parsed as JSON.
#pragma once

#include <gtest/gtest.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <memory>
#include <string>

#include "cas/memory_blob_store.h"
#include "common/hasher.h"
#include "common/proto_digest.h"
#include "scheduler/in_process_scheduler.h"
#include "testing/http_fakes.h"
#include "webui/web_ui.h"

namespace kiln::testing_support {

struct JsonAnswer {
  int status = 0;
  std::string body;
  google::protobuf::Value json;  // Null when the body is not JSON.
};

inline const google::protobuf::Value& Field(const google::protobuf::Value& object, const std::string& key) {
  static const google::protobuf::Value kNull;
  const auto& fields = object.struct_value().fields();
  auto it = fields.find(key);
  return it == fields.end() ? kNull : it->second;
}

class WebUiFixture : public ::testing::Test {
 protected:
  // `authorizer` null: no auth file. `remote_logs` null: in no farm.
  void StartUi(const RequestAuthorizer* authorizer = nullptr, RemoteLogReader* remote_logs = nullptr) {
    ui_.reset();  // A test may start the UI again, differently.
    router_ = std::make_unique<HttpRouter>(authorizer ? authorizer : &everyone_);
    WebUiServices services;
    services.scheduler = &scheduler_;
    services.cas = &cas_;
    services.log_streams = &log_streams_;
    services.remote_logs = remote_logs;
    services.metrics = &registry_;
    services.authorizer = authorizer ? authorizer : &everyone_;
    services.cas_capacity_bytes = 1000;
    services.clock = &clock_;
    ui_ = WebUi::Add(*router_, services);
  }

  JsonAnswer Call(const std::string& method, const std::string& target, const std::string& token = "",
                  bool ui_header = true) {
    const size_t question = target.find('?');
    testing::FakeRequest fake(method, target.substr(0, question));
    if (question != std::string::npos) fake.request.query = target.substr(question + 1);
    if (!token.empty()) fake.request.credentials.authorization = "Bearer " + token;
    if (ui_header) fake.request.headers.Add("X-Kiln-UI", "1");
    testing::FakeResponder responder;
    router_->Serve(fake.request, responder);
    JsonAnswer answer;
    answer.status = responder.status();
    answer.body = responder.body();
    (void)google::protobuf::util::JsonStringToMessage(answer.body, &answer.json);
    return answer;
  }
  JsonAnswer Get(const std::string& target, const std::string& token = "") { return Call("GET", target, token); }

  // Uploads a Command running `arguments` and its Action; the Action's digest.
  Digest UploadAction(const std::vector<std::string>& arguments) {
    reapi::Command command;
    for (const std::string& argument : arguments) command.add_arguments(argument);
    auto* env = command.add_environment_variables();
    env->set_name("PATH");
    env->set_value("/bin");
    command.add_output_paths("out.txt");
    const Digest command_digest = Put(command.SerializeAsString());
    reapi::Action action;
    *action.mutable_command_digest() = ToProto(command_digest);
    *action.mutable_input_root_digest() = ToProto(Put(""));
    return Put(action.SerializeAsString());
  }

  Digest Put(const std::string& bytes) {
    const Digest digest = ComputeDigest(DigestFunction::kSha256, bytes);
    EXPECT_TRUE(WriteBlob(cas_, digest, bytes).ok());
    return digest;
  }

  // Queues the action (`caller` owns the operation); its name.
  std::string Enqueue(const Digest& action_digest, const Caller& caller, const std::string& instance = "") {
    QueuedAction action;
    action.instance_name = instance;
    action.action_digest = action_digest;
    auto name = scheduler_.Enqueue(caller, std::move(action));
    EXPECT_TRUE(name.ok()) << name.status().ToString();
    clock_.Advance(std::chrono::seconds(1));  // Distinct creation times: a defined order.
    return name.ok() ? *name : "";
  }

  FakeClock clock_;
  InProcessScheduler scheduler_{&clock_, SchedulerOptions{}};
  MemoryBlobStore cas_;
  LogStreamRegistry log_streams_{&clock_, LogStreamOptions{}};
  metrics::MetricRegistry registry_;
  RequestAuthorizer everyone_{nullptr, nullptr};
  std::unique_ptr<HttpRouter> router_;
  std::unique_ptr<WebUi> ui_;
};

}  // namespace kiln::testing_support
