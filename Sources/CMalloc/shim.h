#ifndef DEPOT_CMALLOC_SHIM_H
#define DEPOT_CMALLOC_SHIM_H
// glibc's malloc tuning (mallopt, malloc_trim): in <malloc.h>, which the Glibc module leaves out.
#include <malloc.h>

static inline int depot_malloc_arena_max(int count) { return mallopt(M_ARENA_MAX, count); }

// A fixed mmap threshold: glibc otherwise raises it to the size of every large block freed (up to
// 32 MiB), after which 256 KiB buffers come from the heap and fragment it.
static inline int depot_malloc_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
#endif
