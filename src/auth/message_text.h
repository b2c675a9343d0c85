// Text from callers (user names, instance names, a token's issuer) that goes into error
// messages: quoted, cut short and with control bytes escaped, so a message stays one
// readable line whatever the caller sent.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kiln {

// "\"text\"", at most `max_chars` characters of `text` (then "..."), bytes outside printable
// ASCII as \xNN.
std::string QuoteForMessage(std::string_view text, size_t max_chars = 100);

}  // namespace kiln
