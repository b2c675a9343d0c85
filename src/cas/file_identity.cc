#include "cas/file_identity.h"

namespace kiln {
namespace {

// splitmix64's finalizer: every input bit reaches every output bit.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint64_t FileIdentityStamp(const struct stat& st) {
  const uint64_t fields[] = {
      static_cast<uint64_t>(st.st_dev),
      static_cast<uint64_t>(st.st_ino),
      static_cast<uint64_t>(st.st_size),
      static_cast<uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(st.st_mtim.tv_nsec),
      static_cast<uint64_t>(st.st_ctim.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(st.st_ctim.tv_nsec),
  };
  uint64_t stamp = 0x6b696c6e;  // "kiln"
  for (uint64_t field : fields) stamp = Mix(stamp ^ field);
  return stamp == 0 ? 1 : stamp;
}

}  // namespace kiln
