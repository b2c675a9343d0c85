// Where to look for a command's executable, the way execvp does, but with PATH taken from
// the action's own environment instead of the server's.
//
// - argv[0] containing '/' is used as given (relative names resolve against the working
//   directory, since the child changes into it before exec).
// - Otherwise each PATH element is tried in order; an empty element means the working
//   directory, as in execvp.
// - Without PATH in the environment, the search uses "/usr/bin:/bin", the same fallback
//   execvp applies (REAPI leaves this case to the implementation). Looking only in the
//   working directory would surprise clients that send a bare "sh" with no environment.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace kiln {

inline constexpr char kDefaultSearchPath[] = "/usr/bin:/bin";

// The paths to try with execve, in order. Empty if argv0 is empty.
std::vector<std::string> ExecutableCandidates(const std::string& argv0,
                                              const std::vector<std::pair<std::string, std::string>>& environment);

}  // namespace kiln
