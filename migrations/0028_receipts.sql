-- Signed decision receipts (issue 23): the Ed25519 keys every process of a deployment signs
-- with, and the receipt each decided pause carries.

-- The signer is the newest key not retired (highest id); retired keys stay for the JWKS until
-- their keep window has passed. `private_key` is the 32-byte Ed25519 seed: a secret, never
-- logged and never served (the database file is private already). `kid` is the RFC 7638
-- thumbprint of the public key.
CREATE TABLE signing_keys (
    id          INTEGER PRIMARY KEY,
    kid         TEXT NOT NULL UNIQUE,
    private_key BLOB NOT NULL CHECK (length(private_key) = 32),
    public_key  BLOB NOT NULL CHECK (length(public_key) = 32),
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
);

-- The compact JWS made once in the transaction that decided the pause; NULL for pauses not
-- decided (pending, cancelled, expired) and for decisions made before receipts existed.
ALTER TABLE pauses ADD COLUMN receipt TEXT;
