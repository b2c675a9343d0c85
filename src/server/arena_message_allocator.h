// Puts a unary call's request and response on one protobuf Arena. A FindMissingBlobs
// request with 1000 digests otherwise costs 2000 heap allocations to parse (each Digest
// and its hash string) and as many frees; on an arena it is a handful of block
// allocations, released at once when the call ends. Used for the calls that carry many
// small messages and run at high rates (CAS batches, action cache lookups).
#pragma once

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

namespace kiln {

template <typename Request, typename Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(); }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(Options(initial_block_, sizeof(initial_block_))) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(char* block, size_t size) {
      google::protobuf::ArenaOptions options;
      // Small calls fit in the holder's own block; big batches grow in large steps.
      options.initial_block = block;
      options.initial_block_size = size;
      options.start_block_size = 16 * 1024;
      options.max_block_size = 256 * 1024;
      return options;
    }

    alignas(8) char initial_block_[2048];
    google::protobuf::Arena arena_;  // After the block it starts in.
  };
};

}  // namespace kiln
