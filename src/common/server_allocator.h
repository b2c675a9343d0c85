// glibc malloc settings for the long-running processes (`kiln serve`, `kiln worker`).
//
// Why: by default glibc hands freed memory back to the kernel as soon as a little (128 KiB)
// sits free at the top of a heap, and serves every allocation above 128 KiB with its own
// mmap. gRPC allocates its socket read buffers per read, up to a few MiB each, and frees them
// once the message is consumed, so during a large upload a third of the received bytes landed
// in pages the kernel had to fault in and zero again: page faults and madvise were 14% of the
// server's CPU at 1 GB/s of unique uploads. With these settings buffers up to 4 MiB come from
// the heap, and up to 16 MiB of free memory stays mapped at a heap's top.
//
// Idle memory stays bounded: the maintenance tick's malloc_trim returns the main heap's free
// memory, and with at most two heaps (main and one thread heap) at most 16 MiB more stays
// mapped. Two heaps cost nothing measurable in `kiln bench` (FindMissing and GetActionResult,
// the most allocation-heavy scenarios); one heap cost a third of FindMissing's rate.
#pragma once

namespace kiln {

// Call at startup, before any thread starts: the heap count applies to heaps created later.
void ConfigureAllocatorForServing();

}  // namespace kiln
