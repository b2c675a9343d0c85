#include "server/access_log.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "google/longrunning/operations.pb.h"
#include "server/call_authorizer.h"

namespace kiln {
namespace {

namespace reapi = build::bazel::remote::execution::v2;

// The resource name of a raw ByteStream request (field 1, serialized first by every
// client kiln knows), read from the buffer's first slice without parsing the data after it.
std::string RawResourceName(grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok() || slices.empty()) return "";
  const uint8_t* p = slices[0].begin();
  const uint8_t* end = slices[0].end();
  if (p == end || *p++ != 0x0a) return "";  // Field 1, length-delimited.
  uint64_t length = 0;
  for (int shift = 0; p != end && shift < 35; shift += 7) {
    const uint8_t byte = *p++;
    length |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      if (length > static_cast<uint64_t>(end - p)) return "";
      return std::string(reinterpret_cast<const char*>(p), length);
    }
  }
  return "";
}

// The instance in a ByteStream resource name ("" for names without one).
std::string InstanceOfResourceName(const std::string& name) {
  for (const char* marker : {"uploads/", "blobs/", "compressed-blobs/"}) {
    if (name.rfind(marker, 0) == 0) return "";
    const size_t at = name.find(std::string("/") + marker);
    if (at != std::string::npos) return name.substr(0, at);
  }
  return "";
}

double Millis(Duration duration) { return std::chrono::duration<double, std::milli>(duration).count(); }

double SecondsBetween(const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
  return static_cast<double>(b.seconds() - a.seconds()) + (b.nanos() - a.nanos()) / 1e9;
}

// An Execute or WaitExecution answer that is done: the phases its result's metadata has.
std::vector<LogField> ExecutePhases(const google::longrunning::Operation& operation) {
  std::vector<LogField> phases;
  reapi::ExecuteResponse response;
  if (!operation.done() || !operation.response().UnpackTo(&response) || !response.has_result()) return phases;
  const reapi::ExecutedActionMetadata& m = response.result().execution_metadata();
  if (m.has_queued_timestamp() && m.has_worker_start_timestamp()) {
    phases.push_back(NumberField("queued_s", SecondsBetween(m.queued_timestamp(), m.worker_start_timestamp())));
  }
  if (m.has_input_fetch_completed_timestamp()) {
    phases.push_back(NumberField("staging_s", SecondsBetween(m.input_fetch_start_timestamp(),
                                                             m.input_fetch_completed_timestamp())));
  }
  if (m.has_execution_completed_timestamp()) {
    phases.push_back(NumberField("executing_s", SecondsBetween(m.execution_start_timestamp(),
                                                               m.execution_completed_timestamp())));
  }
  if (m.has_output_upload_completed_timestamp()) {
    phases.push_back(NumberField("uploading_s", SecondsBetween(m.output_upload_start_timestamp(),
                                                               m.output_upload_completed_timestamp())));
  }
  if (response.cached_result()) phases.push_back({"cached", "true"});
  return phases;
}

class CallLogInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallLogInterceptor(grpc::experimental::ServerRpcInfo* info, const CallLogOptions* options)
      : info_(info), options_(options), start_(std::chrono::steady_clock::now()) {
    const std::string_view method = info->method();
    watches_operations_ = method.ends_with("/Execute") || method.ends_with("/WaitExecution");
    // ByteStream Read and Write are raw methods (server/bytestream_service.h): their
    // messages are ByteBuffers, not protobuf messages.
    raw_ = method == "/google.bytestream.ByteStream/Read" || method == "/google.bytestream.ByteStream/Write";
  }

  ~CallLogInterceptor() override {
    const Duration elapsed = std::chrono::steady_clock::now() - start_;
    const void* context = info_->server_context();
    const std::string principal = options_->principals ? options_->principals->Take(context) : "";
    std::vector<LogField> fields = {
        {"method", info_->method()},
        {"instance", instance_},
        NumberField("code", static_cast<int64_t>(code_)),
        NumberField("bytes_in", bytes_in_),
        NumberField("bytes_out", bytes_out_),
        NumberField("duration_ms", Millis(elapsed)),
        {"peer", info_->server_context()->peer()},
        {"principal", principal},
    };
    if (options_->access_log) {
      options_->access_log->Write(
          FormatLogLine(options_->format, std::chrono::system_clock::now(), LogLevel::kInfo, "call", fields));
    }
    if (options_->slow_call && elapsed > *options_->slow_call) {
      for (LogField& phase : phases_) fields.push_back(std::move(phase));
      Log(LogLevel::kWarning, "slow call", fields);
    }
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using Hook = grpc::experimental::InterceptionHookPoints;
    if (raw_ && methods->QueryInterceptionHookPoint(Hook::POST_RECV_MESSAGE)) {
      if (auto* buffer = static_cast<grpc::ByteBuffer*>(methods->GetRecvMessage())) {
        bytes_in_ += static_cast<int64_t>(buffer->Length());
        if (!saw_request_) instance_ = InstanceOfResourceName(RawResourceName(*buffer));
        saw_request_ = true;
      }
    } else if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_MESSAGE)) {
      // Every other kiln method speaks protobuf: the message is a google::protobuf::Message.
      if (const auto* request = static_cast<const google::protobuf::Message*>(methods->GetRecvMessage())) {
        bytes_in_ += static_cast<int64_t>(request->ByteSizeLong());
        if (!saw_request_) instance_ = InstanceOfRequest(*request);
        saw_request_ = true;
      }
    }
    if (raw_ && methods->QueryInterceptionHookPoint(Hook::PRE_SEND_MESSAGE)) {
      if (const auto* buffer = static_cast<const grpc::ByteBuffer*>(methods->GetSendMessage())) {
        bytes_out_ += static_cast<int64_t>(buffer->Length());
      }
    } else if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_MESSAGE)) {
      if (const auto* response = static_cast<const google::protobuf::Message*>(methods->GetSendMessage())) {
        bytes_out_ += static_cast<int64_t>(response->ByteSizeLong());
        if (watches_operations_ && options_->slow_call) {
          phases_ = ExecutePhases(*static_cast<const google::longrunning::Operation*>(
              static_cast<const void*>(response)));
        }
      } else if (grpc::ByteBuffer* serialized = methods->GetSerializedSendMessage()) {
        bytes_out_ += static_cast<int64_t>(serialized->Length());
      }
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) code_ = methods->GetSendStatus().error_code();
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  const CallLogOptions* options_;
  const std::chrono::steady_clock::time_point start_;
  bool watches_operations_ = false;
  bool raw_ = false;
  bool saw_request_ = false;
  std::string instance_;
  int64_t bytes_in_ = 0;
  int64_t bytes_out_ = 0;
  grpc::StatusCode code_ = grpc::StatusCode::UNKNOWN;  // Until the status is sent.
  std::vector<LogField> phases_;
};

class CallLogFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallLogFactory(const CallLogOptions& options) : options_(options) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new CallLogInterceptor(info, &options_);
  }

 private:
  const CallLogOptions options_;
};

}  // namespace

std::string InstanceOfRequest(const google::protobuf::Message& request) {
  const google::protobuf::Descriptor* descriptor = request.GetDescriptor();
  const google::protobuf::Reflection* reflection = request.GetReflection();
  using Field = google::protobuf::FieldDescriptor;
  if (const Field* field = descriptor->FindFieldByName("instance_name");
      field != nullptr && field->type() == Field::TYPE_STRING && !field->is_repeated()) {
    return reflection->GetString(request, field);
  }
  if (const Field* field = descriptor->FindFieldByName("resource_name");
      field != nullptr && field->type() == Field::TYPE_STRING && !field->is_repeated()) {
    return InstanceOfResourceName(reflection->GetString(request, field));
  }
  return "";
}

StatusOr<std::unique_ptr<CallLogs>> CallLogs::Open(const std::string& access_log_path,
                                                   std::optional<Duration> slow_call, CallAuthorizer* authorizer) {
  auto logs = std::make_unique<CallLogs>();
  if (!access_log_path.empty()) {
    auto sink = LogSink::Open(access_log_path);
    if (!sink.ok()) return sink.status().WithContext("--access-log");
    logs->sink_ = std::move(sink).value();
  }
  logs->options_.access_log = logs->sink_.get();
  logs->options_.slow_call = slow_call;
  logs->options_.format = CurrentLogFormat();
  if (logs->sink_ || slow_call) {
    logs->options_.principals = &logs->principals_;
    authorizer->RecordPrincipalsIn(&logs->principals_);
  }
  return logs;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> CallLogs::NewInterceptorFactory() {
  return NewCallLogInterceptorFactory(options_);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewCallLogInterceptorFactory(
    const CallLogOptions& options) {
  if (options.access_log == nullptr && !options.slow_call) return nullptr;
  return std::make_unique<CallLogFactory>(options);
}

}  // namespace kiln
