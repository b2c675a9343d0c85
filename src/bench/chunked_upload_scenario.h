// The chunked re-upload scenario: what SplitBlob and SpliceBlob save a client that uploads
// a large blob again after a small change. Before the clock, a 64 MiB blob goes up through
// ByteStream and the server splits it (SplitBlob, FastCDC with the parameters it
// advertises), storing its chunks. Each operation changes 1% of that blob in the middle
// (new bytes every time), cuts the result with FastCDC on the client, asks FindMissingBlobs
// which chunks the server lacks, uploads only those, and splices the blob (SpliceBlob). The
// bytes an operation reports are the chunk bytes it had to send; the report sets them
// against the blob's size. Client and server agreeing on boundaries is the point: if they
// did not, every chunk would be sent.
#pragma once

#include <memory>

#include "bench/bench_target.h"
#include "bench/scenario.h"

namespace kiln {

std::unique_ptr<Scenario> NewChunkedReuploadScenario(BenchTarget* target);

}  // namespace kiln
