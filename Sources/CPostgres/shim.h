#ifndef DEPOT_CPOSTGRES_SHIM_H
#define DEPOT_CPOSTGRES_SHIM_H
#include <libpq-fe.h>
#endif
