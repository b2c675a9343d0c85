// Reads the REAPI messages that live in the CAS (Directory, Action, Command, Tree). Such a
// message is read whole into memory and parsed, so its size is checked first, from its
// digest alone, before a byte of it is read: a 512 MiB blob named as a Directory costs a
// comparison, not 512 MiB of memory (and more once parsed).
//
// REAPI messages are rarely over a few MiB; 16 MiB (Buildbarn's default cap as well) is far
// above any real Directory, Action or Command, and a Tree that big describes an output
// directory of about 150,000 files.
#pragma once

#include <cstdint>
#include <string_view>

#include "cas/blob_store.h"
#include "google/protobuf/message_lite.h"

namespace kiln {

inline constexpr int64_t kDefaultMaxMessageBytes = int64_t{16} << 20;

// FAILED_PRECONDITION if `digest` is larger than `max_bytes`: the request is well formed
// but names a message this server will not read (a smaller one, or a server with a larger
// --max-message-bytes, would do). `what` names the message ("Directory input root/a").
Status CheckMessageSize(const Digest& digest, int64_t max_bytes, std::string_view what);

// Reads and parses the message `digest` into `message`: NOT_FOUND if the CAS lacks it,
// FAILED_PRECONDITION if it is over `max_bytes` (nothing is read then), INVALID_ARGUMENT if
// it does not parse as that message, and the store's other errors as they are.
Status ReadMessageBlob(BlobStore& cas, const Digest& digest, int64_t max_bytes, std::string_view what,
                       google::protobuf::MessageLite& message);

}  // namespace kiln
