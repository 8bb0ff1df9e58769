//! Authenticated API keys, remembered for a second. Every API request starts by looking its
//! key up, and that read was a quarter of a cached `GET /api/pause/:id`; an agent polling in a
//! loop presents the same key thousands of times a second.
//!
//! Revoking a key in the dashboard empties the cache at once. A key revoked by the CLI (another
//! process, which cannot reach this cache) stops working within [`TTL`].
//! A remembered key carries its expiry, which the extractor checks at every use against the
//! request's clock: the cache never serves a key past it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::api_keys::AuthKey;

/// How long a looked-up key is trusted without asking the database again.
pub const TTL: Duration = Duration::from_secs(1);
/// Keys remembered at most; past it the cache starts over (it refills in one request per key).
const MAX_KEYS: usize = 10_000;

type Digest = [u8; 32];

#[derive(Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<Digest, (AuthKey, Instant)>>,
}

impl KeyCache {
    /// The key with this SHA-256 digest if it was found valid less than [`TTL`] ago.
    pub fn get(&self, digest: &Digest) -> Option<AuthKey> {
        let keys = self.keys.lock().expect("key cache lock");
        match keys.get(digest) {
            Some((key, at)) if at.elapsed() < TTL => Some(*key),
            _ => None,
        }
    }

    /// Remembers a key just found valid in the database.
    pub fn put(&self, digest: Digest, key: AuthKey) {
        let mut keys = self.keys.lock().expect("key cache lock");
        if keys.len() >= MAX_KEYS {
            keys.clear();
        }
        keys.insert(digest, (key, Instant::now()));
    }

    /// Records that a key's `last_used_at` was just written, so the next hit does not write it
    /// again.
    pub fn touched(&self, digest: &Digest, now: i64) {
        if let Some((key, _)) = self.keys.lock().expect("key cache lock").get_mut(digest) {
            key.last_used_at = Some(now);
        }
    }

    /// Forgets every key: called after a revocation.
    pub fn clear(&self) {
        self.keys.lock().expect("key cache lock").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{ApiKeyId, WorkspaceId};

    fn key(id: i64) -> AuthKey {
        AuthKey {
            id: ApiKeyId(id),
            workspace_id: WorkspaceId(1),
            test: false,
            last_used_at: None,
            scopes: crate::domain::scopes::Scopes::default_for_new_key(),
            expires_at: None,
        }
    }

    #[test]
    fn a_key_is_remembered_until_cleared() {
        let cache = KeyCache::default();
        cache.put([1; 32], key(7));
        assert_eq!(cache.get(&[1; 32]).map(|k| k.id), Some(ApiKeyId(7)));
        assert!(cache.get(&[2; 32]).is_none());
        cache.touched(&[1; 32], 42);
        assert_eq!(cache.get(&[1; 32]).and_then(|k| k.last_used_at), Some(42));
        cache.clear();
        assert!(cache.get(&[1; 32]).is_none());
    }
}
