#include "cli/config_file.h"

#include <yaml-cpp/yaml.h>

#include <map>

#include "common/file_util.h"

namespace kiln {
namespace {

// Walks the document's maps, turning each value into assignments of the flag it names.
class DocumentReader {
 public:
  DocumentReader(std::string_view file_name, const std::vector<ConfigFlag>& flags)
      : file_name_(file_name), flags_(flags) {}

  // `section`: the flag name prefix of the map (empty at the top), `path` its keys joined
  // with dots, as errors name them.
  Status ReadMap(const YAML::Node& map, const std::string& section, const std::string& path);
  std::vector<ConfigAssignment> TakeAssignments() { return std::move(assignments_); }

 private:
  Status ReadValue(const YAML::Node& key, const YAML::Node& value, const std::string& flag_name,
                   const std::string& key_path);
  const ConfigFlag* Find(std::string_view name) const;
  // Whether some flag's name starts with "PREFIX-": a map under PREFIX is a section.
  bool IsSection(std::string_view prefix) const;
  std::string Where(const YAML::Mark& mark) const;
  std::string Location(const YAML::Mark& mark, const std::string& key_path) const {
    return Where(mark) + ": key \"" + key_path + "\"";
  }
  Status Error(const YAML::Mark& mark, const std::string& key_path, const std::string& what) const {
    return Status::InvalidArgument(Location(mark, key_path) + ": " + what);
  }

  const std::string file_name_;
  const std::vector<ConfigFlag>& flags_;
  std::vector<ConfigAssignment> assignments_;
  std::map<std::string, std::string, std::less<>> given_at_;  // Flag name -> "LINE:COLUMN".
};

std::string DocumentReader::Where(const YAML::Mark& mark) const {
  if (mark.is_null()) return file_name_;
  return file_name_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

const ConfigFlag* DocumentReader::Find(std::string_view name) const {
  for (const ConfigFlag& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

bool DocumentReader::IsSection(std::string_view prefix) const {
  for (const ConfigFlag& flag : flags_) {
    if (flag.name.size() > prefix.size() + 1 && flag.name.starts_with(prefix) && flag.name[prefix.size()] == '-') {
      return true;
    }
  }
  return false;
}

Status DocumentReader::ReadMap(const YAML::Node& map, const std::string& section, const std::string& path) {
  // By value: yaml-cpp's iterators hand out temporaries.
  for (const auto& entry : map) {
    const YAML::Node key = entry.first;
    if (!key.IsScalar()) {
      return Status::InvalidArgument(Where(key.Mark()) + ": a key must be a flag name, not a list or a map");
    }
    const std::string& name = key.Scalar();
    const std::string key_path = path.empty() ? name : path + "." + name;
    // In a section, `target` is the flag the section is named after: `cas: {target: X}`.
    const std::string flag_name = section.empty() ? name : name == "target" ? section : section + "-" + name;
    KILN_RETURN_IF_ERROR(ReadValue(key, entry.second, flag_name, key_path));
  }
  return Status::Ok();
}

Status DocumentReader::ReadValue(const YAML::Node& key, const YAML::Node& value, const std::string& flag_name,
                                 const std::string& key_path) {
  const ConfigFlag* flag = Find(flag_name);
  if (value.IsMap()) {
    if (IsSection(flag_name)) return ReadMap(value, flag_name, key_path);
    if (flag) return Error(key.Mark(), key_path, "takes a single value, not a map");
  }
  if (!flag) return Error(key.Mark(), key_path, "unknown key: kiln has no flag --" + flag_name);
  const std::string at = std::to_string(key.Mark().line + 1) + ":" + std::to_string(key.Mark().column + 1);
  if (auto [earlier, added] = given_at_.emplace(flag_name, at); !added) {
    return Error(key.Mark(), key_path, "--" + flag_name + " is already set at " + earlier->second);
  }
  if (value.IsNull()) return Error(key.Mark(), key_path, "has no value (write \"\" for an empty one)");
  if (value.IsScalar()) {
    assignments_.push_back({flag_name, value.Scalar(), Location(value.Mark(), key_path)});
    return Status::Ok();
  }
  if (!flag->repeatable) return Error(key.Mark(), key_path, "takes a single value, not a list");
  for (const YAML::Node& item : value) {
    if (!item.IsScalar()) {
      return Error(item.IsNull() ? key.Mark() : item.Mark(), key_path,
                   "list items must be single values, not lists, maps or nothing");
    }
    assignments_.push_back({flag_name, item.Scalar(), Location(item.Mark(), key_path)});
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::vector<ConfigAssignment>> ParseConfigText(std::string_view text, std::string_view file_name,
                                                        const std::vector<ConfigFlag>& flags) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& error) {
    // yaml-cpp reports syntax errors only by exception; none escapes this function.
    std::string where(file_name);
    if (!error.mark.is_null()) {
      where += ":" + std::to_string(error.mark.line + 1) + ":" + std::to_string(error.mark.column + 1);
    }
    return Status::InvalidArgument(where + ": not valid YAML or JSON: " + error.msg);
  }
  if (documents.empty() || (documents.size() == 1 && documents[0].IsNull())) {
    return std::vector<ConfigAssignment>();  // Empty, or only comments.
  }
  DocumentReader reader(file_name, flags);
  const YAML::Node& document = documents[0];
  const std::string where = std::string(file_name) + ":" + std::to_string(document.Mark().line + 1) + ":" +
                            std::to_string(document.Mark().column + 1);
  if (documents.size() > 1) {
    return Status::InvalidArgument(std::string(file_name) + ": holds " + std::to_string(documents.size()) +
                                   " YAML documents; a config file is one");
  }
  if (!document.IsMap()) return Status::InvalidArgument(where + ": the file must be a map of flag names to values");
  KILN_RETURN_IF_ERROR(reader.ReadMap(document, "", ""));
  return reader.TakeAssignments();
}

StatusOr<std::vector<ConfigAssignment>> ReadConfigFile(const std::string& path, const std::vector<ConfigFlag>& flags) {
  StatusOr<std::string> text = ReadSmallFile(path);
  if (!text.ok()) return Status::InvalidArgument("cannot read the config file: " + text.status().message());
  return ParseConfigText(*text, path, flags);
}

}  // namespace kiln
