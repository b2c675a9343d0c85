// Downloads http and https URIs through libcurl: redirects followed (to http/https only,
// at most 10), HTTP errors mapped to status codes, the request's timeout and headers
// applied, and the body streamed to the sink as it arrives. (file URIs are read by
// RootedDownloader, never by libcurl.)
//
// Every connection libcurl opens, for the first request and for each redirect, is checked
// against the destination policy on the address it is about to connect to, after DNS
// resolution; a refused address fails the download with PERMISSION_DENIED (the policy's
// message, with the URL that led there). Proxy settings in the environment (http_proxy,
// https_proxy, all_proxy) are ignored: through a proxy kiln could not see, let alone check,
// the address finally connected to.
#pragma once

#include <memory>

#include "asset/destination_policy.h"
#include "asset/downloader.h"

namespace kiln {

struct CurlDownloaderOptions {
  DestinationPolicy destinations;  // Default: private, loopback, link-local... refused.
};

std::unique_ptr<Downloader> NewCurlDownloader(CurlDownloaderOptions options = {});

}  // namespace kiln
