// A hook into ActionExecutor for whoever wants to watch an action's command while it runs:
// told where its stdout and stderr go when it starts, and when it has ended (the files are
// then complete and still there). Used to stream live output (OutputFollower).
#pragma once

#include <string>

namespace kiln {

class CommandObserver {
 public:
  virtual ~CommandObserver() = default;
  // Called just before the runner starts the command; the runner creates the files.
  virtual void CommandStarting(const std::string& stdout_path, const std::string& stderr_path) = 0;
  // Called once the command and all its processes are gone, before the files are removed.
  // Only called after CommandStarting.
  virtual void CommandEnded() = 0;
};

}  // namespace kiln
