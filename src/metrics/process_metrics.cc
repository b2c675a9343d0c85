#include "metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace kiln::metrics {
namespace {

std::string ReadWholeFile(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

double BootTimeSeconds() {
  std::istringstream stat(ReadWholeFile("/proc/stat"));
  std::string key;
  while (stat >> key) {
    if (key == "btime") {
      double seconds = 0;
      stat >> seconds;
      return seconds;
    }
  }
  return 0;
}

int64_t OpenDescriptors() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int64_t count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // Not the descriptor this walk itself holds.
}

}  // namespace

std::optional<ProcessStats> ParseProcStat(const std::string& stat, double ticks_per_second, int64_t page_size,
                                          double boot_time_seconds) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the fields are
  // counted from the last ')'.
  const size_t comm_end = stat.rfind(')');
  if (comm_end == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(comm_end + 1));
  std::vector<std::string> fields;  // fields[0] is field 3 of proc(5), "state".
  for (std::string field; rest >> field;) fields.push_back(field);
  if (fields.size() < 22) return std::nullopt;
  const auto field = [&](int number) { return fields[static_cast<size_t>(number - 3)]; };
  try {
    ProcessStats stats;
    stats.cpu_seconds = (std::stod(field(14)) + std::stod(field(15))) / ticks_per_second;
    stats.threads = std::stoll(field(20));
    stats.start_time_seconds = boot_time_seconds + std::stod(field(22)) / ticks_per_second;
    stats.virtual_bytes = std::stoll(field(23));
    stats.resident_bytes = std::stoll(field(24)) * page_size;
    return stats;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void AddProcessMetrics(MetricRegistry& registry) {
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const int64_t page_size = ::sysconf(_SC_PAGESIZE);
  const double boot_time = BootTimeSeconds();
  // One read of /proc/self/stat per family: a scrape is rare, and each stays simple.
  const auto stat_metric = [&registry, ticks, page_size, boot_time](MetricType type, const char* name, const char* help, auto pick) {
    registry.AddComputed(type, name, help, {}, [=](ComputedSamples& samples) {
      auto stats = ParseProcStat(ReadWholeFile("/proc/self/stat"), ticks, page_size, boot_time);
      if (stats) samples.Add({}, pick(*stats));
    });
  };
  stat_metric(MetricType::kCounter, "process_cpu_seconds_total", "User and system CPU time spent, in seconds.",
              [](const ProcessStats& s) { return s.cpu_seconds; });
  stat_metric(MetricType::kGauge, "process_resident_memory_bytes", "Resident memory size, in bytes.",
              [](const ProcessStats& s) { return static_cast<double>(s.resident_bytes); });
  stat_metric(MetricType::kGauge, "process_virtual_memory_bytes", "Virtual memory size, in bytes.",
              [](const ProcessStats& s) { return static_cast<double>(s.virtual_bytes); });
  stat_metric(MetricType::kGauge, "process_threads", "Threads of the process.",
              [](const ProcessStats& s) { return static_cast<double>(s.threads); });
  stat_metric(MetricType::kGauge, "process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.",
              [](const ProcessStats& s) { return s.start_time_seconds; });
  registry.AddComputed(MetricType::kGauge, "process_open_fds", "Open file descriptors.", {},
                       [](ComputedSamples& samples) {
                         if (int64_t open = OpenDescriptors(); open >= 0) samples.Add({}, static_cast<double>(open));
                       });
  registry.AddComputed(MetricType::kGauge, "process_max_fds", "The limit on open file descriptors.", {},
                       [](ComputedSamples& samples) {
                         rlimit limit{};
                         if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) samples.Add({}, static_cast<double>(limit.rlim_cur));
                       });
}

}  // namespace kiln::metrics
