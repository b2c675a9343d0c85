#include "cli/admin_output.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "common/proto_digest.h"

namespace kiln {
namespace {

namespace wire = ::kiln::admin::v1;

std::string DigestText(const reapi::Digest& digest) {
  return digest.hash() + "/" + std::to_string(digest.size_bytes());
}

std::string PlatformText(const wire::WorkerInfo& worker) {
  std::string text;
  for (const auto& property : worker.platform()) {
    if (!text.empty()) text += ",";
    text += property.name() + "=" + property.value();
  }
  return text.empty() ? "-" : text;
}

std::string Or(const std::string& text, const char* empty) { return text.empty() ? empty : text; }

}  // namespace

std::string TextTable::Render() const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

StatusOr<Digest> ParseDigestArgument(const std::string& text) {
  const std::string bad = "\"" + text + "\" is not a digest: expected HASH/SIZE or FUNCTION/HASH/SIZE";
  const size_t last = text.rfind('/');
  if (last == std::string::npos) return Status::InvalidArgument(bad);
  const size_t first = text.find('/');
  std::string_view hash(text.data() + (first == last ? 0 : first + 1), last - (first == last ? 0 : first + 1));
  int64_t size = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data() + last + 1, end, size);
  if (error != std::errc() || ptr != end || last + 1 == text.size()) return Status::InvalidArgument(bad);
  StatusOr<DigestFunction> function = first == last ? DigestFunctionForHashLength(hash.size())
                                                    : DigestFunctionFromName(std::string_view(text).substr(0, first));
  if (!function.ok()) return Status::InvalidArgument(bad + " (" + function.status().message() + ")");
  auto digest = Digest::Create(*function, hash, size);
  if (!digest.ok()) return Status::InvalidArgument(bad + " (" + digest.status().message() + ")");
  return digest;
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json + "\n";
}

std::string FormatBytes(int64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof(text), "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(text, sizeof(text), "%.1f %s", value, kUnits[unit]);
  }
  return text;
}

std::string FormatAge(int64_t seconds) {
  char text[32];
  if (seconds < 60) {
    std::snprintf(text, sizeof(text), "%llds", static_cast<long long>(std::max<int64_t>(seconds, 0)));
  } else if (seconds < 3600) {
    std::snprintf(text, sizeof(text), "%lldm%02llds", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
  } else if (seconds < 86400) {
    std::snprintf(text, sizeof(text), "%lldh%02lldm", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds % 3600 / 60));
  } else {
    std::snprintf(text, sizeof(text), "%lldd%02lldh", static_cast<long long>(seconds / 86400),
                  static_cast<long long>(seconds % 86400 / 3600));
  }
  return text;
}

std::string FormatStatus(const wire::ServerStatus& status) {
  TextTable table({"version", status.version()});
  table.AddRow({"role", status.role()});
  table.AddRow({"uptime", FormatAge(status.uptime_seconds())});
  table.AddRow({"cas", status.cas()});
  table.AddRow({"cas disk", FormatBytes(status.cas_bytes()) + " of " + FormatBytes(status.cas_max_bytes()) + " in " +
                                std::to_string(status.cas_blobs()) + " blobs"});
  table.AddRow({"action cache", status.action_cache()});
  table.AddRow({"backplane", Or(status.backplane(), "none (scheduler in this process)")});
  if (status.role() != "storage") {
    table.AddRow({"queued actions", std::to_string(status.queued_actions())});
    table.AddRow({"workers", std::to_string(status.workers()) + " connected, " +
                                 std::to_string(status.drained_workers()) + " drained"});
    table.AddRow({"slots", std::to_string(status.busy_slots()) + " busy of " + std::to_string(status.slots())});
  }
  return table.Render();
}

std::string FormatWorkers(const wire::ListWorkersResponse& response) {
  TextTable table({"WORKER", "STATE", "SLOTS", "BUSY", "PLATFORM", "RUNNING"});
  for (const wire::WorkerInfo& worker : response.workers()) {
    const std::string state = !worker.drained() ? "active" : worker.connected() ? "drained" : "drained (away)";
    std::string running;
    for (const std::string& name : worker.running()) running += (running.empty() ? "" : ",") + name;
    table.AddRow({worker.id(), state, worker.slots() > 0 ? std::to_string(worker.slots()) : "?",
                  std::to_string(worker.running_size()), PlatformText(worker), Or(running, "-")});
  }
  return table.Render() + std::to_string(response.workers_size()) + " worker(s)\n";
}

std::string FormatOperations(const wire::ListOperationsResponse& response, int64_t now_unix_nanos) {
  TextTable table({"OPERATION", "STAGE", "EXIT", "INSTANCE", "WORKER", "AGE", "ACTION"});
  for (const wire::OperationInfo& op : response.operations()) {
    std::string exit = op.has_exit_code() ? std::to_string(op.exit_code()) : "-";
    if (op.done() && op.status().code() != 0) exit = "error " + std::to_string(op.status().code());
    if (op.cached_result()) exit += " (cached)";
    const int64_t age = op.created_unix_nanos() > 0 ? (now_unix_nanos - op.created_unix_nanos()) / 1'000'000'000 : -1;
    table.AddRow({op.name(), op.stage(), exit, Or(op.instance_name(), "\"\""), Or(op.worker(), "-"),
                  age >= 0 ? FormatAge(age) : "-", DigestText(op.action_digest())});
  }
  return table.Render() + std::to_string(response.operations_size()) + " of " + std::to_string(response.total()) +
         " operation(s)\n";
}

