#include "execution/action_validation.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <set>
#include <unordered_set>

#include "common/proto_digest.h"
#include "common/resource_name.h"
#include "worker/action_limits.h"

namespace kiln {
namespace {


Status MissingBlobs(const std::vector<Digest>& missing) {
  std::vector<std::string> subjects;
  for (const Digest& digest : missing) subjects.push_back(MissingBlobSubject(digest));
  std::string message = std::to_string(missing.size()) + " blob(s) needed by the action are not in the CAS: " + subjects[0];
  if (subjects.size() > 1) message += ", ...";
  return Status::FailedPrecondition(message).WithMissingBlobs(std::move(subjects));
}

Status ValidateName(std::string_view name, std::string_view where) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument(std::string(where) + ": \"" + std::string(name) +
                                   "\" is not a valid file name (empty, '.', '..' or containing '/')");
  }
  return Status::Ok();
}

template <typename Nodes>
Status ValidateSortedNames(const Nodes& nodes, std::string_view where, std::set<std::string_view>& all_names) {
  for (int i = 0; i < nodes.size(); ++i) {
    const std::string& name = nodes[i].name();
    KILN_RETURN_IF_ERROR(ValidateName(name, where));
    if (i > 0 && !(nodes[i - 1].name() < name)) {
      return Status::InvalidArgument(std::string(where) + ": entries are not sorted by name or repeat (\"" +
                                     nodes[i - 1].name() + "\" before \"" + name + "\")");
    }
    if (!all_names.insert(name).second) {
      return Status::InvalidArgument(std::string(where) + ": \"" + name + "\" appears more than once");
    }
  }
  return Status::Ok();
}

// Reads and parses a message stored in the CAS. nullopt if it is missing.
template <typename Message>
StatusOr<std::optional<Message>> ReadMessage(BlobStore& cas, const Digest& digest, int64_t max_bytes,
                                             const std::string& what) {
  Message message;
  Status read = ReadMessageBlob(cas, digest, max_bytes, what, message);
  if (read.code() == StatusCode::kNotFound) return std::optional<Message>();
  if (!read.ok()) return read;
  return std::optional<Message>(std::move(message));
}

struct InputTreeCheck {
  std::vector<Digest> missing;  // Directories and files.
  ExpandedTreeSize size;        // Meaningful only when nothing is missing.
};

// Walks the input tree breadth first, each distinct Directory once: every directory must be
// present, valid and within the limits.
StatusOr<InputTreeCheck> CheckInputTree(BlobStore& cas, const Digest& root, const ExecuteLimits& limits) {
  struct Pending {
    Digest digest;
    std::string where;
    uint64_t level;  // The shortest path's; the tree is at least this deep.
  };
  InputTreeCheck check;
  std::vector<Digest> files;
  std::deque<Pending> pending{{root, "input root", 0}};
  std::unordered_set<Digest, DigestHash> seen{root};
  ExpandedTreeSizer sizer;
  uint64_t deepest_level = 0;
  while (!pending.empty()) {
    Pending next = std::move(pending.front());
    pending.pop_front();
    auto directory = ReadMessage<reapi::Directory>(cas, next.digest, limits.max_message_bytes, "Directory " + next.where);
    if (!directory.ok()) return directory.status();
    if (!directory->has_value()) {
      check.missing.push_back(next.digest);
      continue;
    }
    const reapi::Directory& dir = **directory;
    KILN_RETURN_IF_ERROR(ValidateDirectory(dir, next.digest.function(), "directory " + next.where));
    sizer.Add(next.digest, dir);
    for (const auto& file : dir.files()) {
      files.push_back(*FromProto(next.digest.function(), file.digest(), ""));  // Validated above.
    }
    for (const auto& child : dir.directories()) {
      Digest child_digest = *FromProto(next.digest.function(), child.digest(), "");
      if (seen.insert(child_digest).second) {
        pending.push_back({child_digest, next.where + "/" + child.name(), next.level + 1});
        deepest_level = std::max(deepest_level, next.level + 1);
      }
    }
    ExpandedTreeSize lower_bound = sizer.distinct_sum();
    lower_bound.depth = deepest_level;
    KILN_RETURN_IF_ERROR(CheckInputTreeLimits(lower_bound, limits.input_tree, /*at_least=*/true));
  }
  // An unreachable store is the call's error (UNAVAILABLE: retry), not missing inputs.
  auto missing_files = cas.FindMissingOrError(files);
  if (!missing_files.ok()) return missing_files.status();
  for (Digest& digest : *missing_files) check.missing.push_back(std::move(digest));
  if (!check.missing.empty()) return check;
  auto size = sizer.Compute(root);
  if (!size.ok()) return size.status();
  KILN_RETURN_IF_ERROR(CheckInputTreeLimits(*size, limits.input_tree));
  check.size = *size;
  return check;
}

}  // namespace

