#include "cas/peer_presence.h"

#include <iostream>

namespace kiln {

PeerPresence::PeerPresence(Duration timeout)
    : timeout_(timeout),
      peers_(std::make_shared<const std::vector<NamedReplicaPeer>>()),
      executor_(16, TaskThreadStyle{.name = "kiln-presence"}) {}

void PeerPresence::SetPeers(std::vector<NamedReplicaPeer> peers) {
  auto shared = std::make_shared<const std::vector<NamedReplicaPeer>>(std::move(peers));
  std::lock_guard lock(mutex_);
  peers_ = std::move(shared);
}

size_t PeerPresence::peer_count() const {
  std::lock_guard lock(mutex_);
  return peers_->size();
}

PresenceAnswer PeerPresence::HeldElsewhere(const std::vector<Digest>& digests) {
  std::shared_ptr<const std::vector<NamedReplicaPeer>> peers;
  {
    std::lock_guard lock(mutex_);
    peers = peers_;
  }
  PresenceAnswer answer;
  answer.held_elsewhere.assign(digests.size(), false);
  answer.peers_asked = peers->size();
  if (peers->empty() || digests.empty()) return answer;
  // Shared, not borrowed: a call abandoned at the deadline may still be running after this
  // returns.
  auto asked = std::make_shared<const std::vector<Digest>>(digests);
  auto answers = std::make_shared<std::vector<std::vector<bool>>>(peers->size());
  std::vector<std::function<Status()>> calls;
  for (size_t i = 0; i < peers->size(); ++i) {
    calls.push_back([peer = (*peers)[i].peer, asked, answers, i]() -> Status {
      auto held = peer->FindHeld(*asked);
      if (!held.ok()) return held.status();
      if (held->size() != asked->size()) {
        return Status::Internal("answered about " + std::to_string(held->size()) + " blobs, not " +
                                std::to_string(asked->size()));
      }
      (*answers)[i] = std::move(held).value();
      return Status::Ok();
    });
  }
  std::vector<std::optional<Status>> results = executor_.RunAll(std::move(calls), timeout_);
  for (size_t i = 0; i < results.size(); ++i) {
    // A result is only read when its call returned in time: an abandoned one may still write.
    if (!results[i].has_value() || !results[i]->ok()) continue;
    ++answer.peers_answered;
    const std::vector<bool>& held = (*answers)[i];
    for (size_t j = 0; j < held.size(); ++j) {
      if (held[j]) answer.held_elsewhere[j] = true;
    }
  }
  return answer;
}

}  // namespace kiln
