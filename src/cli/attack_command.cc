#include "cli/attack_command.h"

#include <fstream>
#include <iostream>

#include "bench/attack_catalog.h"
#include "bench/attack_run.h"
#include "cli/flags.h"

namespace kiln {

int RunAttackCommand(const std::vector<std::string>& args) {
  std::string target_address, instance, attacks, json_path;
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
  flags.AddString("target", &target_address, "Address of the REAPI server, HOST:PORT.");
  flags.AddString("instance", &instance, "REAPI instance name to use.");
  flags.AddString("attack", &attacks, attack_help);
  flags.AddDuration("duration", &duration, "How long each attack runs.");
  flags.AddInt("connections", &connections, "TCP connections the attacks spread over.");
  flags.AddString("json", &json_path, "Also write the results as JSON to this file.");
  Status parsed = flags.Parse(args);
  if (parsed.ok() && target_address.empty()) parsed = Status::InvalidArgument("--target HOST:PORT is required");
  if (parsed.ok() && duration <= Duration::zero()) parsed = Status::InvalidArgument("--duration must be more than 0");
  if (parsed.ok() && connections < 1) parsed = Status::InvalidArgument("--connections must be 1 or more");
  auto names = ParseAttackList(attacks);
  if (parsed.ok() && !names.ok()) parsed = names.status().WithContext("--attack");
  if (std::optional<int> exit_code = flags.ExitCode(parsed, "kiln attack")) return *exit_code;

  BenchTarget target(target_address, instance, connections);
  if (Status connected = target.Connect(std::chrono::seconds(10)); !connected.ok()) {
    std::cerr << "kiln attack: " << connected.message() << "\n";
    return 1;
  }
  std::vector<AttackResult> results;
  bool all_held = true;
  for (const std::string& name : *names) {
    std::cerr << name << "...\n";
    std::unique_ptr<Attack> attack = NewAttack(name, &target);
    results.push_back(RunAttack(*attack, target_address, instance, duration));
    all_held = all_held && results.back().held();
  }
  std::cout << FormatAttackTable(results);
  if (!json_path.empty()) {
    std::ofstream json(json_path);
    json << FormatAttackJson(target_address, results);
    if (!json.good()) {
      std::cerr << "kiln attack: cannot write " << json_path << "\n";
      return 1;
    }
  }
  return all_held ? 0 : 1;
}

}  // namespace kiln
