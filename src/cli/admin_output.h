// What `kiln admin` prints: aligned columns for people, or the response as JSON (--json)
// for scripts; and the HASH/SIZE digests it reads. Pure functions over the admin service's
// messages, so that the output is tested without a server.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "common/digest.h"
#include "common/status.h"
#include "kiln/admin/v1/admin.pb.h"

namespace kiln {

// Rows under a header, each column as wide as its widest cell, two spaces apart; trailing
// blanks trimmed.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : rows_{std::move(header)} {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// HASH/SIZE (the function implied by the hash's length: SHA-256, SHA-1, ...) or
// FUNCTION/HASH/SIZE ("blake3/...").
StatusOr<Digest> ParseDigestArgument(const std::string& text);

// The message as JSON (proto3 mapping, fields as in the .proto), one object, newline-ended.
std::string ToJson(const google::protobuf::Message& message);

std::string FormatStatus(const ::kiln::admin::v1::ServerStatus& status);
std::string FormatWorkers(const ::kiln::admin::v1::ListWorkersResponse& response);
// `now_unix_nanos` for the AGE column.
std::string FormatOperations(const ::kiln::admin::v1::ListOperationsResponse& response, int64_t now_unix_nanos);
std::string FormatOperation(const ::kiln::admin::v1::OperationInfo& operation);
std::string FormatBlobStats(const ::kiln::admin::v1::StatBlobsResponse& response);
std::string FormatBlobDeletions(const ::kiln::admin::v1::DeleteBlobsResponse& response);
std::string FormatActionResult(const build::bazel::remote::execution::v2::ActionResult& result);
// The storage ring: a row per node, then the repair pass in a line.
std::string FormatStorageStatus(const ::kiln::admin::v1::StorageStatus& status, int64_t now_unix_seconds);
// "1.5 GiB", "312 B".
std::string FormatBytes(int64_t bytes);
// "4s", "3m12s", "2h05m", "3d04h".
std::string FormatAge(int64_t seconds);

}  // namespace kiln
