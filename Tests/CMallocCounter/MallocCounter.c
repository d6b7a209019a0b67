#include "CMallocCounter.h"
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);

static __thread int counting;
static __thread uint64_t allocations;

void soma_malloc_counter_start(void) {
    allocations = 0;
    counting = 1;
}

uint64_t soma_malloc_counter_stop(void) {
    counting = 0;
    return allocations;
}

/// Called for every counted allocation: a place for a debugger breakpoint
/// (`break soma_malloc_counted`) to show where a zero-allocation test's mallocs come from.
__attribute__((noinline)) void soma_malloc_counted(void) { __asm__ volatile(""); }

static inline void count(void) {
    if (counting) {
        allocations += 1;
        soma_malloc_counted();
    }
}

void *malloc(size_t size) {
    count();
    return __libc_malloc(size);
}

void *calloc(size_t count_, size_t size) {
    count();
    return __libc_calloc(count_, size);
}

void *realloc(void *pointer, size_t size) {
    count();
    return __libc_realloc(pointer, size);
}

void free(void *pointer) { __libc_free(pointer); }

void *memalign(size_t alignment, size_t size) {
    count();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    count();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    count();
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL && size != 0) return ENOMEM;
    *result = pointer;
    return 0;
}

void *valloc(size_t size) {
    count();
    return __libc_valloc(size);
}
