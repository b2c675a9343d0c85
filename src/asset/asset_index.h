// The remembered Remote Asset mappings: (instance, kind, URI, identifying qualifiers) ->
// CAS content, written by Push and by successful fetches from origin, one small record per
// URI in a RecordStore (files under {data_dir}/asset in the server). A second kind of
// record maps a checksum.sri hash to the blob that has it, so a fetch pinned by checksum is
// served from the CAS whatever URI it names.
//
// A mapping is only returned while it is usable: not past its expiry, recorded no earlier
// than the client's oldest_content_accepted, of the requested digest function, with its
// content (and the content it references) all still in the CAS, since the CAS may evict
// independently of these records, and, when the request carries a checksum.sri, with
// content known to match it. A pushed record's qualifiers are the pusher's word, so the
// checksum is not taken from the record key: a blob matches if its digest is that hash, or
// kiln verified it (AssetMapping::verified_checksum), or, for a checksum of another hash
// function, kiln hashes the blob from the CAS once and remembers the result. A directory
// matches only if kiln verified the archive it was unpacked from: an unpacked tree cannot
// be checked against an archive's checksum. Thread-safe if the stores are.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ac/record_store.h"
#include "asset/qualifiers.h"
#include "cas/blob_store.h"
#include "cas/message_blob.h"

namespace kiln {

using WallTime = std::chrono::system_clock::time_point;
// Injected so tests can move time past expiries without sleeping.
using WallClock = std::function<WallTime()>;

// What a set of URIs is looked up or recorded under, besides the URI itself.
struct AssetScope {
  std::string instance_name;
  AssetKind kind = AssetKind::kBlob;
  std::string qualifier_identity;  // ParsedQualifiers::identity.
};

struct AssetMapping {
  Digest digest;  // The blob, or the root Directory.
  WallTime recorded_at;
  std::optional<WallTime> expire_at;
  std::vector<Digest> references_blobs;
  std::vector<Digest> references_directories;
  // The checksum.sri (Sri::ToString()) kiln verified the content against; empty if none.
  std::string verified_checksum;
};

struct FoundAsset {
  std::string uri;
  AssetMapping mapping;
};

class AssetIndex {
 public:
  // Directories over `max_message_bytes` are not read: a tree holding one is not usable.
  AssetIndex(RecordStore* records, BlobStore* cas, WallClock now, int64_t max_message_bytes = kDefaultMaxMessageBytes)
      : records_(records), cas_(cas), now_(std::move(now)), max_message_bytes_(max_message_bytes) {}

  // Records `mapping` under each URI, replacing earlier mappings.
  Status Record(const AssetScope& scope, const std::vector<std::string>& uris, const AssetMapping& mapping);
  // The first URI, in order, with a usable mapping whose digest uses `function` (and whose
  // content matches `checksum`, if given).
  std::optional<FoundAsset> Find(const AssetScope& scope, const std::vector<std::string>& uris, DigestFunction function,
                                 std::optional<WallTime> oldest_accepted, const std::optional<Sri>& checksum);

  Status RecordChecksum(const std::string& instance_name, const Sri& checksum, const AssetMapping& mapping);
  // A usable blob mapping recorded for `checksum` whose content matches it.
  std::optional<AssetMapping> FindByChecksum(const std::string& instance_name, const Sri& checksum,
                                             DigestFunction function, std::optional<WallTime> oldest_accepted);

  // The blobs the mapping needs that the CAS lacks (for a directory, its whole tree).
  std::vector<Digest> FindMissingContent(AssetKind kind, const AssetMapping& mapping);

  WallTime Now() const { return now_(); }

 private:
  Status Put(const std::string& key, const AssetMapping& mapping);
  std::optional<AssetMapping> GetUsable(const std::string& key, AssetKind kind, DigestFunction function,
                                        std::optional<WallTime> oldest_accepted, const std::optional<Sri>& checksum);
  // Whether the mapping's content is known, or now found, to match `checksum`. A blob found
  // to match by hashing is remembered in a record of its own (digest + checksum).
  bool MatchesChecksum(AssetKind kind, const AssetMapping& mapping, const Sri& checksum);

  RecordStore* records_;
  BlobStore* cas_;
  WallClock now_;
  int64_t max_message_bytes_;
};

}  // namespace kiln
