// Builds the web UI's JSON answers by hand: a few dozen fields per answer do not justify a
// JSON library, and protobuf's own printer (MessageToJsonString) covers the REAPI messages.
// Strings are escaped and made valid UTF-8 (a byte that does not start a valid sequence
// becomes U+FFFD), so a command's arbitrary output never breaks the document.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_quote.h"

namespace kiln {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // The next value's name. REQUIRES: inside an object.
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // The value, or null.
  JsonWriter& OptionalInt(std::optional<int64_t> value);
  JsonWriter& OptionalDouble(std::optional<double> value);
  // A value that is JSON already (protobuf's printer's output). REQUIRES: valid JSON.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }

 private:
  void BeforeValue();
  std::string out_;
  // Per open container: whether it holds a value yet (a comma goes before the next).
  std::vector<bool> has_value_;
  bool after_key_ = false;
};

}  // namespace kiln
