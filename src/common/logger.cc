#include "common/logger.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>

#include "common/json_quote.h"

namespace kiln {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};

std::mutex& StderrMutex() {
  static std::mutex mutex;
  return mutex;
}


// RFC 3339 in UTC with milliseconds: "2026-12-07T18:40:00.123Z".
std::string Rfc3339(WallTimePoint time) {
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[40];
  const size_t n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof(text) - n, ".%03dZ", static_cast<int>(millis % 1000));
  return text;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

bool NeedsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t') return true;
  }
  return false;
}

}  // namespace

LogField NumberField(std::string name, int64_t value) { return {std::move(name), std::to_string(value), true}; }

LogField NumberField(std::string name, double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f", value);
  return {std::move(name), text, true};
}

StatusOr<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return Status::InvalidArgument("log format \"" + std::string(name) + "\" is not text or json");
}

std::string FormatLogLine(LogFormat format, WallTimePoint time, LogLevel level, std::string_view message,
                          const std::vector<LogField>& fields) {
  std::string line;
  if (format == LogFormat::kJson) {
    line = "{\"time\":\"" + Rfc3339(time) + "\",\"level\":\"" + LevelName(level) + "\",\"msg\":";
    line += JsonQuote(message);
    for (const LogField& field : fields) {
      line += ',';
      line += JsonQuote(field.name);
      line += ':';
      if (field.number) {
        line += field.value;
      } else {
        line += JsonQuote(field.value);
      }
    }
    return line + "}\n";
  }
  line = "kiln: ";
  if (level != LogLevel::kInfo) line += std::string(LevelName(level)) + ": ";
  line += message;
  for (const LogField& field : fields) {
    line += ' ' + field.name + '=';
    if (NeedsQuotes(field.value)) {
      line += JsonQuote(field.value);
    } else {
      line += field.value;
    }
  }
  return line + "\n";
}

void SetLogFormat(LogFormat format) { g_format.store(format); }

LogFormat CurrentLogFormat() { return g_format.load(); }

void Log(LogLevel level, std::string_view message, const std::vector<LogField>& fields) {
  const std::string line = FormatLogLine(g_format.load(), std::chrono::system_clock::now(), level, message, fields);
  std::lock_guard lock(StderrMutex());
  std::cerr << line << std::flush;
}

StatusOr<std::unique_ptr<LogSink>> LogSink::Open(const std::string& path) {
  if (path == "-") return std::unique_ptr<LogSink>(new LogSink(stdout, false));
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return Status::InvalidArgument("cannot open " + path + ": " + std::strerror(errno));
  std::FILE* file = ::fdopen(fd, "a");
  if (file == nullptr) {
    ::close(fd);
    return Status::Internal("cannot open " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<LogSink>(new LogSink(file, true));
}

LogSink::LogSink(std::FILE* file, bool owned) : file_(file), owned_(owned) {
  std::setvbuf(file_, nullptr, _IOFBF, size_t{1} << 20);
  flusher_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wakeup_.wait_for(lock, std::chrono::milliseconds(200));
      std::fflush(file_);
    }
  });
}

LogSink::~LogSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  flusher_.join();
  std::fflush(file_);
  if (owned_) std::fclose(file_);
}

void LogSink::Write(std::string_view line) {
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), file_);
}

}  // namespace kiln
