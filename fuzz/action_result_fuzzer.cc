// ActionResults that clients upload (UpdateActionResult) and the output directory Trees
// they name, which the action cache reads on every hit to check that everything a result
// references is still in the CAS (src/ac/action_cache.h). The input is two parts: an
// ActionResult, and a Tree stored under every output directory's tree_digest that has an
// empty hash (other digests stay as given). Checked: Put accepts exactly the results whose
// directly named digests are valid, every referenced blob is a valid digest, and Get never
// returns a result that references a missing blob.
#include <string>

#include "ac/local_action_cache.h"
#include "ac/record_store.h"
#include "fuzz_cas.h"
#include "fuzz_check.h"

namespace {

// Records in memory.
class MapRecords final : public kiln::RecordStore {
 public:
  kiln::StatusOr<std::string> Get(const std::string& key) override {
    auto it = records_.find(key);
    if (it == records_.end()) return kiln::Status::NotFound("no record");
    return it->second;
  }
  kiln::Status Put(const std::string& key, std::string_view value) override {
    records_[key] = std::string(value);
    return kiln::Status::Ok();
  }
  kiln::Status Delete(const std::string& key) override {
    records_.erase(key);
    return kiln::Status::Ok();
  }

 private:
  std::unordered_map<std::string, std::string> records_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kiln;
  fuzz::InputReader input(data, size);
  const std::string_view result_bytes = input.Part();
  const std::string tree_bytes(input.Rest());
  reapi::ActionResult result;
  if (!result.ParseFromArray(result_bytes.data(), static_cast<int>(result_bytes.size()))) return 0;

  fuzz::FuzzCas cas;
  const Digest tree_digest = fuzz::SyntheticDigest('e', 0, static_cast<int64_t>(tree_bytes.size()));
  cas.Put(tree_digest, tree_bytes);
  for (auto& output : *result.mutable_output_directories()) {
    if (output.tree_digest().hash().empty()) *output.mutable_tree_digest() = ToProto(tree_digest);
  }

  auto direct = DirectlyReferencedBlobs(DigestFunction::kSha256, result);
  MapRecords records;
  LocalActionCache cache(&records, &cas, 1 << 16, 1 << 20);
  const Digest action = fuzz::SyntheticDigest('a', 0, 1);
  const Status put = cache.Put("", action, result);
  FUZZ_CHECK(put.ok() == direct.ok());
  if (!put.ok()) {
    FUZZ_CHECK(put.code() == StatusCode::kInvalidArgument);
    return 0;
  }

  auto all = ReferencedBlobs(cas, DigestFunction::kSha256, result, 1 << 20);
  if (!all.ok()) FUZZ_CHECK(all.status().code() == StatusCode::kNotFound || all.status().code() == StatusCode::kInvalidArgument);
  InlineRequest inline_request{true, true, {}};
  for (const auto& file : result.output_files()) inline_request.output_files.push_back(file.path());
  auto hit = cache.Get("", action, inline_request);
  if (hit.ok()) {
    FUZZ_CHECK(all.ok());
    for (const Digest& blob : *all) FUZZ_CHECK(cas.Has(blob));
  } else {
    FUZZ_CHECK(hit.status().code() == StatusCode::kNotFound);
    if (all.ok()) FUZZ_CHECK(!cas.FindMissing(*all).empty());
  }
  return 0;
}
