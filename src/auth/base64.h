// The two base64 alphabets authentication meets: standard with '=' padding (HTTP Basic
// credentials) and base64url without padding (the three parts of a JWT, JWK key material).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kiln {

// nullopt for any character outside the alphabet, bad padding or a length no encoder
// produces. Standard: padded to a multiple of four. Url: unpadded ('=' refused).
std::optional<std::string> DecodeBase64(std::string_view text);
std::optional<std::string> DecodeBase64Url(std::string_view text);

std::string EncodeBase64(std::string_view bytes);
std::string EncodeBase64Url(std::string_view bytes);

}  // namespace kiln
