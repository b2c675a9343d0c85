#include "worker/storage_hint_message.h"

#include "common/proto_digest.h"

namespace kiln {

::kiln::worker::v1::StorageHints StorageHintsMessage(const std::vector<BlobHint>& hints) {
  ::kiln::worker::v1::StorageHints message;
  for (const BlobHint& hint : hints) {
    auto* out = message.add_hints();
    out->set_owner(hint.owner);
    *out->mutable_digest() = ToProto(hint.digest);
    out->set_digest_function(ToProto(hint.digest.function()));
  }
  return message;
}

StatusOr<BlobHint> StorageHintFromMessage(const ::kiln::worker::v1::StorageHint& message) {
  if (message.owner().empty()) return Status::InvalidArgument("a storage hint names no owner");
  auto function = ResolveDigestFunction(message.digest_function(), message.digest().hash());
  if (!function.ok()) return function.status().WithContext("storage hint digest");
  auto digest = FromProto(*function, message.digest(), "storage hint digest");
  if (!digest.ok()) return digest.status();
  return BlobHint{std::move(digest).value(), message.owner()};
}

}  // namespace kiln
