#include "worker/loopback.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kiln {

int BringUpLoopback() {
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return -1;
  struct ifreq request {};
  std::memcpy(request.ifr_name, "lo", 3);
  int result = ::ioctl(sock, SIOCGIFFLAGS, &request);
  if (result == 0) {
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
    result = ::ioctl(sock, SIOCSIFFLAGS, &request);
  }
  int error = errno;
  ::close(sock);
  errno = error;
  return result;
}

}  // namespace kiln
