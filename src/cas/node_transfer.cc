#include "cas/node_transfer.h"

#include <algorithm>
#include <cstring>

namespace kiln {
namespace {

// The most one Read asks of a node: bounds the reader's buffer whatever the caller asks.
constexpr size_t kMaxReadChunk = 1 << 20;

}  // namespace

struct NodeBlobReader::State {
  std::unique_ptr<BlobReader> reader;
  std::vector<char> buffer;
  size_t filled = 0;
};

StatusOr<std::unique_ptr<NodeBlobReader>> NodeBlobReader::Open(ReplicaNodes& nodes, size_t node, const Digest& digest,
                                                               int64_t offset, Duration timeout) {
  auto state = std::make_shared<State>();
  KILN_RETURN_IF_ERROR(nodes.RunOne(
      node,
      [state, digest, offset](BlobStore& store) {
        auto reader = store.OpenRead(digest, offset);
        if (!reader.ok()) return reader.status();
        state->reader = std::move(reader).value();
        return Status::Ok();
      },
      timeout));
  return std::unique_ptr<NodeBlobReader>(new NodeBlobReader(nodes, node, std::move(state)));
}

StatusOr<size_t> NodeBlobReader::Read(char* buffer, size_t max, Duration timeout) {
  if (!broken_.ok()) return broken_;
  max = std::min(max, kMaxReadChunk);
  if (state_->buffer.size() < max) state_->buffer.resize(max);
  Status status = nodes_.RunOne(
      node_,
      [state = state_, max](BlobStore&) {
        auto n = state->reader->Read(state->buffer.data(), max);
        if (!n.ok()) return n.status();
        state->filled = *n;
        return Status::Ok();
      },
      timeout);
  if (!status.ok()) {
    broken_ = status;
    return status;
  }
  std::memcpy(buffer, state_->buffer.data(), state_->filled);
  return state_->filled;
}

struct NodeBlobWriter::State {
  std::unique_ptr<BlobWriter> writer;
};

StatusOr<std::unique_ptr<NodeBlobWriter>> NodeBlobWriter::Open(ReplicaNodes& nodes, size_t node, const Digest& digest,
                                                               Duration timeout) {
  Opened opened = std::move(OpenAll(nodes, {node}, digest, timeout)[0]);
  if (!opened.status.ok()) return opened.status;
  return std::move(opened.writer);
}

std::vector<NodeBlobWriter::Opened> NodeBlobWriter::OpenAll(ReplicaNodes& nodes, const std::vector<size_t>& node_list,
                                                            const Digest& digest, Duration timeout) {
  std::vector<std::shared_ptr<State>> states;
  std::vector<NodeCall> calls;
  for (size_t node : node_list) {
    auto state = std::make_shared<State>();
    states.push_back(state);
    calls.push_back({node, [state, digest](BlobStore& store) {
                       auto writer = store.OpenWrite(digest);
                       if (!writer.ok()) return writer.status();
                       state->writer = std::move(writer).value();
                       return Status::Ok();
                     }});
  }
  std::vector<Status> opened = nodes.Run(std::move(calls), timeout);
  std::vector<Opened> writers(node_list.size());
  for (size_t i = 0; i < node_list.size(); ++i) {
    writers[i].status = opened[i];
    if (opened[i].ok()) writers[i].writer.reset(new NodeBlobWriter(node_list[i], std::move(states[i])));
  }
  return writers;
}

NodeCall NodeBlobWriter::WriteCall(std::shared_ptr<const std::string> chunk) {
  return {node_, [state = state_, chunk = std::move(chunk)](BlobStore&) { return state->writer->Write(*chunk); }};
}

NodeCall NodeBlobWriter::CommitCall() {
  return {node_, [state = state_](BlobStore&) { return state->writer->Commit(); }};
}

}  // namespace kiln
