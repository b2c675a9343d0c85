#include "asset/asset_push.h"

#include "common/resource_name.h"

namespace kiln {

Status RecordPush(AssetIndex& index, AssetPushRequest request) {
  AssetMapping& mapping = request.mapping;
  const bool is_blob = request.scope.kind == AssetKind::kBlob;
  const std::optional<Sri>& checksum = request.checksum;
  if (is_blob && checksum && checksum->function == mapping.digest.function() &&
      checksum->hex_hash != mapping.digest.hash()) {
    return Status::InvalidArgument("checksum.sri " + checksum->ToString() + " does not match blob_digest " +
                                   mapping.digest.ToString());
  }
  std::vector<Digest> missing = index.FindMissingContent(request.scope.kind, mapping);
  if (!missing.empty()) {
    std::vector<std::string> subjects;
    for (const Digest& blob : missing) subjects.push_back(MissingBlobSubject(blob));
    return Status::InvalidArgument("the pushed content is not all in the CAS (upload it first): " +
                                   std::to_string(missing.size()) + " blob(s) missing, e.g. " +
                                   missing.front().ToString())
        .WithMissingBlobs(std::move(subjects));
  }
  mapping.recorded_at = index.Now();
  KILN_RETURN_IF_ERROR(index.Record(request.scope, request.uris, mapping));
  if (is_blob && checksum) KILN_RETURN_IF_ERROR(index.RecordChecksum(request.scope.instance_name, *checksum, mapping));
  return Status::Ok();
}

}  // namespace kiln
