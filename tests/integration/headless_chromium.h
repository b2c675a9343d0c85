// Debian's chromium, headless, for the web UI's test: loads a page, lets its scripts run
// (their fetches and timers, in virtual time, up to a budget), then prints the rendered
// DOM or saves a screenshot. Each run gets a fresh profile directory and is bounded by a
// timeout; chromium's own chatter goes to a log file, shown only when a run fails. Runs
// may go on in parallel (one process each): thread-safe.
#pragma once

#include <atomic>
#include <optional>
#include <string>

namespace kiln_test {

class HeadlessChromium {
 public:
  // The browser binary, or nullopt when chromium is not installed.
  static std::optional<std::string> Find();

  // `profile_root`: a directory for the profiles and logs of the runs.
  HeadlessChromium(std::string binary, std::string profile_root)
      : binary_(std::move(binary)), profile_root_(std::move(profile_root)) {}

  // The DOM of `url` after its scripts had `budget_ms` of virtual time; "" and *error on
  // failure (timeout, crash).
  std::string DumpDom(const std::string& url, int budget_ms, std::string* error);
  // Saves a PNG of `url` (width x height) to `png_path`. False and *error on failure.
  bool Screenshot(const std::string& url, const std::string& png_path, int width, int height, int budget_ms,
                  std::string* error);

 private:
  // Runs chromium with `args` after the common flags; its stdout, or nullopt.
  std::optional<std::string> Run(const std::string& args, std::string* error);

  std::string binary_;
  std::string profile_root_;
  std::atomic<int> runs_ = 0;
};

}  // namespace kiln_test
