#ifndef DEPOT_CZLIB_SHIM_H
#define DEPOT_CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2 is a macro (it passes the version and struct size), invisible to Swift.
static inline int depot_deflate_init2(z_streamp stream, int level, int windowBits, int memLevel) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, memLevel, Z_DEFAULT_STRATEGY);
}
#endif
