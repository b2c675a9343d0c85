// What authentication and authorization add to every call: a static bearer token (hash,
// look up, check a grant) must stay far below the cost of the cheapest RPC (~2 µs is the
// budget); a cached JWT adds a mutex-guarded cache lookup; Basic adds base64 decoding.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "auth/auth_policy.h"
#include "auth/auth_policy_source.h"
#include "auth/base64.h"
#include "auth/rpc_permissions.h"
#include "testing/jwt_signer.h"

namespace kiln {
namespace {

// An auth file of `principals` principals, principal i holding token "token-i" and two
// grants (one of them instance-restricted), like a modest CI setup.
std::string AuthFileOf(int principals) {
  std::string json = "{\"principals\": [";
  for (int i = 0; i < principals; ++i) {
    json += std::string(i ? ", " : "") + "{\"name\": \"p" + std::to_string(i) + "\", \"token_sha256\": [\"" +
            TokenDigestHex(Sha256Token("token-" + std::to_string(i))) +
            "\"], \"grants\": [{\"permissions\": [\"cas-read\", \"ac-read\"]}, "
            "{\"permissions\": [\"cas-write\", \"ac-write\", \"execute\"], \"instances\": [\"\", \"team/a\"]}]}";
  }
  return json + "]}";
}

std::shared_ptr<const AuthPolicy> PolicyOf(int principals) {
  auto policy = AuthPolicy::Parse(AuthFileOf(principals), "", AuthPolicy::Options{});
  if (!policy.ok()) std::abort();
  return *policy;
}

void BM_AuthenticateAuthorizeBearer(benchmark::State& state) {
  auto policy = PolicyOf(static_cast<int>(state.range(0)));
  const Credentials credentials{{}, "Bearer token-" + std::to_string(state.range(0) / 2)};
  const RpcRequirement need = *RequirementForMethod("/build.bazel.remote.execution.v2.Execution/Execute");
  for (auto _ : state) {
    auto principal = policy->Authenticate(credentials);
    benchmark::DoNotOptimize(AuthorizeRpc(**principal, need, "team/a/linux").ok());
  }
}
BENCHMARK(BM_AuthenticateAuthorizeBearer)->Arg(10)->Arg(1000)->ThreadRange(1, 2);

// The whole per-call path as the server will run it: the policy in force from its source
// (which looks at the file once a second), then authenticate and authorize.
void BM_SourceAuthenticateAuthorizeBearer(benchmark::State& state) {
  char path[] = "/tmp/kiln-auth-bench-XXXXXX";
  int fd = ::mkstemp(path);
  std::string json = AuthFileOf(100);
  if (fd < 0 || ::write(fd, json.data(), json.size()) != static_cast<ssize_t>(json.size())) std::abort();
  ::close(fd);
  AuthPolicySource::Options options;
  options.path = path;
  auto source = AuthPolicySource::Open(options);
  if (!source.ok()) std::abort();
  const Credentials credentials{{}, "Bearer token-42"};
  for (auto _ : state) {
    auto principal = (*source)->Current()->Authenticate(credentials);
    benchmark::DoNotOptimize(Authorize(**principal, Permission::kCasRead, "").ok());
  }
  std::remove(path);
}
BENCHMARK(BM_SourceAuthenticateAuthorizeBearer)->ThreadRange(1, 2);

void BM_AuthenticateAuthorizeBasic(benchmark::State& state) {
  auto policy = PolicyOf(100);
  const Credentials credentials{{}, "Basic " + EncodeBase64("p7:token-7")};
  for (auto _ : state) {
    auto principal = policy->Authenticate(credentials);
    benchmark::DoNotOptimize(Authorize(**principal, Permission::kCasRead, "").ok());
  }
}
BENCHMARK(BM_AuthenticateAuthorizeBasic);

// A JWT after its first call: hashed and found in the cache of verified tokens.
void BM_AuthenticateCachedJwt(benchmark::State& state) {
  char dir[] = "/tmp/kiln-auth-bench-XXXXXX";
  if (::mkdtemp(dir) == nullptr) std::abort();
  const std::string jwks_path = std::string(dir) + "/jwks.json";
  auto key = testing::TestSigningKey::Ec("k1");
  if (std::FILE* jwks = std::fopen(jwks_path.c_str(), "w")) {
    std::fputs(testing::JwksOf({&key}).c_str(), jwks);
    std::fclose(jwks);
  }
  auto policy = AuthPolicy::Parse(R"({"jwt_issuers": [{"issuer": "https://idp", "audiences": ["kiln"],
      "jwks_file": "jwks.json", "grants": [{"permissions": ["cas-read"]}]}]})",
                                  dir, AuthPolicy::Options{});
  if (!policy.ok()) std::abort();
  const int64_t exp = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count() + 3600;
  const Credentials credentials{
      {}, "Bearer " + testing::SignJwt(key, testing::HeaderFor(key),
                                       R"({"iss": "https://idp", "aud": "kiln", "sub": "alice", "exp": )" +
                                           std::to_string(exp) + "}")};
  for (auto _ : state) {
    auto principal = (*policy)->Authenticate(credentials);
    benchmark::DoNotOptimize(Authorize(**principal, Permission::kCasRead, "").ok());
  }
  std::remove(jwks_path.c_str());
  ::rmdir(dir);
}
BENCHMARK(BM_AuthenticateCachedJwt)->ThreadRange(1, 2);

// The method lookup the gRPC layer does per call (unless it caches it per method).
void BM_RequirementForMethod(benchmark::State& state) {
  const std::string method = "/build.bazel.remote.execution.v2.ContentAddressableStorage/FindMissingBlobs";
  for (auto _ : state) benchmark::DoNotOptimize(RequirementForMethod(method));
}
BENCHMARK(BM_RequirementForMethod);

}  // namespace
}  // namespace kiln
