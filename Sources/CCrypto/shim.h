#ifndef DEPOT_CCRYPTO_SHIM_H
#define DEPOT_CCRYPTO_SHIM_H
// OpenSSL's libcrypto: EVP digests and HMAC, and the low-level SHA-256 context, whose state a
// resumable upload saves between requests (OpenSSL 3 marks that interface deprecated, not removed).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#endif
