#include "cli/admin_command.h"

#include <iostream>
#include <optional>

#include "cli/admin_output.h"
#include "cli/client_connection_flags.h"
#include "cli/flags.h"
#include "client/client_channel.h"
#include "common/proto_digest.h"
#include "kiln/admin/v1/admin.grpc.pb.h"

namespace kiln {
namespace {

namespace wire = ::kiln::admin::v1;

constexpr char kUsage[] =
    "kiln admin [flags] status\n"
    "       kiln admin [flags] workers [list | drain ID | undrain ID]\n"
    "       kiln admin [flags] operations [list | show NAME | cancel NAME]\n"
    "       kiln admin [flags] cas stat|delete DIGEST...\n"
    "       kiln admin [flags] ac get|delete DIGEST\n"
    "       kiln admin [flags] storage [status | remove NODE]";

struct AdminFlags {
  ClientConnectionOptions connection{.target = "127.0.0.1:8980"};
  bool json = false;
  std::string instance;
  // operations list
  std::string stage;
  std::string filter_instance;
  bool any_instance = true;
  int exit_code = -1;
  bool filter_exit = false;
  int limit = 100;
  int offset = 0;
  std::vector<std::string> words;  // What is left: the command and its arguments.
};

std::optional<int> ParseFlags(const std::vector<std::string>& args, AdminFlags& out) {
  FlagSet flags(kUsage,
                "Shows and changes a running kiln server through its admin service (the `admin` permission).\n"
                "Prints aligned columns for people, or the server's answer as JSON with --json. Digests are\n"
                "HASH/SIZE (or FUNCTION/HASH/SIZE, e.g. blake3/HASH/SIZE).");
  flags.AddString("server", &out.connection.target, std::string("The kiln server: ") + kClientTargetHelp);
  AddClientConnectionFlags(flags, out.connection);
  flags.AddBool("json", &out.json, "Print the server's answer as JSON.");
  flags.AddString("instance", &out.instance, "Instance name for cas and ac commands.");
  flags.AddString("stage", &out.stage, "operations list: only queued, executing or completed ones.");
  flags.AddString("operation-instance", &out.filter_instance, "operations list: only this instance's.");
  flags.AddInt("exit-code", &out.exit_code, "operations list: only finished ones that exited with this code.");
  flags.AddInt("limit", &out.limit, "operations list: at most this many (the server caps it at 1000).",
               FlagRange::Between(1, 1000));
  flags.AddInt("offset", &out.offset, "operations list: skip this many of the newest first.", FlagRange::AtLeast(0));
  // Words (the command, names, digests) and flags may come in any order.
  std::vector<std::string> flag_args;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) == 0 || arg == "-h") {
      flag_args.push_back(arg);
      const bool has_value = arg.find('=') != std::string::npos || arg == "--json" || arg == "--help" || arg == "-h";
      if (!has_value && i + 1 < args.size()) flag_args.push_back(args[++i]);
    } else {
      out.words.push_back(arg);
    }
  }
  Status parsed = flags.Parse(flag_args);
  out.filter_exit = flags.WasGiven("exit-code");
  out.any_instance = !flags.WasGiven("operation-instance");
  if (parsed.ok() && out.words.empty() && !flags.help_requested()) {
    parsed = Status::InvalidArgument("a command is required: status, workers, operations, cas, ac or storage");
  }
  if (parsed.ok()) parsed = CheckClientConnectionOptions(out.connection);
  return flags.ExitCode(parsed, "kiln admin");
}

// One admin call's outcome: prints the answer (JSON or text) or the error.
class Printer {
 public:
  explicit Printer(bool json) : json_(json) {}
  template <typename Message, typename Format>
  int Print(const grpc::Status& status, const Message& answer, Format format) {
    if (!status.ok()) {
      std::cerr << "kiln admin: " << status.error_message() << " (" << CodeName(status.error_code()) << ")\n";
      return 1;
    }
    std::cout << (json_ ? ToJson(answer) : format(answer));
    return 0;
  }

 private:
  static std::string CodeName(grpc::StatusCode code) {
    switch (code) {
      case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
      case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
      case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
      case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
      case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
      case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
      default: return "code " + std::to_string(static_cast<int>(code));
    }
  }
  bool json_;
};

