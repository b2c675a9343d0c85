#include "webui/blob_decoder.h"

#include <google/protobuf/reflection.h>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"

namespace kiln {
namespace {

namespace reapi = build::bazel::remote::execution::v2;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The order guesses are tried in: the kinds with the strictest shape first, so that a
// message that would also parse as a looser kind is named by the stricter one.
constexpr BlobKind kGuessOrder[] = {BlobKind::kAction, BlobKind::kCommand, BlobKind::kTree, BlobKind::kDirectory,
                                    BlobKind::kActionResult};

bool PlausibleDigest(const reapi::Digest& digest) {
  if (digest.size_bytes() < 0 || digest.hash().size() < 32 || digest.hash().size() > 128) return false;
  for (char c : digest.hash()) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool PlausibleDirectory(const reapi::Directory& directory) {
  for (const auto& file : directory.files()) {
    if (file.name().empty() || !PlausibleDigest(file.digest())) return false;
  }
  for (const auto& child : directory.directories()) {
    if (child.name().empty() || !PlausibleDigest(child.digest())) return false;
  }
  for (const auto& link : directory.symlinks()) {
    if (link.name().empty()) return false;
  }
  return true;
}

std::unique_ptr<Message> NewMessage(BlobKind kind) {
  switch (kind) {
    case BlobKind::kAction: return std::make_unique<reapi::Action>();
    case BlobKind::kCommand: return std::make_unique<reapi::Command>();
    case BlobKind::kDirectory: return std::make_unique<reapi::Directory>();
    case BlobKind::kTree: return std::make_unique<reapi::Tree>();
    case BlobKind::kActionResult: return std::make_unique<reapi::ActionResult>();
    case BlobKind::kFile: break;
  }
  return nullptr;
}

// Whether a parsed message looks like its kind, beyond parsing.
bool LooksLike(BlobKind kind, const Message& message) {
  switch (kind) {
    case BlobKind::kAction: {
      const auto& action = static_cast<const reapi::Action&>(message);
      return action.has_command_digest() && PlausibleDigest(action.command_digest()) &&
             (!action.has_input_root_digest() || PlausibleDigest(action.input_root_digest()));
    }
    case BlobKind::kCommand: {
      // A Directory parses as a Command too (its nodes read as arguments), but every node
      // holds a field tag below 0x20; arguments hold no such bytes, bar line breaks and tabs.
      const auto& command = static_cast<const reapi::Command&>(message);
      if (command.arguments_size() == 0) return false;
      for (const std::string& argument : command.arguments()) {
        for (char c : argument) {
          if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') return false;
        }
      }
      return true;
    }
    case BlobKind::kDirectory: {
      const auto& directory = static_cast<const reapi::Directory&>(message);
      const bool empty = directory.files_size() + directory.directories_size() + directory.symlinks_size() == 0;
      return !empty && PlausibleDirectory(directory);
    }
    case BlobKind::kTree: {
      const auto& tree = static_cast<const reapi::Tree&>(message);
      if (!tree.has_root() || !PlausibleDirectory(tree.root())) return false;
      for (const auto& child : tree.children()) {
        if (!PlausibleDirectory(child)) return false;
      }
      return true;
    }
    case BlobKind::kActionResult: {
      const auto& result = static_cast<const reapi::ActionResult&>(message);
      return result.has_execution_metadata() || result.output_files_size() > 0 ||
             result.output_directories_size() > 0 || result.has_stdout_digest() || result.has_stderr_digest() ||
             result.output_symlinks_size() > 0;
    }
    case BlobKind::kFile: break;
  }
  return false;
}

std::unique_ptr<Message> Parse(BlobKind kind, std::string_view bytes) {
  std::unique_ptr<Message> message = NewMessage(kind);
  if (!message || !message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return nullptr;
  if (HasUnknownFields(*message)) return nullptr;
  return message;
}

}  // namespace

const char* BlobKindName(BlobKind kind) {
  switch (kind) {
    case BlobKind::kAction: return "Action";
    case BlobKind::kCommand: return "Command";
    case BlobKind::kDirectory: return "Directory";
    case BlobKind::kTree: return "Tree";
    case BlobKind::kActionResult: return "ActionResult";
    case BlobKind::kFile: return "file";
  }
  return "file";
}

std::optional<BlobKind> ParseBlobKind(std::string_view name) {
  for (BlobKind kind : {BlobKind::kAction, BlobKind::kCommand, BlobKind::kDirectory, BlobKind::kTree,
                        BlobKind::kActionResult, BlobKind::kFile}) {
    if (name == BlobKindName(kind)) return kind;
  }
  return std::nullopt;
}

bool HasUnknownFields(const Message& message) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) return true;
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        if (HasUnknownFields(reflection->GetRepeatedMessage(message, field, i))) return true;
      }
    } else if (HasUnknownFields(reflection->GetMessage(message, field))) {
      return true;
    }
  }
  return false;
}

DecodedBlob DecodeBlob(std::string_view bytes, std::optional<BlobKind> hint) {
  DecodedBlob decoded;
  if (hint) {
    if (*hint == BlobKind::kFile) return decoded;
    // A hint is trusted for the shape (an empty Directory is a valid input root), not for
    // the bytes: they must still parse.
    if (auto message = Parse(*hint, bytes)) {
      decoded.kind = *hint;
      decoded.message = std::move(message);
    } else {
      decoded.note = std::string("not a valid ") + BlobKindName(*hint) + "; shown as a file";
    }
    return decoded;
  }
  for (BlobKind kind : kGuessOrder) {
    auto message = Parse(kind, bytes);
    if (message && LooksLike(kind, *message)) {
      decoded.kind = kind;
      decoded.message = std::move(message);
      return decoded;
    }
  }
  return decoded;
}

}  // namespace kiln
