#include "headless_chromium.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace kiln_test {
namespace {

// Every run ends within this, whatever the page does.
constexpr int kTimeoutSeconds = 30;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::optional<std::string> HeadlessChromium::Find() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (::access(path, X_OK) == 0) return std::string(path);
  }
  return std::nullopt;
}

std::optional<std::string> HeadlessChromium::Run(const std::string& args, std::string* error) {
  const std::string run = profile_root_ + "/run" + std::to_string(++runs_);
  const std::string log = run + ".log";
  // As root chromium needs --no-sandbox; a profile of its own keeps runs apart. No
  // network beyond the loopback server: no component updates, no sync, no first run. No
  // D-Bus either: looking for one costs a second per run.
  const std::string command = "DBUS_SESSION_BUS_ADDRESS=disabled: DBUS_SYSTEM_BUS_ADDRESS=disabled: timeout -k 5 " +
                              std::to_string(kTimeoutSeconds) + " " + binary_ +
                              " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
                              " --disable-background-networking --disable-component-update --disable-sync"
                              " --disable-extensions --hide-scrollbars --user-data-dir=" + run + "-profile " + args + " 2>" + log;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    *error = "cannot start " + binary_;
    return std::nullopt;
  }
  std::string out;
  char buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string log_text = ReadFile(log);
    if (log_text.size() > 4000) log_text = log_text.substr(log_text.size() - 4000);
    *error = "chromium " + args + " exited with status " + std::to_string(status) + "; its log ends:\n" + log_text;
    return std::nullopt;
  }
  return out;
}

std::string HeadlessChromium::DumpDom(const std::string& url, int budget_ms, std::string* error) {
  return Run("--virtual-time-budget=" + std::to_string(budget_ms) + " --dump-dom '" + url + "'", error).value_or("");
}

bool HeadlessChromium::Screenshot(const std::string& url, const std::string& png_path, int width, int height,
                                  int budget_ms, std::string* error) {
  return Run("--virtual-time-budget=" + std::to_string(budget_ms) + " --window-size=" + std::to_string(width) + "," +
                 std::to_string(height) + " --screenshot=" + png_path + " '" + url + "'",
             error)
      .has_value();
}

}  // namespace kiln_test
