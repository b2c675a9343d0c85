// The server's own log lines (start-up, errors, the access log's calls), on stderr or in a
// file, as text for people or one JSON object per line for log collectors
// (`kiln serve --log-format text|json`). Process-wide: a line is written whole, under a
// mutex, so that lines of several threads never interleave. Thread-safe.
#pragma once

#include <cstdio>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace kiln {

enum class LogFormat { kText, kJson };
enum class LogLevel { kInfo, kWarning, kError };

// A named value a line carries besides its message ("method", "duration_ms", ...).
// `number`: written bare in JSON (the text is a number), else as a string.
struct LogField {
  std::string name;
  std::string value;
  bool number = false;
};
LogField NumberField(std::string name, int64_t value);
LogField NumberField(std::string name, double value);

// "text" or "json".
StatusOr<LogFormat> ParseLogFormat(std::string_view name);

// One line, newline-ended. Text: "kiln: MESSAGE name=value ..." (warnings and errors say
// so first; values with blanks or quotes are quoted); JSON: {"time", "level", "msg", then
// the fields}.
std::string FormatLogLine(LogFormat format, WallTimePoint time, LogLevel level, std::string_view message,
                          const std::vector<LogField>& fields);

// Where the server's lines go: stderr in the format set last (text until then).
void SetLogFormat(LogFormat format);
LogFormat CurrentLogFormat();
void Log(LogLevel level, std::string_view message, const std::vector<LogField>& fields = {});
inline void LogInfo(std::string_view message, const std::vector<LogField>& fields = {}) {
  Log(LogLevel::kInfo, message, fields);
}
inline void LogWarning(std::string_view message, const std::vector<LogField>& fields = {}) {
  Log(LogLevel::kWarning, message, fields);
}
inline void LogError(std::string_view message, const std::vector<LogField>& fields = {}) {
  Log(LogLevel::kError, message, fields);
}

// Writes whole lines to one stream (a file, or stdout for "-"); the access log's sink.
// Buffered (1 MiB) and flushed by a thread of its own every 200 ms and when destroyed, so
// that a busy server makes no write(2) per call; a crash loses at most 200 ms of lines.
class LogSink {
 public:
  // "-" is stdout; else the file, appended to (created 0640).
  static StatusOr<std::unique_ptr<LogSink>> Open(const std::string& path);
  ~LogSink();
  void Write(std::string_view line);

 private:
  LogSink(std::FILE* file, bool owned);
  std::FILE* file_;
  bool owned_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool stopping_ = false;  // Guarded by mutex_.
  std::thread flusher_;
};

}  // namespace kiln
