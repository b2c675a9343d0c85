// `kiln admin` run as a process, the way an operator runs it.
#pragma once

#include <csignal>
#include <string>
#include <vector>

#include "child_process.h"
#include "test_util.h"

namespace kiln_test {

// Runs `kiln admin --server SERVER ARGS...`; its exit code, and stdout in *out.
inline int Admin(const std::string& server, std::vector<std::string> args, std::string* out) {
  std::vector<std::string> command = {KILN_BINARY, "admin", "--server", server};
  command.insert(command.end(), args.begin(), args.end());
  std::string error;
  auto child = ChildProcess::Spawn(command, &error);
  if (!child) {
    ADD_FAILURE() << error;
    return -1;
  }
  child->ReadStdoutUntil("\x01never\x01", 20'000);  // Until it exits.
  const int code = child->Stop(SIGKILL, 5'000);
  *out = child->stdout_text();
  return code;
}

}  // namespace kiln_test
