#include "cli/bench_command.h"

#include <unistd.h>

#include <fstream>
#include <iostream>

#include "bench/bench_report.h"
#include "bench/execute_scenarios.h"
#include "bench/scenario_catalog.h"
#include "cli/client_connection_flags.h"
#include "cli/flags.h"

namespace kiln {
namespace {

struct BenchFlags {
  ClientConnectionOptions connection;
  std::string instance;
  std::string scenarios;
  Duration duration = std::chrono::seconds(10);
  int concurrency = 64;
  int connections = 4;
  std::string json_path;
};

Status Validate(const BenchFlags& flags) {
  if (flags.connection.target.empty()) return Status::InvalidArgument("--target HOST:PORT is required");
  if (flags.duration <= Duration::zero()) return Status::InvalidArgument("--duration must be more than 0");
  if (flags.concurrency < 1) return Status::InvalidArgument("--concurrency must be 1 or more");
  if (flags.connections < 1) return Status::InvalidArgument("--connections must be 1 or more");
  return CheckClientConnectionOptions(flags.connection);
}

}  // namespace

int RunBenchCommand(const std::vector<std::string>& args) {
  BenchFlags options;
  std::string scenario_help = "Comma-separated scenarios to run (default: all):";
  for (const std::string& name : AllScenarioNames()) scenario_help += " " + name;
  FlagSet flags("kiln bench --target HOST:PORT [flags]",
                "Puts load on a REAPI server (any implementation) and reports throughput, p50/p90/p99\n"
                "latency and errors per scenario, with each throughput as a share of this machine's limits\n"
                "(SHA-256 on one core, loopback TCP), measured in the same run. Setup (uploads, unique data\n"
                "and its digests) happens before each scenario's clock starts.");
  flags.AddString("target", &options.connection.target, std::string("The REAPI server: ") + kClientTargetHelp);
  AddClientConnectionFlags(flags, options.connection);
  flags.AddString("instance", &options.instance, "REAPI instance name to use.");
  flags.AddString("scenario", &options.scenarios, scenario_help);
  flags.AddDuration("duration", &options.duration, "How long each scenario runs (e.g. 10, 10s, 500ms).");
  flags.AddInt("concurrency", &options.concurrency,
               "Requests in flight at once per scenario (except bytestream_write: 4, and the one-stream Execute "
               "scenarios: 1).");
  flags.AddInt("connections", &options.connections, "TCP connections (gRPC channels) the requests spread over.");
  flags.AddString("json", &options.json_path, "Also write the results as JSON to this file.");
  Status parsed = flags.Parse(args);
  if (parsed.ok()) parsed = Validate(options);
  auto scenario_names = ParseScenarioList(options.scenarios);
  if (parsed.ok() && !scenario_names.ok()) parsed = scenario_names.status().WithContext("--scenario");
  if (std::optional<int> exit_code = flags.ExitCode(parsed, "kiln bench")) return *exit_code;

  auto channels = ClientChannelFactory::Create(options.connection);
  if (!channels.ok()) {
    std::cerr << "kiln bench: " << channels.status().message() << "\n";
    return 1;
  }
  BenchTarget target(*channels, options.instance, options.connections);
  if (Status connected = target.Connect(std::chrono::seconds(10)); !connected.ok()) {
    std::cerr << "kiln bench: " << connected.message() << "\n";
    return 1;
  }
  BenchReport report{options.connection.target, options.duration, options.connections, options.concurrency, {}, {}};
  std::cerr << "measuring this machine's limits...\n";
  auto limits = MeasureMachineLimits(std::min<Duration>(options.duration, std::chrono::seconds(1)), kTrivialCommand);
  if (!limits.ok()) {
    std::cerr << "kiln bench: measuring machine limits: " << limits.status().ToString() << "\n";
    return 1;
  }
  report.limits = *limits;
  LoadOptions load{options.duration, options.concurrency, ::isatty(STDERR_FILENO) == 1};
  bool any_failed = false;
  for (const std::string& name : *scenario_names) {
    std::cerr << name << "...\n";
    std::unique_ptr<Scenario> scenario = NewScenario(name, &target);
    report.results.push_back(RunScenario(*scenario, load));
    const ScenarioResult& result = report.results.back();
    if (!result.setup_error.empty() || (result.ops == 0 && result.errors > 0)) any_failed = true;
  }
  std::cout << FormatReportTable(report);
  if (!options.json_path.empty()) {
    std::ofstream json(options.json_path);
    json << FormatReportJson(report);
    if (!json.good()) {
      std::cerr << "kiln bench: cannot write " << options.json_path << "\n";
      return 1;
    }
  }
  return any_failed ? 1 : 0;
}

}  // namespace kiln
