#include "auth/denial_log.h"

#include <iostream>

namespace kiln {
namespace {

constexpr size_t kMaxEntries = 10'000;

}  // namespace

DenialLog::DenialLog(const Clock* clock, Sink sink, Duration interval)
    : clock_(clock), sink_(std::move(sink)), interval_(interval) {
  if (!sink_) sink_ = [](const std::string& line) { std::cerr << line << std::flush; };
}

void DenialLog::Record(const Denial& denial) {
  const TimePoint now = clock_->Now();
  std::string line;
  {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kMaxEntries) {
      std::erase_if(entries_, [&](const auto& item) { return now - item.second.last_written >= interval_; });
    }
    auto [it, inserted] = entries_.try_emplace({std::string(denial.principal), std::string(denial.method)});
    Entry& entry = it->second;
    if (!inserted && now - entry.last_written < interval_) {
      ++entry.suppressed;
      return;
    }
    line = "kiln: denied " + std::string(denial.method) + " to " + std::string(denial.principal) + " on instance \"" +
           std::string(denial.instance_name) + "\" from " + std::string(denial.peer) + ": " + denial.status->ToString();
    if (entry.suppressed > 0) {
      line += " (and " + std::to_string(entry.suppressed) + " more such denials since the last report)";
    }
    line += "\n";
    entry.last_written = now;
    entry.suppressed = 0;
  }
  sink_(line);
}

}  // namespace kiln
