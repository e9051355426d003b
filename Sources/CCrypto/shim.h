#ifndef DEPOT_CCRYPTO_SHIM_H
#define DEPOT_CCRYPTO_SHIM_H
// OpenSSL's libcrypto: EVP digests (SHA-256) and HMAC.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#endif
