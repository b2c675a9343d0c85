// The auth policy in force, kept in step with its files: holds the current AuthPolicy and
// replaces it when the auth file or one of its JWKS files changes (by inode, size, mtime
// or ctime). Checks happen at most once per interval on Current(), which the calls'
// authentication path uses, and whenever Poll() is called (the server's maintenance tick).
// A file that no longer loads keeps the previous policy in force and is reported once per
// change, not once per check. Thread-safe; Current() costs an atomic load except on the
// one call per interval that checks the files.
//
// Wiring:
//   at start-up:  auto source = AuthPolicySource::Open(options);  // Error: refuse to start.
//   per call:     auto principal = (*source)->Current()->Authenticate(credentials);
//                 // Not ok: fail the call with its status (UNAUTHENTICATED).
//                 Status allowed = AuthorizeRpc(**principal, need, instance_name);  // rpc_permissions.h
//   maintenance:  (void)(*source)->Poll();  // Optional; Current() checks once a second too.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/auth_policy.h"
#include "common/clock.h"
#include "common/status.h"

namespace kiln {

class AuthPolicySource {
 public:
  struct Options {
    std::string path;  // The auth file.
    AuthPolicy::Options policy;
    Duration check_interval = std::chrono::seconds(1);
    // Where reloads and failed reloads are reported; standard error when unset.
    std::function<void(const std::string&)> log;
  };

  // Loads the auth file; its error (the server should refuse to start) if it does not load.
  static StatusOr<std::unique_ptr<AuthPolicySource>> Open(Options options);

  // The policy in force. Keep the pointer for one call only, so that a reload takes effect
  // for the next.
  std::shared_ptr<const AuthPolicy> Current();

  // Checks the files now. OK when nothing changed or the change loaded; the load's error
  // when it did not (the previous policy stays), also when that change was already
  // reported.
  Status Poll();

  explicit AuthPolicySource(Options options);  // Use Open.

 private:
  struct FileState {
    std::string path;
    bool exists = false;
    uint64_t device = 0, inode = 0;
    int64_t size = 0, mtime_ns = 0, ctime_ns = 0;
    bool operator==(const FileState&) const = default;
  };
  static FileState StatFile(const std::string& path);
  std::vector<FileState> WatchedFilesNow() const;  // REQUIRES: reload_mutex_ held.
  Status CheckLocked();                           // REQUIRES: reload_mutex_ held.
  Status LoadLocked();                            // REQUIRES: reload_mutex_ held.
  void Log(const std::string& message) const;

  const Options options_;
  std::atomic<std::shared_ptr<const AuthPolicy>> current_;
  std::atomic<int64_t> next_check_ns_{0};

  std::mutex reload_mutex_;
  std::vector<FileState> loaded_files_;  // As they were when current_ was loaded.
  std::vector<FileState> failed_files_;  // As they were when a load last failed.
  Status failed_status_;
};

}  // namespace kiln