int Usage(const std::string& problem) {
  std::cerr << "kiln admin: " << problem << "\nusage: " << kUsage << "\n";
  return 2;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

int Workers(wire::AdminService::Stub& stub, const AdminFlags& flags, Printer& printer) {
  const std::vector<std::string>& w = flags.words;
  const std::string verb = w.size() > 1 ? w[1] : "list";
  if (verb == "list" && w.size() <= 2) {
    wire::ListWorkersResponse response;
    return printer.Print(stub.ListWorkers(Context().get(), {}, &response), response, FormatWorkers);
  }
  if ((verb == "drain" || verb == "undrain") && w.size() == 3) {
    wire::DrainWorkerRequest request;
    request.set_worker_id(w[2]);
    request.set_drain(verb == "drain");
    wire::DrainWorkerResponse response;
    return printer.Print(stub.DrainWorker(Context().get(), request, &response), response, [&](const auto&) {
      return "worker " + w[2] + (verb == "drain" ? " drained: it takes no new work\n" : " undrained\n");
    });
  }
  return Usage("workers takes list, drain ID or undrain ID");
}

int Operations(wire::AdminService::Stub& stub, const AdminFlags& flags, Printer& printer) {
  const std::vector<std::string>& w = flags.words;
  const std::string verb = w.size() > 1 ? w[1] : "list";
  if (verb == "list" && w.size() <= 2) {
    wire::ListOperationsRequest request;
    request.set_stage(flags.stage);
    if (!flags.any_instance) {
      request.set_filter_instance(true);
      request.set_instance_name(flags.filter_instance);
    }
    if (flags.filter_exit) {
      request.set_filter_exit_code(true);
      request.set_exit_code(flags.exit_code);
    }
    request.set_offset(static_cast<uint32_t>(flags.offset));
    request.set_page_size(static_cast<uint32_t>(flags.limit));
    wire::ListOperationsResponse response;
    const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    return printer.Print(stub.ListOperations(Context().get(), request, &response), response,
                         [now](const auto& answer) { return FormatOperations(answer, now); });
  }
  if (verb == "show" && w.size() == 3) {
    wire::GetOperationRequest request;
    request.set_name(w[2]);
    wire::OperationInfo response;
    return printer.Print(stub.GetOperation(Context().get(), request, &response), response, FormatOperation);
  }
  if (verb == "cancel" && w.size() == 3) {
    wire::CancelOperationRequest request;
    request.set_name(w[2]);
    wire::CancelOperationResponse response;
    return printer.Print(stub.CancelOperation(Context().get(), request, &response), response,
                         [&](const auto&) { return "operation " + w[2] + " cancelled (unless it had finished)\n"; });
  }
  return Usage("operations takes list, show NAME or cancel NAME");
}

int Cas(wire::AdminService::Stub& stub, const AdminFlags& flags, Printer& printer) {
  const std::vector<std::string>& w = flags.words;
  if (w.size() < 3 || (w[1] != "stat" && w[1] != "delete")) return Usage("cas takes stat DIGEST... or delete DIGEST...");
  wire::BlobsRequest request;
  request.set_instance_name(flags.instance);
  for (size_t i = 2; i < w.size(); ++i) {
    auto digest = ParseDigestArgument(w[i]);
    if (!digest.ok()) return Usage(digest.status().message());
    // One function per request: the first digest's; others must match it.
    if (i == 2) request.set_digest_function(ToProto(digest->function()));
    if (ToProto(digest->function()) != request.digest_function()) return Usage("give digests of one function at a time");
    *request.add_digests() = ToProto(*digest);
  }
  if (w[1] == "stat") {
    wire::StatBlobsResponse response;
    return printer.Print(stub.StatBlobs(Context().get(), request, &response), response, FormatBlobStats);
  }
  wire::DeleteBlobsResponse response;
  int code = printer.Print(stub.DeleteBlobs(Context().get(), request, &response), response, FormatBlobDeletions);
  for (const auto& blob : response.blobs()) {
    if (blob.status().code() != 0 && blob.status().code() != static_cast<int>(StatusCode::kNotFound)) code = 1;
  }
  return code;
}

int ActionCache(wire::AdminService::Stub& stub, const AdminFlags& flags, Printer& printer) {
  const std::vector<std::string>& w = flags.words;
  if (w.size() != 3 || (w[1] != "get" && w[1] != "delete")) return Usage("ac takes get DIGEST or delete DIGEST");
  auto digest = ParseDigestArgument(w[2]);
  if (!digest.ok()) return Usage(digest.status().message());
  wire::ActionResultRequest request;
  request.set_instance_name(flags.instance);
  request.set_digest_function(ToProto(digest->function()));
  *request.mutable_action_digest() = ToProto(*digest);
  if (w[1] == "get") {
    build::bazel::remote::execution::v2::ActionResult response;
    return printer.Print(stub.GetActionResult(Context().get(), request, &response), response, FormatActionResult);
  }
  wire::DeleteActionResultResponse response;
  return printer.Print(stub.DeleteActionResult(Context().get(), request, &response), response,
                       [&](const auto&) { return "action cache entry " + w[2] + " deleted\n"; });
}

int Storage(wire::AdminService::Stub& stub, const AdminFlags& flags, Printer& printer) {
  const std::vector<std::string>& w = flags.words;
  const std::string verb = w.size() > 1 ? w[1] : "status";
  if (verb == "status" && w.size() <= 2) {
    wire::StorageStatus response;
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return printer.Print(stub.GetStorageStatus(Context().get(), {}, &response), response,
                         [now](const auto& answer) { return FormatStorageStatus(answer, now); });
  }
  if (verb == "remove" && w.size() == 3) {
    wire::RemoveStorageNodeRequest request;
    request.set_name(w[2]);
    wire::RemoveStorageNodeResponse response;
    return printer.Print(stub.RemoveStorageNode(Context().get(), request, &response), response, [&](const auto&) {
      return "storage node " + w[2] + " removed from the ring: the repair pass restores the copies it held\n";
    });
  }
  return Usage("storage takes status or remove NODE");
}

}  // namespace

int RunAdminCommand(const std::vector<std::string>& args) {
  AdminFlags flags;
  if (std::optional<int> exit_code = ParseFlags(args, flags)) return *exit_code;
  auto channels = ClientChannelFactory::Create(flags.connection);
  if (!channels.ok()) {
    std::cerr << "kiln admin: " << channels.status().message() << "\n";
    return 1;
  }
  auto stub = wire::AdminService::NewStub((*channels)->NewChannel(grpc::ChannelArguments()));
  Printer printer(flags.json);
  const std::string& command = flags.words[0];
  if (command == "status" && flags.words.size() == 1) {
    wire::ServerStatus response;
    return printer.Print(stub->GetStatus(Context().get(), {}, &response), response, FormatStatus);
  }
  if (command == "workers") return Workers(*stub, flags, printer);
  if (command == "operations") return Operations(*stub, flags, printer);
  if (command == "cas") return Cas(*stub, flags, printer);
  if (command == "ac") return ActionCache(*stub, flags, printer);
  if (command == "storage") return Storage(*stub, flags, printer);
  return Usage("unknown command \"" + command + "\"");
}

}  // namespace kiln