std::string FormatOperation(const wire::OperationInfo& op) {
  TextTable table({"operation", op.name()});
  table.AddRow({"instance", Or(op.instance_name(), "\"\"")});
  table.AddRow({"action", DigestText(op.action_digest())});
  table.AddRow({"stage", op.stage()});
  table.AddRow({"worker", Or(op.worker(), "-")});
  if (op.has_exit_code()) table.AddRow({"exit code", std::to_string(op.exit_code())});
  if (op.done() && op.status().code() != 0) {
    table.AddRow({"error", "code " + std::to_string(op.status().code()) + ": " + op.status().message()});
  }
  const auto& m = op.metadata();
  const auto seconds = [](const google::protobuf::Timestamp& a, const google::protobuf::Timestamp& b) {
    const double d = static_cast<double>(b.seconds() - a.seconds()) + (b.nanos() - a.nanos()) / 1e9;
    char text[32];
    std::snprintf(text, sizeof(text), "%.3f s", d);
    return std::string(text);
  };
  if (m.has_worker_start_timestamp() && m.has_queued_timestamp()) {
    table.AddRow({"queued", seconds(m.queued_timestamp(), m.worker_start_timestamp())});
  }
  if (m.has_input_fetch_completed_timestamp()) {
    table.AddRow({"input staging", seconds(m.input_fetch_start_timestamp(), m.input_fetch_completed_timestamp())});
  }
  if (m.has_execution_completed_timestamp()) {
    table.AddRow({"executing", seconds(m.execution_start_timestamp(), m.execution_completed_timestamp())});
  }
  if (m.has_output_upload_completed_timestamp()) {
    table.AddRow({"output upload", seconds(m.output_upload_start_timestamp(), m.output_upload_completed_timestamp())});
  }
  return table.Render();
}

std::string FormatBlobStats(const wire::StatBlobsResponse& response) {
  TextTable table({"DIGEST", "STATE"});
  for (const wire::BlobStat& blob : response.blobs()) {
    table.AddRow({DigestText(blob.digest()), blob.present() ? "present" : "missing"});
  }
  return table.Render();
}

std::string FormatBlobDeletions(const wire::DeleteBlobsResponse& response) {
  TextTable table({"DIGEST", "RESULT"});
  for (const wire::BlobDeletion& blob : response.blobs()) {
    std::string result = "deleted";
    if (blob.status().code() == static_cast<int>(StatusCode::kNotFound)) {
      result = "not found";
    } else if (blob.status().code() != 0) {
      result = "failed: " + blob.status().message();
    }
    table.AddRow({DigestText(blob.digest()), result});
  }
  return table.Render();
}

std::string FormatActionResult(const reapi::ActionResult& result) {
  TextTable table({"exit code", std::to_string(result.exit_code())});
  table.AddRow({"stdout", result.has_stdout_digest() ? DigestText(result.stdout_digest()) : "-"});
  table.AddRow({"stderr", result.has_stderr_digest() ? DigestText(result.stderr_digest()) : "-"});
  for (const auto& file : result.output_files()) table.AddRow({"file " + file.path(), DigestText(file.digest())});
  for (const auto& dir : result.output_directories()) {
    table.AddRow({"directory " + dir.path(), DigestText(dir.tree_digest())});
  }
  if (!result.execution_metadata().worker().empty()) table.AddRow({"worker", result.execution_metadata().worker()});
  return table.Render();
}

std::string FormatStorageStatus(const wire::StorageStatus& status, int64_t now_unix_seconds) {
  TextTable table({"NODE", "WEIGHT", "STATE", "BLOBS", "BYTES", "ERROR"});
  for (const wire::StorageNodeStatus& node : status.nodes()) {
    char weight[32];
    std::snprintf(weight, sizeof(weight), "%g", node.weight());
    table.AddRow({node.name(), weight, node.alive() ? "alive" : "down", node.blobs() >= 0 ? std::to_string(node.blobs()) : "?",
                  node.bytes() >= 0 ? FormatBytes(node.bytes()) : "?", Or(node.error(), "-")});
  }
  std::string out = table.Render() + std::to_string(status.nodes_size()) + " storage node(s)\n";
  const wire::RepairStatus& repair = status.repair();
  out += "repair: " + repair.state();
  if (repair.state() != "none") {
    out += " (by " + Or(repair.runner(), "?") + ")";
    if (repair.state() == "running") out += ", " + std::to_string(static_cast<int>(repair.fraction_done() * 100)) + "% done";
    if (repair.state() == "finished") out += repair.complete() ? ", complete" : ", incomplete";
    out += "; " + std::to_string(repair.blobs_scanned()) + " blobs scanned, " + std::to_string(repair.copies_missing()) +
           " copies missing, " + std::to_string(repair.copies_made()) + " made (" + FormatBytes(repair.bytes_copied()) +
           "), " + std::to_string(repair.failures()) + " failures";
    const int64_t last = repair.finished_unix_seconds() > 0 ? repair.finished_unix_seconds() : repair.updated_unix_seconds();
    if (last > 0 && now_unix_seconds >= last) out += "; last " + FormatAge(now_unix_seconds - last) + " ago";
  }
  out += "\n";
  if (!repair.lease_holder().empty()) out += "repair lease held by " + repair.lease_holder() + "\n";
  for (const std::string& node : repair.unlisted_nodes()) out += "not listed in the last pass: " + node + "\n";
  return out;
}

}  // namespace kiln
