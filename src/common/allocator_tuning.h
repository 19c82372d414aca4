// Process-wide allocator settings for a program that moves data through large,
// short-lived buffers (chunks of up to 8 MiB, pack pieces, restore blobs).
//
// Why: glibc serves such buffers with mmap() and returns them with munmap() (or
// trims the heap top) as soon as they are freed, so every new buffer is brought
// into memory again one page fault at a time. On virtual machines a page fault is
// expensive (a backup of 1 GiB took ~30 000 of them, 5-10 % of its CPU time).
// Keeping freed memory for reuse removes them; the resident set stays at the
// peak the job reached, which the in-flight budgets already bound.
#pragma once

namespace strata {

// Call once, first thing in main(), before any thread starts. Idempotent.
void tune_allocator_for_large_buffers();

}  // namespace strata
