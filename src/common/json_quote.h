// A string as a JSON string literal: what the JSON log lines and the web UI's endpoints both
// write. Control characters are escaped, valid UTF-8 passes through, and bytes that are not
// valid UTF-8 become U+FFFD, so the output is always valid JSON whatever the input holds.
#pragma once

#include <string>
#include <string_view>

namespace kiln {

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace kiln
