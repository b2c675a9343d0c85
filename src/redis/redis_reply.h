// A decoded Redis reply (RESP2), as plain value types so that callers, tests and the
// scheduler's Lua results handle one tree type and never hiredis' C structs. Error replies
// are values too: whether "WRONGTYPE" or a script's own error is fatal is the caller's call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::redis {

struct Reply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };

  Type type = Type::kNil;
  int64_t integer = 0;
  std::string text;  // kString (binary-safe), kStatus, kError.
  std::vector<Reply> elements;  // kArray.

  static Reply Nil() { return Reply{}; }
  static Reply Integer(int64_t value) { return Reply{Type::kInteger, value, {}, {}}; }
  static Reply String(std::string value) { return Reply{Type::kString, 0, std::move(value), {}}; }
  static Reply SimpleStatus(std::string value) { return Reply{Type::kStatus, 0, std::move(value), {}}; }
  static Reply Error(std::string value) { return Reply{Type::kError, 0, std::move(value), {}}; }
  static Reply Array(std::vector<Reply> elements) { return Reply{Type::kArray, 0, {}, std::move(elements)}; }

  bool is_nil() const { return type == Type::kNil; }
  bool is_integer() const { return type == Type::kInteger; }
  bool is_string() const { return type == Type::kString; }
  bool is_status() const { return type == Type::kStatus; }
  bool is_error() const { return type == Type::kError; }
  bool is_array() const { return type == Type::kArray; }
  // A status reply of exactly `status` ("OK", "QUEUED", "PONG").
  bool is_status(std::string_view status) const { return type == Type::kStatus && text == status; }
  // The first word of an error reply ("WRONGTYPE", "MOVED", "ERR"); empty for other types.
  std::string_view error_code() const;

  // Readable form for logs and test failures: strings quoted with escapes, arrays in [].
  std::string DebugString() const;

  friend bool operator==(const Reply&, const Reply&) = default;
};

}  // namespace kiln::redis
