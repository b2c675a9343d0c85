// A read-only mapping of a CAS file that a truncation behind kiln's back cannot turn into
// a crash.
//
// Reading a mapped file's page beyond the file's end raises SIGBUS. kiln hands mapped CAS
// files to gRPC for sending, and while the kernel's socket copy only fails with EFAULT
// there, gRPC itself copies a few bytes in user space when it splits a frame. A process-
// wide SIGBUS handler therefore puts a page of zeros in place of such a page, if it lies in
// a guarded mapping, and marks the mapping damaged; any other SIGBUS stays fatal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace kiln {

class GuardedMapping {
 public:
  // Maps `length` bytes of `fd` from `offset` (any offset) read-only. nullptr if the file
  // cannot be mapped or too many mappings are open at once: callers then read the file.
  static std::unique_ptr<GuardedMapping> Map(int fd, int64_t offset, size_t length);

  GuardedMapping(const GuardedMapping&) = delete;
  GuardedMapping& operator=(const GuardedMapping&) = delete;
  ~GuardedMapping();

  // The byte at `offset`.
  const char* bytes() const { return static_cast<const char*>(address_) + lead_; }
  // How far bytes() is past the page boundary the mapping starts at.
  size_t lead() const { return lead_; }
  // True once a page had to be replaced by zeros: the file was cut short while mapped, so
  // what was read from the mapping is not the blob.
  bool damaged() const;

 private:
  GuardedMapping(void* address, size_t length, size_t lead, size_t slot)
      : address_(address), length_(length), lead_(lead), slot_(slot) {}

  void* address_;  // page-aligned, `lead_` bytes before the requested offset
  size_t length_;
  size_t lead_;
  size_t slot_;  // in the registry the signal handler reads
};

}  // namespace kiln
