// Serves file:// URIs from the directories the operator allowed, reading the file kiln
// itself opened (FileUriRoots::Open: no symlink is followed after the check), and hands
// every other URI to the network downloader. libcurl would reopen the path by name, and a
// directory on it swapped for a symlink in between would lead the read outside the roots.
#pragma once

#include "asset/downloader.h"
#include "asset/file_uri_roots.h"

namespace kiln {

class RootedDownloader final : public Downloader {
 public:
  // Neither is owned; both must outlive this.
  RootedDownloader(Downloader* network, const FileUriRoots* roots) : network_(network), roots_(roots) {}

  Status Download(const DownloadRequest& request, const DownloadSink& sink, const std::atomic<bool>& stop) override;

 private:
  Downloader* network_;
  const FileUriRoots* roots_;
};

}  // namespace kiln
