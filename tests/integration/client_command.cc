#include "client_command.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "child_process.h"

namespace kiln_test {

int RunClientCommand(const std::string& subcommand, const std::string& target, const std::vector<std::string>& flags,
                     int timeout_ms, std::string* stdout_text) {
  std::vector<std::string> args = {KILN_BINARY, subcommand, "--target", target};
  args.insert(args.end(), flags.begin(), flags.end());
  std::string error;
  auto command = ChildProcess::Spawn(args, &error);
  if (!command) {
    ADD_FAILURE() << "cannot start kiln " << subcommand << ": " << error;
    return -1;
  }
  command->ReadStdoutUntil("\x01never\x01", timeout_ms);  // Until it closes stdout by exiting.
  for (int i = 0; i < 200 && command->running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int code = command->Stop(SIGKILL, 5'000);
  *stdout_text = command->stdout_text();
  return code;
}

google::protobuf::Struct ReadJsonFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  google::protobuf::Struct json;
  const auto parsed = google::protobuf::util::JsonStringToMessage(text.str(), &json);
  EXPECT_TRUE(parsed.ok()) << path << ": " << parsed.ToString() << "\n" << text.str();
  return json;
}

}  // namespace kiln_test