Status ValidateRelativePath(std::string_view path, std::string_view field) {
  auto invalid = [&](std::string_view why) {
    return Status::InvalidArgument(std::string(field) + ": \"" + std::string(path) + "\" " + std::string(why));
  };
  if (path.empty()) return invalid("is empty");
  if (path.front() == '/') return invalid("is absolute; paths must be relative to the input root");
  if (path.find('\0') != std::string_view::npos) return invalid("contains a NUL byte");
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view segment = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return invalid("has an empty, '.' or '..' segment (it must stay inside the input root)");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

Status ValidateCommand(const reapi::Command& command) {
  if (command.arguments().empty() || command.arguments(0).empty()) {
    return Status::InvalidArgument("command.arguments is empty: there is nothing to run");
  }
  const auto& env = command.environment_variables();
  for (int i = 0; i < env.size(); ++i) {
    if (env[i].name().empty() || env[i].name().find('=') != std::string::npos) {
      return Status::InvalidArgument("command.environment_variables[" + std::to_string(i) + "]: name \"" +
                                     env[i].name() + "\" is empty or contains '='");
    }
    if (i > 0 && !(env[i - 1].name() < env[i].name())) {
      return Status::InvalidArgument("command.environment_variables are not sorted by name or repeat (\"" +
                                     env[i - 1].name() + "\" before \"" + env[i].name() + "\")");
    }
  }
  if (!command.working_directory().empty()) {
    KILN_RETURN_IF_ERROR(ValidateRelativePath(command.working_directory(), "command.working_directory"));
  }
  auto check_paths = [](const auto& paths, std::string_view field) -> Status {
    std::set<std::string_view> unique;
    for (int i = 0; i < paths.size(); ++i) {
      const std::string name = std::string(field) + "[" + std::to_string(i) + "]";
      KILN_RETURN_IF_ERROR(ValidateRelativePath(paths[i], name));
      if (!unique.insert(paths[i]).second) return Status::InvalidArgument(name + ": \"" + paths[i] + "\" is listed twice");
    }
    return Status::Ok();
  };
  KILN_RETURN_IF_ERROR(check_paths(command.output_paths(), "command.output_paths"));
  KILN_RETURN_IF_ERROR(check_paths(command.output_files(), "command.output_files"));
  KILN_RETURN_IF_ERROR(check_paths(command.output_directories(), "command.output_directories"));
  return Status::Ok();
}

Status ValidateDirectory(const reapi::Directory& directory, DigestFunction function, std::string_view where) {
  std::set<std::string_view> names;
  KILN_RETURN_IF_ERROR(ValidateSortedNames(directory.files(), std::string(where) + " files", names));
  KILN_RETURN_IF_ERROR(ValidateSortedNames(directory.directories(), std::string(where) + " directories", names));
  KILN_RETURN_IF_ERROR(ValidateSortedNames(directory.symlinks(), std::string(where) + " symlinks", names));
  for (const auto& file : directory.files()) {
    auto digest = FromProto(function, file.digest(), std::string(where) + "/" + file.name());
    if (!digest.ok()) return digest.status();
  }
  for (const auto& child : directory.directories()) {
    auto digest = FromProto(function, child.digest(), std::string(where) + "/" + child.name());
    if (!digest.ok()) return digest.status();
  }
  for (const auto& symlink : directory.symlinks()) {
    if (symlink.target().empty()) {
      return Status::InvalidArgument(std::string(where) + "/" + symlink.name() + ": symlink target is empty");
    }
  }
  return Status::Ok();
}

StatusOr<LoadedAction> LoadAndValidateAction(BlobStore& cas, const Digest& action_digest, const ExecuteLimits& limits) {
  auto action = ReadMessage<reapi::Action>(cas, action_digest, limits.max_message_bytes, "Action");
  if (!action.ok()) return action.status();
  if (!action->has_value()) return MissingBlobs({action_digest});
  LoadedAction loaded{std::move(**action), {}, {}, {}};
  const DigestFunction function = action_digest.function();
  if (!loaded.action.has_command_digest()) return Status::InvalidArgument("action.command_digest is required");
  if (!loaded.action.has_input_root_digest()) return Status::InvalidArgument("action.input_root_digest is required");
  auto command_digest = FromProto(function, loaded.action.command_digest(), "action.command_digest");
  if (!command_digest.ok()) return command_digest.status();
  auto input_root = FromProto(function, loaded.action.input_root_digest(), "action.input_root_digest");
  if (!input_root.ok()) return input_root.status();
  if (loaded.action.has_timeout() && (loaded.action.timeout().seconds() < 0 || loaded.action.timeout().nanos() < 0)) {
    return Status::InvalidArgument("action.timeout is negative");
  }

  auto command = ReadMessage<reapi::Command>(cas, *command_digest, limits.max_message_bytes, "Command");
  if (!command.ok()) return command.status();
  auto input_tree = CheckInputTree(cas, *input_root, limits);
  if (!input_tree.ok()) return input_tree.status();
  std::vector<Digest> missing = std::move(input_tree->missing);
  if (!command->has_value()) missing.insert(missing.begin(), *command_digest);
  if (!missing.empty()) return MissingBlobs(missing);
  loaded.command = std::move(**command);
  loaded.input_size = input_tree->size;
  KILN_RETURN_IF_ERROR(ValidateCommand(loaded.command));

  const reapi::Platform& platform =
      loaded.action.platform().properties().empty() ? loaded.command.platform() : loaded.action.platform();
  // kiln:max-* properties ask the worker for limits (checked against its maximums there);
  // they are not capabilities a worker must offer. Their names and values are checked now.
  KILN_RETURN_IF_ERROR(LimitsForAction(ActionLimitPolicy(), platform).status());
  std::vector<std::pair<std::string, std::string>> properties;
  for (const auto& property : platform.properties()) {
    if (!IsActionLimitProperty(property.name())) properties.emplace_back(property.name(), property.value());
  }
  loaded.platform = Platform(std::move(properties));
  return loaded;
}

}  // namespace kiln
