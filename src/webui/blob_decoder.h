// What a CAS blob is, for the blob browser (/blob/FUNCTION/HASH/SIZE): the CAS stores bytes
// without a type, so the page either trusts the type its link carried (?type=, set by the
// pages that know: an Action's input root is a Directory) or tries each REAPI message in
// turn. A guess must parse, leave no field unknown (nested messages included) and look
// like its kind (an Action names a command, a Command has arguments, ...); a text file or
// a binary almost never does all three. Anything else is a file.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

namespace kiln {

enum class BlobKind { kAction, kCommand, kDirectory, kTree, kActionResult, kFile };

// "Action", "Command", "Directory", "Tree", "ActionResult", "file".
const char* BlobKindName(BlobKind kind);
std::optional<BlobKind> ParseBlobKind(std::string_view name);

struct DecodedBlob {
  BlobKind kind = BlobKind::kFile;
  std::unique_ptr<google::protobuf::Message> message;  // Null for a file.
  // Set when the hint did not hold: why the blob is shown as a file instead.
  std::string note;
};

// `hint`: the kind the link said (nullopt: guess). A hint of kFile is taken as is.
DecodedBlob DecodeBlob(std::string_view bytes, std::optional<BlobKind> hint);

// Whether `message` or any message inside it carries fields its schema does not know.
bool HasUnknownFields(const google::protobuf::Message& message);

}  // namespace kiln
