#include "cas/guarded_mapping.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <iostream>
#include <mutex>

namespace kiln {
namespace {

// The registry the handler searches: fixed, lock-free, no allocation, so that it can be
// read from a signal handler. One slot per open mapping; a ByteStream Read holds one.
constexpr size_t kMaxMappings = 4096;

struct Slot {
  // Registered by claiming `begin` (0 = free), then publishing `end`; released in reverse.
  // The handler only trusts a slot whose `end` it reads after its `begin`.
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<bool> damaged{false};
};

std::array<Slot, kMaxMappings> g_slots;
struct sigaction g_previous_action;
uintptr_t g_page_size = 4096;  // Set before the handler is installed; read in it.

void ChainToPrevious(int signal, siginfo_t* info, void* context) {
  if (g_previous_action.sa_flags & SA_SIGINFO) {
    g_previous_action.sa_sigaction(signal, info, context);
  } else if (g_previous_action.sa_handler != SIG_IGN && g_previous_action.sa_handler != SIG_DFL) {
    g_previous_action.sa_handler(signal);
  } else {
    // Returning re-runs the faulting access, which now takes the default action: the crash
    // (and core dump) a SIGBUS outside our mappings deserves.
    ::signal(signal, SIG_DFL);
  }
}

void OnSigbus(int signal, siginfo_t* info, void* context) {
  const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
  if (info->si_code == BUS_ADRERR) {
    for (Slot& slot : g_slots) {
      const uintptr_t begin = slot.begin.load();
      if (begin == 0 || address < begin) continue;
      if (address >= slot.end.load()) continue;
      void* page = reinterpret_cast<void*>(address / g_page_size * g_page_size);
      // mmap is a plain system call here: safe in a handler, whatever POSIX lists.
      if (::mmap(page, g_page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) break;
      slot.damaged.store(true);
      return;
    }
  }
  ChainToPrevious(signal, info, context);
}

void InstallHandlerOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_page_size = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    struct sigaction action {};
    action.sa_sigaction = OnSigbus;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, &g_previous_action);
  });
}

}  // namespace

std::unique_ptr<GuardedMapping> GuardedMapping::Map(int fd, int64_t offset, size_t length) {
  if (length == 0 || offset < 0) return nullptr;
  InstallHandlerOnce();
  const auto lead = static_cast<size_t>(offset % static_cast<int64_t>(g_page_size));
  length += lead;
  void* address = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, offset - static_cast<int64_t>(lead));
  if (address == MAP_FAILED) return nullptr;
  const auto begin = reinterpret_cast<uintptr_t>(address);
  for (size_t i = 0; i < g_slots.size(); ++i) {
    uintptr_t free = 0;
    if (g_slots[i].begin.compare_exchange_strong(free, begin)) {
      g_slots[i].damaged.store(false);
      g_slots[i].end.store(begin + length);
      return std::unique_ptr<GuardedMapping>(new GuardedMapping(address, length, lead, i));
    }
  }
  ::munmap(address, length);
  return nullptr;
}

GuardedMapping::~GuardedMapping() {
  if (damaged()) {
    std::cerr << "kiln: a CAS file was cut short while it was being sent; zeros went out in place of its missing "
                 "end (the client's digest check will refuse them)\n";
  }
  g_slots[slot_].end.store(0);
  g_slots[slot_].begin.store(0);
  ::munmap(address_, length_);
}

bool GuardedMapping::damaged() const { return g_slots[slot_].damaged.load(); }

}  // namespace kiln
