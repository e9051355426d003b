#ifndef DEPOT_CLINUX_SHIM_H
#define DEPOT_CLINUX_SHIM_H
// Linux calls that glibc declares only under _GNU_SOURCE. Defining that here would change the
// system headers under the other C modules, so the one prototype is declared as glibc has it.
#include <stddef.h>
#include <fcntl.h>

extern long copy_file_range(int in_fd, long *in_offset, int out_fd, long *out_offset, size_t count, unsigned int flags);

// copy_file_range(2): the kernel copies between two files (or shares extents), no user-space buffer.
static inline long depot_copy_file_range(int in, long *in_offset, int out, size_t count) {
    return copy_file_range(in, in_offset, out, NULL, count, 0);
}

// O_DIRECT, which glibc names only under _GNU_SOURCE; its value differs between architectures.
static inline int depot_o_direct(void) { return __O_DIRECT; }
#endif
