#include "asset/asset_index.h"

#include "common/hasher.h"
#include "cas/blob_store.h"
#include "common/proto_digest.h"
#include "kiln/asset/v1/asset_record.pb.h"
#include "asset/tree_presence.h"

namespace kiln {
namespace {

using kiln::asset::v1::AssetRecord;

void AppendField(std::string& material, std::string_view field) {
  material += std::to_string(field.size());
  material += ':';
  material += field;
}

// Record keys are hashes of unambiguously joined fields, so that any URI (any length, any
// characters) becomes a safe, fixed-size file name.
std::string RecordKey(std::initializer_list<std::string_view> fields) {
  std::string material = "asset-v1";
  for (std::string_view field : fields) AppendField(material, field);
  return HashHex(DigestFunction::kSha256, material);
}

std::string_view KindName(AssetKind kind) { return kind == AssetKind::kBlob ? "blob" : "directory"; }

int64_t ToUnixNanos(WallTime time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

WallTime FromUnixNanos(int64_t nanos) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(nanos)));
}

StatusOr<std::vector<Digest>> DigestsFromProto(DigestFunction function,
                                               const google::protobuf::RepeatedPtrField<reapi::Digest>& digests) {
  std::vector<Digest> out;
  for (const reapi::Digest& digest : digests) {
    auto parsed = FromProto(function, digest, "reference");
    if (!parsed.ok()) return parsed.status();
    out.push_back(std::move(parsed).value());
  }
  return out;
}

StatusOr<AssetMapping> MappingFromRecord(const AssetRecord& record) {
  auto function = ResolveDigestFunction(record.digest_function(), record.digest().hash());
  if (!function.ok()) return function.status();
  auto digest = FromProto(*function, record.digest(), "digest");
  if (!digest.ok()) return digest.status();
  AssetMapping mapping;
  mapping.digest = std::move(digest).value();
  mapping.recorded_at = FromUnixNanos(record.recorded_at_unix_nanos());
  if (record.expire_at_unix_nanos() != 0) mapping.expire_at = FromUnixNanos(record.expire_at_unix_nanos());
  auto blobs = DigestsFromProto(*function, record.references_blobs());
  auto directories = DigestsFromProto(*function, record.references_directories());
  if (!blobs.ok()) return blobs.status();
  if (!directories.ok()) return directories.status();
  mapping.references_blobs = std::move(blobs).value();
  mapping.references_directories = std::move(directories).value();
  mapping.verified_checksum = record.verified_checksum();
  return mapping;
}

AssetRecord RecordFromMapping(const AssetMapping& mapping) {
  AssetRecord record;
  *record.mutable_digest() = ToProto(mapping.digest);
  record.set_digest_function(ToProto(mapping.digest.function()));
  record.set_recorded_at_unix_nanos(ToUnixNanos(mapping.recorded_at));
  if (mapping.expire_at) record.set_expire_at_unix_nanos(ToUnixNanos(*mapping.expire_at));
  for (const Digest& digest : mapping.references_blobs) *record.add_references_blobs() = ToProto(digest);
  for (const Digest& digest : mapping.references_directories) *record.add_references_directories() = ToProto(digest);
  record.set_verified_checksum(mapping.verified_checksum);
  return record;
}

}  // namespace

Status AssetIndex::Put(const std::string& key, const AssetMapping& mapping) {
  return records_->Put(key, RecordFromMapping(mapping).SerializeAsString());
}

Status AssetIndex::Record(const AssetScope& scope, const std::vector<std::string>& uris, const AssetMapping& mapping) {
  for (const std::string& uri : uris) {
    KILN_RETURN_IF_ERROR(Put(RecordKey({scope.instance_name, KindName(scope.kind), uri, scope.qualifier_identity}), mapping));
  }
  return Status::Ok();
}

