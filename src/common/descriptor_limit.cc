#include "common/descriptor_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace kiln {
namespace {

constexpr int64_t kMostWanted = int64_t{1} << 20;

// /proc/sys/fs/nr_open: the most RLIMIT_NOFILE may be set to.
int64_t KernelMaximum() {
  std::ifstream file("/proc/sys/fs/nr_open");
  int64_t value = 0;
  if (file >> value && value > 0) return value;
  return kMostWanted;
}

}  // namespace

StatusOr<DescriptorLimit> RaiseDescriptorLimit() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Status::Internal(std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno));
  }
  DescriptorLimit result;
  result.before = limit.rlim_cur == RLIM_INFINITY ? kMostWanted : static_cast<int64_t>(limit.rlim_cur);
  int64_t hard = limit.rlim_max == RLIM_INFINITY ? kMostWanted : static_cast<int64_t>(limit.rlim_max);
  const int64_t wanted = std::min({hard, kMostWanted, KernelMaximum()});
  result.now = result.before;
  if (wanted > result.before) {
    limit.rlim_cur = static_cast<rlim_t>(wanted);
    if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) result.now = wanted;
  }
  return result;
}

}  // namespace kiln
