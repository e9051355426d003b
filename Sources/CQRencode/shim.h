#ifndef DEPOT_CQRENCODE_SHIM_H
#define DEPOT_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
