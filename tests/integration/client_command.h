// Runs one of kiln's client commands (`kiln bench`, `kiln attack`) to completion for a test,
// and reads the JSON report it wrote.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <string>
#include <vector>

namespace kiln_test {

// Runs `kiln SUBCOMMAND --target TARGET FLAGS...` until it exits or `timeout_ms` pass (then it
// is killed); returns its exit code and stores what it printed on stdout.
int RunClientCommand(const std::string& subcommand, const std::string& target, const std::vector<std::string>& flags,
                     int timeout_ms, std::string* stdout_text);

// The JSON file at `path` as a Struct; a test failure if it does not parse.
google::protobuf::Struct ReadJsonFile(const std::string& path);

}  // namespace kiln_test
