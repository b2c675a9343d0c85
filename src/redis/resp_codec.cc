#include "redis/resp_codec.h"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

namespace kiln::redis {

void AppendCommand(const std::vector<std::string>& argv, std::string& out) {
  out += '*';
  out += std::to_string(argv.size());
  out += "\r\n";
  for (const std::string& arg : argv) {
    out += '$';
    out += std::to_string(arg.size());
    out += "\r\n";
    out += arg;
    out += "\r\n";
  }
}

struct RespDecoder::Reader {
  redisReader* reader = nullptr;
};

namespace {

Reply Convert(const redisReply& reply) {
  switch (reply.type) {
    case REDIS_REPLY_STRING: return Reply::String(std::string(reply.str, reply.len));
    case REDIS_REPLY_STATUS: return Reply::SimpleStatus(std::string(reply.str, reply.len));
    case REDIS_REPLY_ERROR: return Reply::Error(std::string(reply.str, reply.len));
    case REDIS_REPLY_INTEGER: return Reply::Integer(reply.integer);
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(reply.elements);
      for (size_t i = 0; i < reply.elements; ++i) elements.push_back(Convert(*reply.element[i]));
      return Reply::Array(std::move(elements));
    }
    default: return Reply::Nil();
  }
}

}  // namespace

RespDecoder::RespDecoder() : reader_(std::make_unique<Reader>()) { reader_->reader = redisReaderCreate(); }

RespDecoder::~RespDecoder() {
  if (reader_->reader != nullptr) redisReaderFree(reader_->reader);
}

Status RespDecoder::Feed(std::string_view bytes) {
  if (reader_->reader == nullptr) return Status::ResourceExhausted("out of memory for the RESP reader");
  if (redisReaderFeed(reader_->reader, bytes.data(), bytes.size()) != REDIS_OK) {
    return Status::Internal(std::string("RESP reader: ") + reader_->reader->errstr);
  }
  return Status::Ok();
}

StatusOr<std::optional<Reply>> RespDecoder::Next() {
  if (reader_->reader == nullptr) return Status::ResourceExhausted("out of memory for the RESP reader");
  void* raw = nullptr;
  if (redisReaderGetReply(reader_->reader, &raw) != REDIS_OK) {
    return Status::Internal(std::string("malformed reply (RESP protocol error: ") + reader_->reader->errstr + ")");
  }
  if (raw == nullptr) return std::optional<Reply>();
  std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw), freeReplyObject);
  return std::optional<Reply>(Convert(*reply));
}

}  // namespace kiln::redis
