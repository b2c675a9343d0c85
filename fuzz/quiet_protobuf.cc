// Linked into every harness: protobuf logs an error for each string field that is not
// UTF-8, which fuzzed messages are all the time; the logs would bury libFuzzer's output.
#include <google/protobuf/stubs/logging.h>

namespace {

const bool kQuiet = [] {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}();

}  // namespace
