// Certificates for TLS tests, made with the `openssl` command in a directory of the test's:
// a CA, leaf certificates it issues (server or client, with the names asked for), and a
// second, untrusted CA. EC P-256 keys, valid for two days.
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace kiln {

class TestCertificates {
 public:
  struct Leaf {
    std::string cert;  // Path of the PEM certificate.
    std::string key;   // Path of its unencrypted PEM key.
  };

  // Makes the trusted CA (ca.crt) and the untrusted one (untrusted-ca.crt) in `dir`.
  explicit TestCertificates(std::string dir) : dir_(std::move(dir)) {
    ok_ = MakeCa("ca", "kiln test CA") && MakeCa("untrusted-ca", "untrusted test CA");
  }

  // False if `openssl` failed (the test should stop).
  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_; }
  std::string ca() const { return dir_ + "/ca.crt"; }
  std::string untrusted_ca() const { return dir_ + "/untrusted-ca.crt"; }

  // A certificate named `name` (files NAME.crt, NAME.key) with subject CN=`common_name` and
  // the subjectAltName list `sans` ("IP:127.0.0.1,DNS:localhost"), issued by the trusted CA
  // or, if `untrusted`, by the other one. Empty paths if openssl failed.
  Leaf Issue(const std::string& name, const std::string& common_name, const std::string& sans,
             bool untrusted = false) {
    const std::string base = dir_ + "/" + name;
    const std::string issuer = dir_ + (untrusted ? "/untrusted-ca" : "/ca");
    std::ofstream(base + ".ext") << "subjectAltName=" << sans << "\n";
    const bool made = Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + base +
                          ".key -out " + base + ".csr -subj '/CN=" + common_name + "'") &&
                      Run("openssl x509 -req -in " + base + ".csr -CA " + issuer + ".crt -CAkey " + issuer +
                          ".key -CAcreateserial -days 2 -extfile " + base + ".ext -out " + base + ".crt");
    if (!made) return {};
    return {base + ".crt", base + ".key"};
  }
  // The usual server certificate for loopback tests.
  Leaf IssueServer(const std::string& name = "server", const std::string& common_name = "kiln test server") {
    return Issue(name, common_name, "IP:127.0.0.1,DNS:localhost");
  }

  // The serial number of a certificate file, as `openssl x509 -serial` prints it (hex).
  static std::string Serial(const std::string& cert_path) {
    const std::string out = cert_path + ".serial";
    if (!Run("openssl x509 -in " + cert_path + " -noout -serial > " + out)) return {};
    std::ifstream in(out);
    std::string line;
    std::getline(in, line);
    return line.starts_with("serial=") ? line.substr(7) : line;
  }

  // A file's whole contents.
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  static bool Run(const std::string& command) { return std::system((command + " 2>/dev/null").c_str()) == 0; }

  bool MakeCa(const std::string& name, const std::string& common_name) {
    const std::string base = dir_ + "/" + name;
    return Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout " + base +
               ".key -out " + base + ".crt -subj '/CN=" + common_name + "'");
  }

  std::string dir_;
  bool ok_ = false;
};

}  // namespace kiln
