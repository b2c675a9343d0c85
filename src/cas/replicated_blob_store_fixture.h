// The fixture of the ReplicatedBlobStore tests (replicated_blob_store*_test.cc): a store over
// fake nodes (testing/faulty_blob_store.h) that can refuse, hang or lie on command.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "cas/replicated_blob_store.h"
#include "common/hasher.h"
#include "testing/eventually.h"
#include "testing/faulty_blob_store.h"

namespace kiln {
namespace testing_fixture {

using testing::FaultyBlobStore;
using Mode = FaultyBlobStore::Mode;
using std::chrono::milliseconds;

constexpr auto kTimeout = milliseconds(200);

inline std::string Bytes(size_t size, int seed) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + seed * 7 + i / 4096) & 0xff);
  return bytes;
}

class ReplicatedBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(4); }
  void TearDown() override { Close(); }

  // Tests run the handoff pass themselves unless they ask for it, and see every FindMissing
  // reach the nodes unless they give the presence record a ttl, and every owner asked about
  // a blob its first owner lacks unless they let first owners earn trust.
  void Open(size_t node_count, ReplicaRepairOptions repair = {.handoff_interval = Duration::zero()},
            Duration presence_ttl = Duration::zero(), FirstOwnerTrustOptions trust = {.enabled = false}) {
    Close();
    nodes_.clear();
    std::vector<ReplicatedNode> ring;
    for (size_t i = 0; i < node_count; ++i) {
      nodes_.push_back(std::make_unique<FaultyBlobStore>());
      ring.push_back({{"node-" + std::to_string(i), 1.0}, nodes_.back().get()});
    }
    ReplicatedBlobStoreOptions options;
    options.replicas = 2;
    options.timeouts.call = kTimeout;
    options.timeouts.transfer = kTimeout;
    options.repair = repair;
    options.whole_read_bytes = 1024;  // Larger blobs stream, in the fakes' 4 KiB reads.
    options.presence.ttl = presence_ttl;
    options.first_owner_trust = trust;
    options.clock = &clock_;
    auto store = ReplicatedBlobStore::Create(std::move(ring), options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  // Hung calls hold the store's threads: release them before it waits for them.
  void Close() {
    for (auto& node : nodes_) node->set_mode(Mode::kHealthy);
    store_.reset();
  }

  Digest Put(const std::string& data) {
    const Digest digest = ComputeDigest(DigestFunction::kSha256, data);
    Status written = WriteBlob(*store_, digest, data);
    EXPECT_TRUE(written.ok()) << written.ToString();
    return digest;
  }
  std::vector<size_t> Order(const Digest& digest) const { return store_->nodes().ring().Order(digest); }
  FaultyBlobStore& Node(size_t index) { return *nodes_[index]; }
  int Copies(const Digest& digest) const {
    int copies = 0;
    for (const auto& node : nodes_) copies += node->Has(digest) ? 1 : 0;
    return copies;
  }

  int Lookups() const {
    int total = 0;
    for (const auto& node : nodes_) total += node->lookups();
    return total;
  }

  FakeClock clock_;
  std::vector<std::unique_ptr<FaultyBlobStore>> nodes_;
  std::unique_ptr<ReplicatedBlobStore> store_;
};

}  // namespace testing_fixture
}  // namespace kiln
