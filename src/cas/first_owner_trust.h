// When a frontend may take a blob's first owner at its word that it lacks the blob, and so
// skip asking the other owners in FindMissing (cas/replica_lookup.h). Asking them doubles
// the nodes' lookups for every missing blob -- and a build's FindMissing calls are mostly
// about new outputs, all missing -- while it only matters when the first owner lost a copy
// that another owner kept: the node is new in the ring (its share not moved onto it yet),
// its disk was wiped, or it was down when the blob was written (a hinted copy not handed
// off yet). Reporting such a blob missing is not wrong by REAPI: the client uploads it
// again, and that upload restores the first owner's copy. It only costs the upload.
//
// So trust is earned, per node, from what the other owners say:
//   - A node is trusted once `proof` FindMissing calls that asked the other owners too
//     found nothing it claimed missing on another owner, and none of its calls failed
//     within `distrust_for`.
//   - Any such contradiction, or a failed call to the node (ReplicaNodes::failures: it may
//     have restarted without its data), distrusts it again for `distrust_for`, and its
//     proof starts over.
//   - Even while every node is trusted, one FindMissing in `confirm_one_in` asks every
//     owner anyway, so that a node that lost data without failing a call is found out.
// A new ring (a new object) trusts no node until each has earned it.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "cas/replica_nodes.h"
#include "common/clock.h"

namespace kiln {

struct FirstOwnerTrustOptions {
  bool enabled = true;  // False: no node is ever trusted; every owner is always asked.
  Duration distrust_for = std::chrono::minutes(10);
  int proof = 16;
  int confirm_one_in = 16;
};

class FirstOwnerTrust {
 public:
  // REQUIRES: `nodes` and `clock` outlive this object.
  FirstOwnerTrust(const ReplicaNodes& nodes, const Clock* clock, FirstOwnerTrustOptions options);

  // For one FindMissing: per node, whether its "missing" is final. All false for a call
  // that is to confirm with the other owners.
  std::vector<bool> Plan();
  // After a call that asked the other owners: per node, how many blobs it was asked about
  // as first owner and claimed missing (`claimed`), and how many of those another node had
  // (`contradicted`).
  void Confirmed(const std::vector<uint32_t>& claimed, const std::vector<uint32_t>& contradicted);

 private:
  struct NodeState {
    uint32_t failures_seen = 0;
    TimePoint distrusted_until;
    int clean_confirmations = 0;
  };
  // Distrusts nodes whose calls failed since they were last looked at. Holds mutex_.
  void NoteFailures(TimePoint now);

  const ReplicaNodes& nodes_;
  const Clock* const clock_;
  const FirstOwnerTrustOptions options_;
  std::mutex mutex_;
  std::vector<NodeState> states_;  // Guarded by mutex_.
  uint64_t calls_ = 0;             // Guarded by mutex_.
};

}  // namespace kiln
