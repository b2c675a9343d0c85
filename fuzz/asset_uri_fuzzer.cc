// URIs of Remote Asset fetches: file URIs, checked against the directories kiln may read
// (src/asset/file_uri_roots.h), and git URIs over http(s), whose host kiln resolves,
// checks and pins (src/asset/git_destination.h). Checked, with a root holding a file, a
// subdirectory and a symlink to outside: a file URI that resolves names a path under the
// root, and opening it reads that file; a git URI is accepted only with addresses the
// policy allows, and a host that is an IPv4 address in any spelling the C library reads
// (127.1, 0x7f.0.0.1, 2130706433) is never handed to the resolver as a name to pin, since
// git's libcurl would not look it up. "ROOT" in the input stands for the scratch directory.
#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "asset/file_uri_roots.h"
#include "asset/git_destination.h"
#include "fuzz_check.h"

namespace {

namespace fs = std::filesystem;

std::string g_root;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  std::string pattern = (fs::temp_directory_path() / "kiln-uri-fuzz-XXXXXX").string();
  FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr);
  g_root = fs::canonical(pattern).string();
  fs::create_directories(g_root + "/root/sub");
  std::ofstream(g_root + "/root/file") << "inside";
  std::ofstream(g_root + "/root/sub/deeper") << "deeper";
  std::ofstream(g_root + "/secret") << "outside";
  fs::create_symlink("../secret", g_root + "/root/link");
  fs::create_symlink("/", g_root + "/root/slash");
  std::atexit([] {
    std::error_code error;
    fs::remove_all(g_root, error);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kiln;
  // "ROOT" stands for the scratch directory (a new temporary directory each run).
  std::string uri(reinterpret_cast<const char*>(data), size);
  for (size_t at = uri.find("ROOT"); at != std::string::npos; at = uri.find("ROOT", at + g_root.size())) {
    uri.replace(at, 4, g_root);
  }
  static const FileUriRoots roots = *FileUriRoots::FromDirectories({g_root + "/root"});

  auto resolved = roots.Resolve(uri);
  if (resolved.ok()) {
    FUZZ_CHECK(IsFileUri(uri));
    FUZZ_CHECK(resolved->starts_with(g_root + "/root"));
    FUZZ_CHECK(roots.Contains(*resolved));
    auto fd = roots.Open(uri);
    if (fd.ok()) {
      char buffer[16] = {};
      const ssize_t n = ::pread(fd->get(), buffer, sizeof buffer, 0);
      FUZZ_CHECK(n < 0 || std::string(buffer, n) != "outside");
    }
  } else {
    const StatusCode code = resolved.status().code();
    FUZZ_CHECK(code == StatusCode::kInvalidArgument || code == StatusCode::kPermissionDenied ||
               code == StatusCode::kNotFound || code == StatusCode::kFailedPrecondition);
  }
  auto reparsed = roots.Resolve(FileUriForPath(g_root + "/root/sub/deeper"));
  FUZZ_CHECK(reparsed.ok());

  // The resolver answers a public address for every name, so that only kiln's own checks
  // can refuse.
  std::string asked;
  const HostResolver resolver = [&](const std::string& host) -> StatusOr<std::vector<IpAddress>> {
    asked = host;
    return std::vector<IpAddress>{*ParseIpAddress("93.184.216.34")};
  };
  const DestinationPolicy policy;
  auto config = GitDestinationConfig(uri, policy, resolver);
  if (!asked.empty()) {
    in_addr address{};
    FUZZ_CHECK(inet_aton(asked.c_str(), &address) == 0);
    FUZZ_CHECK(asked.find_first_of("/@:[] \t\r\n") == std::string::npos);
  }
  if (config.ok()) {
    FUZZ_CHECK(uri.starts_with("http://") || uri.starts_with("https://") || uri.starts_with("file:"));
    for (const std::string& setting : *config) FUZZ_CHECK(setting.find_first_of("\r\n") == std::string::npos);
  }
  return 0;
}
