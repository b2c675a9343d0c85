#include "cas/message_blob.h"

#include <string>

namespace kiln {

Status CheckMessageSize(const Digest& digest, int64_t max_bytes, std::string_view what) {
  if (digest.size() <= max_bytes) return Status::Ok();
  return Status::FailedPrecondition(std::string(what) + " (" + digest.ToString() + ") is " +
                                    std::to_string(digest.size()) + " bytes, over the limit of " +
                                    std::to_string(max_bytes) + " bytes for one message (--max-message-bytes)");
}

Status ReadMessageBlob(BlobStore& cas, const Digest& digest, int64_t max_bytes, std::string_view what,
                       google::protobuf::MessageLite& message) {
  KILN_RETURN_IF_ERROR(CheckMessageSize(digest, max_bytes, what));
  auto bytes = ReadBlob(cas, digest);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(std::string(what) + " (" + digest.ToString() + ") is not in the CAS");
    }
    // The stored copy was corrupt and has been quarantined: missing now, so that callers
    // report it as missing and the client uploads it again.
    if (bytes.status().code() == StatusCode::kDataLoss) {
      return Status::NotFound(std::string(what) + " (" + digest.ToString() + ") is not in the CAS: " +
                              bytes.status().message());
    }
    return bytes.status().WithContext("reading " + std::string(what));
  }
  if (!message.ParseFromString(*bytes)) {
    const std::string type = message.GetTypeName();
    return Status::InvalidArgument(std::string(what) + " (" + digest.ToString() + ") is not a valid " +
                                   type.substr(type.rfind('.') + 1) + " message");
  }
  return Status::Ok();
}

}  // namespace kiln
