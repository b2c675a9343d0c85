// Helpers for the execution tests: building actions in the CAS and running them through
// Execute / WaitExecution, collecting every Operation update the server streams.
#pragma once

#include <string>
#include <vector>

#include "google/longrunning/operations.grpc.pb.h"
#include "testing/execution_stream.h"
#include "test_util.h"

namespace kiln_test {

using kiln::ExecutionStream;
using kiln::MetadataOf;

struct ActionSpec {
  std::vector<std::string> arguments;
  std::vector<std::pair<std::string, std::string>> environment;  // Sorted by the helper.
  std::vector<std::string> output_paths;
  reapi::Directory input_root;  // Its referenced blobs must be uploaded by the test.
  std::vector<std::pair<std::string, std::string>> platform;
  double timeout_seconds = 0;
  bool do_not_cache = false;
  std::string salt;
};

// Uploads the Command, input root and Action (digests under `function`); returns the
// Action's digest.
reapi::Digest UploadAction(reapi::ContentAddressableStorage::Stub& cas, const ActionSpec& spec,
                           DigestFunction function = DigestFunction::kSha256);
// Uploads a serialized message (or bytes) and returns its digest.
reapi::Digest Upload(reapi::ContentAddressableStorage::Stub& cas, const std::string& bytes,
                     DigestFunction function = DigestFunction::kSha256);

struct ExecuteResult {
  grpc::Status status;                                  // The call's status.
  std::vector<google::longrunning::Operation> updates;  // Every streamed Operation.
  reapi::ExecuteResponse response;                      // Unpacked from the last update, if done.
  std::vector<reapi::ExecutionStage::Value> stages;     // Stage of each update.
};

ExecuteResult Execute(const std::shared_ptr<grpc::Channel>& channel, const reapi::ExecuteRequest& request,
                      std::chrono::seconds deadline = std::chrono::seconds(60));
ExecuteResult Execute(const std::shared_ptr<grpc::Channel>& channel, const reapi::Digest& action_digest,
                      bool skip_cache_lookup = false);
ExecuteResult WaitExecution(const std::shared_ptr<grpc::Channel>& channel, const std::string& name,
                            std::chrono::seconds deadline = kRpcDeadline);
// Waits for the end of a streamed execution (bounded by its call's deadline).
ExecuteResult Finish(ExecutionStream& execution);

// Contents of a blob, read through ByteStream.
std::string ReadBlobText(google::bytestream::ByteStream::Stub& bytestream, const reapi::Digest& digest);

// PreconditionFailure subjects from a call status's details ("blobs/{hash}/{size}").
std::vector<std::string> MissingSubjects(const grpc::Status& status);

}  // namespace kiln_test
