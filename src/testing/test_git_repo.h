// A git repository made with the git command line for one test: commits on branches, with
// fixed author and committer, so tests can fetch by branch or by commit.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace kiln {

class TestGitRepo {
 public:
  // `path` must be an empty or absent directory.
  explicit TestGitRepo(std::string path) : path_(std::move(path)) {
    std::filesystem::create_directories(path_);
    Git("init -q -b main");
  }

  // Writes the files (path -> content; "+x:" prefix on the content makes it executable),
  // commits them on the current branch and returns the commit's hash.
  std::string Commit(const std::map<std::string, std::string>& files, const std::string& message = "change") {
    for (const auto& [name, content] : files) {
      const std::filesystem::path file = std::filesystem::path(path_) / name;
      std::filesystem::create_directories(file.parent_path());
      const bool executable = content.starts_with("+x:");
      std::ofstream(file, std::ios::binary) << (executable ? content.substr(3) : content);
      std::filesystem::permissions(file, executable ? std::filesystem::perms(0755) : std::filesystem::perms(0644));
    }
    Git("add -A");
    Git("commit -q -m '" + message + "'");
    return Output("rev-parse HEAD");
  }
  void Checkout(const std::string& args) { Git("checkout -q " + args); }

  const std::string& path() const { return path_; }
  std::string uri() const { return "file://" + path_; }

  // Runs `git ARGS` in the repository; returns its exit status.
  int Git(const std::string& args) const { return std::system((Command(args) + " >/dev/null 2>&1").c_str()); }
  std::string Output(const std::string& args) const {
    std::string output;
    if (FILE* pipe = ::popen(Command(args).c_str(), "r")) {
      char buffer[256];
      while (fgets(buffer, sizeof buffer, pipe)) output += buffer;
      ::pclose(pipe);
    }
    while (!output.empty() && output.back() == '\n') output.pop_back();
    return output;
  }

 private:
  std::string Command(const std::string& args) const {
    return "GIT_CONFIG_NOSYSTEM=1 HOME=/nonexistent GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' "
           "GIT_COMMITTER_DATE='2020-01-01T00:00:00Z' git -c user.name=kiln -c user.email=kiln@test "
           "-C '" + path_ + "' " + args;
  }
  std::string path_;
};

}  // namespace kiln
