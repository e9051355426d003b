#ifndef DEPOT_CMALLOC_SHIM_H
#define DEPOT_CMALLOC_SHIM_H
// glibc's malloc tuning (mallopt, malloc_trim): in <malloc.h>, which the Glibc module leaves out.
#include <malloc.h>

static inline int depot_malloc_arena_max(int count) { return mallopt(M_ARENA_MAX, count); }
#endif
