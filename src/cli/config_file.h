// `--config FILE` for kiln's long-running commands: a YAML (or JSON, which YAML 1.2 reads
// too) document of flag values, turned into the flag assignments it stands for so that the
// command's FlagSet applies them before the command line's (flags override the file). The
// schema is the flags themselves, so every flag, present and future, can be written there
// with no second list to keep in step; docs/config-file.md describes it:
//   - a key is a flag's name, its value what follows "--NAME=" (`workers: 4`,
//     `max-cas-bytes: 10G`, `fsync: true`); a repeatable flag takes a list;
//   - a map is a section: `cas: {tls-ca: F}` is `--cas-tls-ca=F`, and `target` inside a
//     section is the flag named like the section (`cas: {target: grpcs://h:1}` is `--cas=...`).
// Every problem is an INVALID_ARGUMENT "FILE:LINE:COLUMN: key \"KEY\": what is wrong".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace kiln {

// What the parser must know of each flag the command takes.
struct ConfigFlag {
  std::string name;         // Without "--".
  bool repeatable = false;  // May be given several times: the file gives it a list.
};

// One flag value from the file.
struct ConfigAssignment {
  std::string flag;   // The flag's name, without "--".
  std::string value;  // The scalar's text, as it would follow "--NAME=".
  // "FILE:LINE:COLUMN: key \"KEY\"": where the value was written, to prefix errors about it.
  std::string location;
};

// The assignments in file order (a list gives one per item). An empty document gives none.
// Refuses, naming line, column and key: YAML syntax errors, more than one document, a
// document that is not a map, keys that name no flag, a flag given twice (also once plainly
// and once in a section), a missing value, a list for a flag that is not repeatable, a map
// for one that is no section, and list items that are not single values.
StatusOr<std::vector<ConfigAssignment>> ParseConfigText(std::string_view text, std::string_view file_name,
                                                        const std::vector<ConfigFlag>& flags);
// ParseConfigText of the file's contents; a file that cannot be read is an INVALID_ARGUMENT
// naming it too.
StatusOr<std::vector<ConfigAssignment>> ReadConfigFile(const std::string& path, const std::vector<ConfigFlag>& flags);

}  // namespace kiln
