//! Password hashing and verification (argon2id with the crate's defaults, OWASP's current
//! recommendation: m = 19 MiB, t = 2, p = 1) on a small fixed pool of threads.
//!
//! Each hash needs 19 MiB of working memory. Run on whatever blocking thread is free, a burst
//! of sign-ins allocates one block set per thread and the allocator keeps them all (30
//! concurrent sign-ins were measured at 13 → 508 MB RSS). Here a fixed number of threads each
//! own one block set for their whole life, so memory is `threads × 19 MiB` whatever the
//! burst, and further attempts wait in the pool's queue.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::{AppError, AppResult};

/// Unknown, disabled and invited users are checked against this hash so a sign-in costs the
/// same whether or not the account exists. It is a constant (the hash of a random password that
/// was thrown away), not computed at start: hashing at start made a hashing thread keep its
/// 19 MiB from the first second on and delayed readiness (bench/results.md, 6c and 6d). Its
/// parameters are the ones new hashes get, so checking it costs what checking a real one does.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$hWqXpryTSY+4SPqJeCee8A$BKUvz2GU0OovpVD3UdFwsHWL4Bft4uMPgHIlUkLf134";

type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The hashing threads and their queue.
pub struct Pool {
    jobs: mpsc::Sender<Job>,
    threads: usize,
    verifications: AtomicU64,
}

impl Pool {
    /// Starts `threads` hashing threads (at least one). A thread takes its 19 MiB on its first
    /// job, not before.
    pub fn start(threads: usize) -> anyhow::Result<Arc<Pool>> {
        let threads = threads.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("holdpoint-hash-{i}"))
                .spawn(move || work(&rx))?;
        }
        Ok(Arc::new(Pool {
            jobs: tx,
            threads,
            verifications: AtomicU64::new(0),
        }))
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Password verifications run so far (the dummy ones included): what the sign-in throttle
    /// is meant to bound, so tests count it.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Queues `f` on a hashing thread and waits for its answer without blocking the runtime.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> AppResult<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |blocks| {
            let _ = tx.send(f(blocks));
        });
        let stopped = || AppError::Internal(anyhow::anyhow!("the hashing threads stopped"));
        self.jobs.send(job).map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())
    }

    /// A PHC string for a new password.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.run(move |blocks| hash_with(&password, blocks))
            .await?
            .map_err(AppError::Internal)
    }

    /// Checks `password` against a stored PHC string. `None` (no such user, or one who cannot
    /// sign in) is checked against the dummy hash and never matches.
    pub async fn verify(&self, stored: Option<String>, password: String) -> AppResult<bool> {
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let real = stored.is_some();
        let hash = stored.unwrap_or_else(|| DUMMY_HASH.to_string());
        let ok = self
            .run(move |blocks| verify_with(&hash, &password, blocks))
            .await?;
        Ok(ok && real)
    }
}

/// A hashing thread: one block set, reused for every job until the queue closes.
fn work(rx: &Mutex<mpsc::Receiver<Job>>) {
    let mut blocks = Vec::new();
    loop {
        let job = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(&mut blocks),
            Err(_) => return,
        }
    }
}

/// Grows `blocks` to what `params` need (once per thread for the default parameters).
fn blocks_for<'a>(blocks: &'a mut Vec<Block>, params: &Params) -> &'a mut [Block] {
    let n = params.block_count();
    if blocks.len() < n {
        blocks.resize(n, Block::default());
    }
    &mut blocks[..n]
}

/// Hashes on the calling thread with its own block set: for one-off use (the CLI).
pub fn hash(password: &str) -> anyhow::Result<String> {
    hash_with(password, &mut Vec::new())
}

/// As [`Pool::verify`] with a known stored hash, on the calling thread.
pub fn verify(stored: &str, password: &str) -> bool {
    verify_with(stored, password, &mut Vec::new())
}

fn hash_with(password: &str, blocks: &mut Vec<Block>) -> anyhow::Result<String> {
    let fail = |e: &dyn std::fmt::Display| anyhow::anyhow!("password hashing failed: {e}");
    let params = Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output =
        raw_hash(&argon, &params, password, salt_raw, len, blocks).map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Argon2 of `password` into an output of `len` bytes, in this thread's reused `blocks`.
fn raw_hash(
    argon: &Argon2<'_>,
    params: &Params,
    password: &str,
    salt: &[u8],
    len: usize,
    blocks: &mut Vec<Block>,
) -> Result<Output, argon2::password_hash::Error> {
    Output::init_with(len, |out| {
        argon
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                out,
                blocks_for(blocks, params),
            )
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
}

/// An empty or malformed stored hash (an invited user) never matches. The comparison of the
/// outputs is constant-time (`Output`'s equality).
fn verify_with(stored: &str, password: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(phc.algorithm), Params::try_from(&phc))
    else {
        return false;
    };
    let version = phc
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .unwrap_or(Version::V0x13);
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_raw) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let computed = raw_hash(&argon, &params, password, salt_raw, expected.len(), blocks);
    computed.is_ok_and(|c| c == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_verify_with_the_argon2_crate_and_the_other_way_round() {
        let ours = hash("correct horse").unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        assert!(verify(&ours, "correct horse"));
        assert!(!verify(&ours, "correct horsE"));

        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"battery staple", &salt)
            .unwrap()
            .to_string();
        assert!(verify(&theirs, "battery staple"));
        assert!(!verify(&theirs, "battery stapler"));
        assert!(!verify("", "battery staple"), "an invited user has no hash");
        assert!(!verify("$argon2id$garbage", "x"));
    }

    #[tokio::test]
    async fn the_pool_reuses_its_blocks_and_never_matches_the_dummy() {
        let pool = Pool::start(1).unwrap();
        let stored = pool.hash("s3cret-pass".into()).await.unwrap();
        assert!(pool
            .verify(Some(stored.clone()), "s3cret-pass".into())
            .await
            .unwrap());
        assert!(!pool.verify(Some(stored), "wrong".into()).await.unwrap());
        assert!(!pool.verify(None, "s3cret-pass".into()).await.unwrap());
        assert_eq!(pool.verifications(), 3);
    }

    #[test]
    fn the_dummy_hash_has_the_parameters_new_hashes_get_so_it_costs_the_same() {
        let params = |phc: &str| {
            let parsed = PasswordHash::new(phc).unwrap();
            (
                parsed.algorithm.to_string(),
                parsed.version,
                Params::try_from(&parsed).unwrap(),
                parsed.hash.unwrap().len(),
            )
        };
        assert_eq!(params(DUMMY_HASH), params(&hash("anything").unwrap()));
        assert!(!verify(DUMMY_HASH, ""));
    }
}
