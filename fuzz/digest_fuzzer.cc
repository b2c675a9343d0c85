// Digests as clients send them (src/common/digest.h, src/common/proto_digest.h): a Digest
// message with any hash text and size, a digest_function that may be UNKNOWN (inferred from
// the hash's length) or out of range, and function names in resource names. Checked: an
// accepted digest is lowercase hex of its function's length with a size >= 0, survives the
// trip to the wire and back, and is the empty blob exactly when it names zero bytes of that
// function's empty hash.
//
// Input: one byte for the digest_function, then a serialized Digest message.
#include <string>

#include "common/hasher.h"
#include "common/proto_digest.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kiln;
  fuzz::InputReader input(data, size);
  const int function_value = static_cast<int8_t>(input.Byte());
  const std::string_view bytes = input.Rest();

  auto by_name = DigestFunctionFromName(bytes);
  if (by_name.ok()) FUZZ_CHECK(DigestFunctionName(*by_name) == bytes);
  auto by_length = DigestFunctionForHashLength(bytes.size());
  if (by_length.ok()) FUZZ_CHECK(HashHexLength(*by_length) == bytes.size());

  reapi::Digest wire;
  if (!wire.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return 0;
  auto function = ResolveDigestFunction(static_cast<reapi::DigestFunction::Value>(function_value), wire.hash());
  if (!function.ok()) {
    FUZZ_CHECK(function.status().code() == StatusCode::kInvalidArgument);
    return 0;
  }
  auto digest = FromProto(*function, wire, "digest");
  if (!digest.ok()) {
    FUZZ_CHECK(digest.status().code() == StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(digest->function() == *function);
  FUZZ_CHECK(digest->hash().size() == HashHexLength(*function));
  for (char c : digest->hash()) FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  FUZZ_CHECK(digest->size() >= 0 && digest->size() == wire.size_bytes());
  const reapi::Digest back = ToProto(*digest);
  FUZZ_CHECK(back.hash() == wire.hash() && back.size_bytes() == wire.size_bytes());
  FUZZ_CHECK(digest->IsEmptyBlob() == (*digest == Digest::Empty(*function)));
  FUZZ_CHECK(Digest::Empty(*function).hash() == HashHex(*function, ""));
  auto again = Digest::Create(digest->function(), digest->hash(), digest->size());
  FUZZ_CHECK(again.ok() && *again == *digest);
  return 0;
}
