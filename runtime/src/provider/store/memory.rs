//! The in-process store: the default, and what tests use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{
    CodeEntry, CodeGrant, Family, Issued, ProviderStore, StoreError, StoreResult, StoredKey,
};

/// Keeps the provider's state in this process: lost on restart (signing
/// keys included, so every token issued before stops verifying), and not
/// shared with other instances. Clones share one store.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    keys: Vec<StoredKey>,
    codes: HashMap<String, CodeEntry>,
    families: HashMap<String, Family>,
    /// Refresh-token digest to family id, earlier tokens included.
    refresh: HashMap<String, String>,
    revoked: HashMap<String, u64>,
    consents: HashMap<(String, String), String>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> StoreResult<MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| StoreError("a thread panicked while holding the memory store".into()))
    }
}

impl Inner {
    /// Forgets expired codes, families and revocations, so the store stays
    /// as large as what is still valid.
    fn forget(&mut self, now: u64) {
        self.codes.retain(|_, entry| entry.grant.expires_at > now);
        self.revoked.retain(|_, exp| *exp > now);
        let families = &mut self.families;
        families.retain(|_, family| family.expires_at > now);
        self.refresh
            .retain(|_, family| families.contains_key(family));
    }
}

#[rocket::async_trait]
impl ProviderStore for MemoryStore {
    async fn keys(&self) -> StoreResult<Vec<StoredKey>> {
        Ok(self.lock()?.keys.clone())
    }

    async fn add_key(&self, key: StoredKey) -> StoreResult<()> {
        self.lock()?.keys.push(key);
        Ok(())
    }

    async fn remove_key(&self, kid: &str) -> StoreResult<()> {
        self.lock()?.keys.retain(|key| key.kid != kid);
        Ok(())
    }

    async fn put_code(&self, digest: &str, grant: CodeGrant, now: u64) -> StoreResult<()> {
        let mut inner = self.lock()?;
        inner.forget(now);
        let entry = CodeEntry {
            grant,
            redeemed: None,
        };
        inner.codes.insert(digest.to_owned(), entry);
        Ok(())
    }

    async fn code(&self, digest: &str, now: u64) -> StoreResult<Option<CodeEntry>> {
        let inner = self.lock()?;
        let entry = inner.codes.get(digest);
        Ok(entry.filter(|entry| entry.grant.expires_at > now).cloned())
    }

    async fn redeem_code(&self, digest: &str, issued: Issued) -> StoreResult<bool> {
        let mut inner = self.lock()?;
        match inner.codes.get_mut(digest) {
            Some(entry) if entry.redeemed.is_none() => {
                entry.redeemed = Some(issued);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn put_family(&self, family: Family, now: u64) -> StoreResult<()> {
        let mut inner = self.lock()?;
        inner.forget(now);
        inner
            .refresh
            .insert(family.current.clone(), family.id.clone());
        inner.families.insert(family.id.clone(), family);
        Ok(())
    }

    async fn family_of(&self, digest: &str) -> StoreResult<Option<Family>> {
        let inner = self.lock()?;
        let family = inner
            .refresh
            .get(digest)
            .and_then(|id| inner.families.get(id));
        Ok(family.cloned())
    }

    async fn rotate(
        &self,
        family: &str,
        old: &str,
        new: &str,
        access: (String, u64),
    ) -> StoreResult<bool> {
        let mut inner = self.lock()?;
        let Some(entry) = inner.families.get_mut(family) else {
            return Ok(false);
        };
        if entry.revoked || entry.current != old {
            return Ok(false);
        }
        entry.current = new.to_owned();
        entry.access.push(access);
        inner.refresh.insert(new.to_owned(), family.to_owned());
        Ok(true)
    }

    async fn revoke_family(&self, family: &str) -> StoreResult<()> {
        let mut inner = self.lock()?;
        let Some(entry) = inner.families.get_mut(family) else {
            return Ok(());
        };
        entry.revoked = true;
        let access = std::mem::take(&mut entry.access);
        inner.revoked.extend(access);
        Ok(())
    }

    async fn revoke_access(&self, jti: &str, exp: u64, now: u64) -> StoreResult<()> {
        let mut inner = self.lock()?;
        inner.forget(now);
        inner.revoked.insert(jti.to_owned(), exp);
        Ok(())
    }

    async fn is_revoked(&self, jti: &str) -> StoreResult<bool> {
        Ok(self.lock()?.revoked.contains_key(jti))
    }

    async fn consent(&self, sub: &str, client_id: &str) -> StoreResult<Option<String>> {
        let key = (sub.to_owned(), client_id.to_owned());
        Ok(self.lock()?.consents.get(&key).cloned())
    }

    async fn put_consent(&self, sub: &str, client_id: &str, scope: &str) -> StoreResult<()> {
        let key = (sub.to_owned(), client_id.to_owned());
        self.lock()?.consents.insert(key, scope.to_owned());
        Ok(())
    }
}
