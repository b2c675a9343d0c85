// What an operator may see and do to the backplane's storage ring through a frontend that
// follows it (kiln admin storage): its status, and taking a node out for good. Implemented
// by the server's storage tier; the admin service only adapts it.
#pragma once

#include <string>

#include "backplane/storage_status.h"
#include "common/status.h"

namespace kiln {

class StorageRingControl {
 public:
  virtual ~StorageRingControl() = default;
  // FAILED_PRECONDITION where the CAS is not on the backplane's ring.
  virtual StatusOr<StorageRingStatus> RingStatus() const = 0;
  // Takes `name` out of the ring and applies the new ring at once. FAILED_PRECONDITION for a
  // node that is alive (a running node joins again at its next refresh: stop it first),
  // NOT_FOUND for one that is not a member.
  virtual Status RemoveNode(const std::string& name) = 0;
};

}  // namespace kiln
