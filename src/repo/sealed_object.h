// Sealed metadata objects (index files, snapshots, locks): an envelope
//   version(1)=1 || key_domain(1) || flags(1) || reserved(1)=0 || nonce || ct || tag
// where flags bit 0 means the plaintext was zstd-compressed before sealing, and the
// associated data is "strata/v1/<kind>" followed by the first four envelope bytes.
#pragma once
#include <string>

#include "common/bytes.h"
#include "crypto/aead.h"

namespace strata::repo {

enum class ObjectKind { index, snapshot, lock };

const char* object_dir(ObjectKind kind);  // "index", "snapshots", "locks"

Bytes seal_object(const crypto::Aead& aead, ObjectKind kind, ByteView plaintext);
// Returns false if the envelope is malformed or fails authentication.
bool open_object(const crypto::Aead& aead, ObjectKind kind, ByteView sealed, Bytes& out);

}  // namespace strata::repo
