#include "cli/attack_command.h"

#include <fstream>
#include <iostream>

#include "bench/attack_catalog.h"
#include "bench/attack_run.h"
#include "bench/probe_process.h"
#include "cli/client_connection_flags.h"
#include "cli/flags.h"

namespace kiln {

int RunAttackCommand(const std::vector<std::string>& args) {
  ClientConnectionOptions connection;
  std::string instance, attacks, json_path;
  Duration duration = std::chrono::seconds(10);
  int connections = 4;
  std::string attack_help = "Comma-separated attacks to run (default: all):";
  for (const std::string& name : AllAttackNames()) attack_help += " " + name;
  FlagSet flags("kiln attack --target HOST:PORT [flags]",
                "Attacks a REAPI server as a hostile client would, one attack at a time, while probing it with\n"
                "GetCapabilities every 20 ms on a kept and on new connections. Prints, per attack, what was sent\n"
                "and refused, the probe's latency and failures, and whether the server held (every probe\n"
                "answered, p99 under 50 ms, and it answers afterwards). Exit code 1 if any attack was not held.\n"
                "Point it only at servers you run for the purpose.");
  flags.AddString("target", &connection.target, std::string("The REAPI server: ") + kClientTargetHelp);
  AddClientConnectionFlags(flags, connection);
  flags.AddString("instance", &instance, "REAPI instance name to use.");
  flags.AddString("attack", &attacks, attack_help);
  flags.AddDuration("duration", &duration, "How long each attack runs.");
  flags.AddInt("connections", &connections, "TCP connections the attacks spread over.");
  flags.AddString("json", &json_path, "Also write the results as JSON to this file.");
  Status parsed = flags.Parse(args);
  if (parsed.ok() && connection.target.empty()) parsed = Status::InvalidArgument("--target HOST:PORT is required");
  if (parsed.ok()) parsed = CheckClientConnectionOptions(connection);
  if (parsed.ok() && duration <= Duration::zero()) parsed = Status::InvalidArgument("--duration must be more than 0");
  if (parsed.ok() && connections < 1) parsed = Status::InvalidArgument("--connections must be 1 or more");
  auto names = ParseAttackList(attacks);
  if (parsed.ok() && !names.ok()) parsed = names.status().WithContext("--attack");
  if (std::optional<int> exit_code = flags.ExitCode(parsed, "kiln attack")) return *exit_code;

  auto channels = ClientChannelFactory::Create(connection);
  if (!channels.ok()) {
    std::cerr << "kiln attack: " << channels.status().message() << "\n";
    return 1;
  }
  BenchTarget target(*channels, instance, connections);
  if (Status connected = target.Connect(std::chrono::seconds(10)); !connected.ok()) {
    std::cerr << "kiln attack: " << connected.message() << "\n";
    return 1;
  }
  std::vector<AttackResult> results;
  bool all_held = true;
  for (const std::string& name : *names) {
    std::cerr << name << "...\n";
    std::unique_ptr<Attack> attack = NewAttack(name, &target);
    results.push_back(RunAttack(*attack, target, duration));
    all_held = all_held && results.back().held();
  }
  std::cout << FormatAttackTable(results);
  if (!json_path.empty()) {
    std::ofstream json(json_path);
    json << FormatAttackJson(connection.target, results);
    if (!json.good()) {
      std::cerr << "kiln attack: cannot write " << json_path << "\n";
      return 1;
    }
  }
  return all_held ? 0 : 1;
}

int RunAttackProbeCommand(const std::vector<std::string>& args) {
  if (args.size() < 2) {
    std::cerr << "kiln attack-probe: expected TARGET INSTANCE [flags]\n";
    return 2;
  }
  ClientConnectionOptions connection;
  connection.target = args[0];
  FlagSet flags("kiln attack-probe TARGET INSTANCE [flags]", "The probe process of `kiln attack`.");
  AddClientConnectionFlags(flags, connection);
  Status parsed = flags.Parse(std::vector<std::string>(args.begin() + 2, args.end()));
  if (std::optional<int> exit_code = flags.ExitCode(parsed, "kiln attack-probe")) return *exit_code;
  return RunProbeChild(connection, args[1]);
}

}  // namespace kiln
