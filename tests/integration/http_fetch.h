// One HTTP request through libcurl, for the tests of the HTTP port (health, cache protocol,
// metrics, the web UI's JSON endpoints), with https and client certificates when asked.
#pragma once

#include <string>
#include <vector>

namespace kiln_test {

struct HttpReply {
  long status = 0;  // 0: no answer (connection or handshake failed, or timed out).
  std::string body;
  std::string headers;
};

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::string body;  // For PUT.
  std::vector<std::string> headers;
  std::string ca_file;                  // For https.
  std::string client_cert, client_key;  // A client certificate, for mutual TLS.
};

// Makes the call with a 10 s timeout.
HttpReply Fetch(const HttpCall& call);

// `text` percent-encoded for a query parameter.
std::string UrlEncode(const std::string& text);

}  // namespace kiln_test
