// Counts heap allocations made by the calling thread between start and stop.
//
// The functions below replace malloc and friends for the whole test executable (no LD_PRELOAD:
// the executable's definitions win over libc's). Each forwards to glibc's __libc_* entry points
// and, while counting is on for the calling thread, adds one to that thread's counter. Other
// threads (the test runner's own) are not counted, so a "== 0" assertion is not flaky.
// Not for sanitizer builds: AddressSanitizer brings its own malloc.
#ifndef SOMA_MALLOC_COUNTER_H
#define SOMA_MALLOC_COUNTER_H
#include <stdint.h>

void soma_malloc_counter_start(void);
/// Stops counting on this thread and returns the allocations counted since start.
uint64_t soma_malloc_counter_stop(void);

#endif
