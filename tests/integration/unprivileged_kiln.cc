#include "unprivileged_kiln.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace kiln_test {
namespace {

constexpr char kSetpriv[] = "/usr/bin/setpriv";
constexpr uid_t kNobody = 65534;

}  // namespace

UnprivilegedKiln::UnprivilegedKiln() : uid_(::geteuid()), gid_(::getegid()) {
  if (::geteuid() != 0) {  // Already unprivileged.
    launcher_ = {KILN_BINARY};
    return;
  }
  if (::access(kSetpriv, X_OK) != 0) {
    why_not_ = std::string(kSetpriv) + " (util-linux) is missing";
    return;
  }
  uid_ = gid_ = kNobody;
  const std::string copy = binary_dir_.path() + "/kiln";
  std::error_code error;
  std::filesystem::copy_file(KILN_BINARY, copy, error);
  if (error || ::chmod(binary_dir_.path().c_str(), 0755) != 0 || ::chmod(copy.c_str(), 0755) != 0) {
    why_not_ = "cannot copy the kiln binary to " + copy + ": " + error.message();
    return;
  }
  // --pdeathsig: the change of user clears the death signal ChildProcess sets.
  launcher_ = {kSetpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--pdeathsig=KILL", copy};
}

bool UnprivilegedKiln::HandOver(const std::string& directory) const {
  return uid_ == ::geteuid() || ::chown(directory.c_str(), uid_, gid_) == 0;
}

}  // namespace kiln_test
