#ifndef DEPOT_CFASTCGI_SHIM_H
#define DEPOT_CFASTCGI_SHIM_H
// fcgiapp.h only: fcgi_stdio.h redefines stdio and must never be included.
#include <fcgiapp.h>
#endif
