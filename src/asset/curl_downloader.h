// Downloads http, https and file URIs through libcurl: redirects followed (to http/https
// only), HTTP errors mapped to status codes, the request's timeout and headers applied,
// and the body streamed to the sink as it arrives.
#pragma once

#include <memory>

#include "asset/downloader.h"

namespace kiln {

std::unique_ptr<Downloader> NewCurlDownloader();

}  // namespace kiln
