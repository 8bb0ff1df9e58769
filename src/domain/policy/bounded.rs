//! A map for process-wide caches that empties itself when full instead of growing without
//! bound: the compiled globs and rule sets of every workspace a process ever served.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

pub struct Bounded<K, V> {
    map: HashMap<K, V>,
    cap: usize,
}

impl<K: Eq + Hash, V: Clone> Bounded<K, V> {
    pub fn new(cap: usize) -> Bounded<K, V> {
        Bounded {
            map: HashMap::new(),
            cap,
        }
    }

    pub fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.map.get(key).cloned()
    }

    /// Keeps `value`; a full map is emptied first (what it held is read again when needed).
    pub fn keep(&mut self, key: K, value: V) {
        if self.map.len() >= self.cap {
            self.map.clear();
        }
        self.map.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_holds_up_to_its_capacity_and_empties_itself_past_it() {
        let mut m = Bounded::new(2);
        m.keep("a", 1);
        m.keep("b", 2);
        assert_eq!((m.get("a"), m.get("b")), (Some(1), Some(2)));
        m.keep("c", 3);
        assert_eq!((m.get("a"), m.get("b"), m.get("c")), (None, None, Some(3)));
    }
}
