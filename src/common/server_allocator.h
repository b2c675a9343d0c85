// glibc malloc settings for the long-running processes (`kiln serve`, `kiln worker`).
//
// Why: by default glibc hands freed memory back to the kernel as soon as a little (128 KiB)
// sits free at the top of a heap, and serves every allocation above 128 KiB with its own
// mmap. gRPC allocates its socket read buffers per read, up to a few MiB each, and frees them
// once the message is consumed, so during a large upload a third of the received bytes landed
// in pages the kernel had to fault in and zero again: page faults and madvise were 14% of the
// server's CPU at 1 GB/s of unique uploads. With these settings buffers up to 4 MiB come from
// the heap, and up to 4 MiB of free memory stays mapped at a heap's top (16 MiB measured no
// faster: 1,170-1,210 MB/s against 1,130-1,250, and kept 16 MiB of an idle server's heap).
//
// Idle memory stays bounded: the maintenance tick's malloc_trim returns the main heap's free
// memory, and with at most two heaps (main and one thread heap) at most 4 MiB more stays
// mapped. Two heaps cost nothing measurable in `kiln bench` (FindMissing and GetActionResult,
// the most allocation-heavy scenarios): FindMissing of 1000 digests ran at 4,400-4,500/s with
// the default heap count, with two and with four, and at 2,900-3,000/s with one.
#pragma once

namespace kiln {

// Call at startup, before any thread starts: the heap count applies to heaps created later.
void ConfigureAllocatorForServing();

}  // namespace kiln
