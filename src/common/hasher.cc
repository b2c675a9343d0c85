#include "common/hasher.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <vector>

#include "common/blake3.h"
#include "common/file_util.h"

namespace kiln {
namespace {

const char* AlgorithmName(DigestFunction function) {
  switch (function) {
    case DigestFunction::kSha256: return "SHA256";
    case DigestFunction::kSha1: return "SHA1";
    case DigestFunction::kMd5: return "MD5";
    case DigestFunction::kSha384: return "SHA384";
    case DigestFunction::kSha512: return "SHA512";
    case DigestFunction::kGitSha1: return "SHA1";
    case DigestFunction::kBlake3: return nullptr;  // Not OpenSSL's.
  }
  return nullptr;
}

// OpenSSL 3 looks the implementation up again on every EVP_DigestInit_ex given a legacy
// EVP_sha256(): that lookup cost more than hashing a small blob (an action cache key, a
// Directory message). Fetched once per function, kept for the process's life.
const EVP_MD* MessageDigestFor(DigestFunction function) {
  static const auto* fetched = [] {
    auto* table = new std::array<EVP_MD*, std::size(kAllDigestFunctions)>();
    for (DigestFunction each : kAllDigestFunctions) {
      if (AlgorithmName(each) == nullptr) continue;
      (*table)[static_cast<size_t>(each)] = EVP_MD_fetch(nullptr, AlgorithmName(each), nullptr);
    }
    return table;
  }();
  EVP_MD* md = (*fetched)[static_cast<size_t>(function)];
  if (md == nullptr) std::abort();  // OpenSSL's default provider lacks a basic hash.
  return md;
}

}  // namespace

// One of the two is set: OpenSSL's context, or kiln's BLAKE3.
struct Hasher::Context {
  EVP_MD_CTX* ctx = nullptr;
  std::optional<Blake3Hasher> blake3;
};

Hasher::Hasher(DigestFunction function, int64_t content_size) : context_(std::make_unique<Context>()) {
  if (function == DigestFunction::kBlake3) {
    context_->blake3.emplace();
    return;
  }
  context_->ctx = EVP_MD_CTX_new();
  // Allocation failure of a few hundred bytes leaves nothing sensible to do.
  if (context_->ctx == nullptr || EVP_DigestInit_ex(context_->ctx, MessageDigestFor(function), nullptr) != 1) {
    std::abort();
  }
  if (function == DigestFunction::kGitSha1) {
    // What `git hash-object` hashes: "blob", a space, the size in decimal, a NUL.
    const std::string header = "blob " + std::to_string(content_size) + std::string(1, '\0');
    EVP_DigestUpdate(context_->ctx, header.data(), header.size());
  }
}

Hasher::~Hasher() {
  if (context_->ctx != nullptr) EVP_MD_CTX_free(context_->ctx);
}

bool HashNeedsSizeFirst(DigestFunction function) { return function == DigestFunction::kGitSha1; }

// Hashing reads its input once, front to back. SHA-NI consumes it faster than the hardware
// prefetcher brings in memory that has left the CPU cache, such as an upload's bytes by the
// time their gRPC message is complete: on this project's VMs, a 512 MiB buffer hashed at
// 1,220 MB/s against 1,730 MB/s for a cached one. Asking for the next step's cache lines
// while hashing the current step hides that latency (1,715 MB/s on the same buffer;
// BM_Sha256ColdMemory in bench/hashing_bench.cc), and costs nothing measurable on cached data.
void Hasher::Update(std::string_view data) {
  if (context_->blake3) {
    // BLAKE3 reads 4 or 8 chunks side by side, not the single stream the prefetching below
    // was tuned for. Without any, a cold 256 MiB buffer hashed at 2,510 MB/s against 3,000
    // cached (BM_Blake3ColdMemory): still far above SHA-256, so left as is for now.
    context_->blake3->Update(data);
    return;
  }
  constexpr size_t kStepBytes = 1024;
  constexpr size_t kCacheLineBytes = 64;
  const char* next = data.data();
  size_t left = data.size();
  while (left > kStepBytes) {
    const size_t ahead = std::min(left - kStepBytes, kStepBytes);
    for (size_t line = 0; line < ahead; line += kCacheLineBytes) __builtin_prefetch(next + kStepBytes + line);
    EVP_DigestUpdate(context_->ctx, next, kStepBytes);
    next += kStepBytes;
    left -= kStepBytes;
  }
  if (left > 0) EVP_DigestUpdate(context_->ctx, next, left);
}

std::string Hasher::FinishHex() {
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (context_->blake3) {
    context_->blake3->Finalize(raw, Blake3Hasher::kHashBytes);
    length = Blake3Hasher::kHashBytes;
  } else {
    EVP_DigestFinal_ex(context_->ctx, raw, &length);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(length * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[raw[i] >> 4];
    hex[2 * i + 1] = kHex[raw[i] & 0xf];
  }
  return hex;
}

std::string HashHex(DigestFunction function, std::string_view data) {
  Hasher hasher(function, static_cast<int64_t>(data.size()));
  hasher.Update(data);
  return hasher.FinishHex();
}

Digest ComputeDigest(DigestFunction function, std::string_view data) {
  // A freshly computed hash is valid by construction.
  return Digest::Create(function, HashHex(function, data), static_cast<int64_t>(data.size())).value();
}

StatusOr<Digest> ComputeFileDigest(DigestFunction function, int fd, const std::string& name) {
  constexpr size_t kChunkBytes = 1 << 20;
  // One buffer per thread, reused: a fresh zero-filled MiB per file cost more than hashing
  // the small files (stdout, stderr, outputs) most actions produce.
  thread_local std::unique_ptr<char[]> buffer(new char[kChunkBytes]);
  int64_t expected_size = 0;
  if (HashNeedsSizeFirst(function)) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return ErrnoStatus("fstat", name, errno);
    expected_size = st.st_size;
  }
  Hasher hasher(function, expected_size);
  int64_t size = 0;
  while (true) {
    auto n = PreadFull(fd, buffer.get(), kChunkBytes, size);
    if (!n.ok()) return n.status().WithContext("reading " + name);
    if (*n == 0) break;
    hasher.Update(std::string_view(buffer.get(), *n));
    size += static_cast<int64_t>(*n);
  }
  if (HashNeedsSizeFirst(function) && size != expected_size) {
    return Status::Aborted(name + " changed size while being hashed (" + std::to_string(expected_size) + " then " +
                           std::to_string(size) + " bytes)");
  }
  return Digest::Create(function, hasher.FinishHex(), size);
}

}  // namespace kiln