std::optional<FoundAsset> AssetIndex::Find(const AssetScope& scope, const std::vector<std::string>& uris,
                                           DigestFunction function, std::optional<WallTime> oldest_accepted,
                                           const std::optional<Sri>& checksum) {
  for (const std::string& uri : uris) {
    auto mapping = GetUsable(RecordKey({scope.instance_name, KindName(scope.kind), uri, scope.qualifier_identity}),
                             scope.kind, function, oldest_accepted, checksum);
    if (mapping) return FoundAsset{uri, std::move(*mapping)};
  }
  return std::nullopt;
}

Status AssetIndex::RecordChecksum(const std::string& instance_name, const Sri& checksum, const AssetMapping& mapping) {
  return Put(RecordKey({instance_name, "checksum", checksum.ToString(), DigestFunctionName(mapping.digest.function())}),
             mapping);
}

std::optional<AssetMapping> AssetIndex::FindByChecksum(const std::string& instance_name, const Sri& checksum,
                                                       DigestFunction function, std::optional<WallTime> oldest_accepted) {
  return GetUsable(RecordKey({instance_name, "checksum", checksum.ToString(), DigestFunctionName(function)}),
                   AssetKind::kBlob, function, oldest_accepted, checksum);
}

std::optional<AssetMapping> AssetIndex::GetUsable(const std::string& key, AssetKind kind, DigestFunction function,
                                                  std::optional<WallTime> oldest_accepted,
                                                  const std::optional<Sri>& checksum) {
  auto value = records_->Get(key);
  AssetRecord record;
  if (!value.ok() || !record.ParseFromString(*value)) return std::nullopt;
  auto mapping = MappingFromRecord(record);
  if (!mapping.ok() || mapping->digest.function() != function) return std::nullopt;
  if (mapping->expire_at && *mapping->expire_at <= now_()) return std::nullopt;
  if (oldest_accepted && mapping->recorded_at < *oldest_accepted) return std::nullopt;
  if (!FindMissingContent(kind, *mapping).empty()) return std::nullopt;
  if (checksum && !MatchesChecksum(kind, *mapping, *checksum)) return std::nullopt;
  return std::move(mapping).value();
}

bool AssetIndex::MatchesChecksum(AssetKind kind, const AssetMapping& mapping, const Sri& checksum) {
  const std::string wanted = checksum.ToString();
  if (mapping.verified_checksum == wanted) return true;
  if (kind != AssetKind::kBlob) return false;
  if (checksum.function == mapping.digest.function()) return checksum.hex_hash == mapping.digest.hash();
  // A fact about content, not about a record: it holds whatever is recorded later.
  const std::string known_key = RecordKey({"verified", wanted, mapping.digest.ToString()});
  if (auto known = records_->Get(known_key); known.ok() && *known == mapping.digest.ToString()) return true;
  auto reader = cas_->OpenRead(mapping.digest, 0);
  if (!reader.ok()) return false;
  Hasher hasher(checksum.function, mapping.digest.size());
  std::vector<char> buffer(1 << 20);
  while (true) {
    auto n = (*reader)->Read(buffer.data(), buffer.size());
    if (!n.ok()) return false;
    if (*n == 0) break;
    hasher.Update(std::string_view(buffer.data(), *n));
  }
  if (hasher.FinishHex() != checksum.hex_hash) return false;
  (void)records_->Put(known_key, mapping.digest.ToString());  // If lost, the next fetch hashes again.
  return true;
}

std::vector<Digest> AssetIndex::FindMissingContent(AssetKind kind, const AssetMapping& mapping) {
  std::vector<Digest> blobs = mapping.references_blobs;
  std::vector<Digest> roots = mapping.references_directories;
  (kind == AssetKind::kBlob ? blobs : roots).push_back(mapping.digest);
  std::vector<Digest> missing = cas_->FindMissing(blobs);
  for (const Digest& root : roots) {
    std::vector<Digest> missing_in_tree = FindMissingInTree(*cas_, root, max_message_bytes_);
    missing.insert(missing.end(), missing_in_tree.begin(), missing_in_tree.end());
  }
  return missing;
}

}  // namespace kiln
