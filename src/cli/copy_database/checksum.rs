//! A table's fingerprint, computed alike from SQLite's rows and PostgreSQL's.
//!
//! Each row is rendered canonically (per value: its storage class, then its bytes; lengths
//! before text and blobs, so no two rows render alike) and hashed with SHA-256; the table's
//! sum is the row count and the sum of those digests modulo 2^256. A sum does not depend on
//! the order the rows come in, so neither side has to sort them: "primary-key order" would
//! otherwise need PostgreSQL's text columns ordered `COLLATE "C"` to match SQLite's byte
//! order, and a sort of every large table. Moving a value from one row to another changes
//! both rows' digests, so only the order of whole rows is forgotten, which a table does not
//! have anyway.

use sha2::{Digest, Sha256};

use crate::db::sql::ValueRef;

/// Rows counted and their digests summed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TableSum {
    pub rows: u64,
    /// Little-endian 64-bit limbs of a 256-bit number.
    sum: [u64; 4],
}

impl TableSum {
    /// Adds one row, given as its values in column order.
    pub fn add_row<'v>(&mut self, values: impl IntoIterator<Item = ValueRef<'v>>) {
        let mut hasher = Sha256::new();
        for value in values {
            feed(&mut hasher, value);
        }
        self.add_digest(&hasher.finalize().into());
        self.rows += 1;
    }

    fn add_digest(&mut self, digest: &[u8; 32]) {
        let mut carry = false;
        for (i, limb) in self.sum.iter_mut().enumerate() {
            let part = u64::from_le_bytes(digest[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
            let (s1, c1) = limb.overflowing_add(part);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            *limb = s2;
            carry = c1 || c2;
        }
    }

    /// The sum in hex (most significant first), shortened for messages.
    pub fn short_hex(&self) -> String {
        format!("{:016x}{:016x}", self.sum[3], self.sum[2])
    }
}

/// One value in canonical form: a class tag, then a fixed-width number or a length and bytes.
fn feed(hasher: &mut Sha256, value: ValueRef<'_>) {
    match value {
        ValueRef::Null => hasher.update([0]),
        ValueRef::Integer(i) => {
            hasher.update([1]);
            hasher.update(i.to_be_bytes());
        }
        ValueRef::Real(f) => {
            hasher.update([2]);
            hasher.update(f.to_bits().to_be_bytes());
        }
        ValueRef::Text(t) => bytes(hasher, 3, t.as_bytes()),
        ValueRef::Blob(b) => bytes(hasher, 4, b),
    }
}

fn bytes(hasher: &mut Sha256, tag: u8, b: &[u8]) {
    hasher.update([tag]);
    hasher.update((b.len() as u64).to_be_bytes());
    hasher.update(b);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(rows: &[&[ValueRef<'_>]]) -> TableSum {
        let mut s = TableSum::default();
        for row in rows {
            s.add_row(row.iter().copied());
        }
        s
    }

    #[test]
    fn the_sum_ignores_row_order_but_not_which_row_holds_a_value() {
        use ValueRef::*;
        let a: &[ValueRef] = &[Integer(1), Text("x")];
        let b: &[ValueRef] = &[Integer(2), Text("y")];
        assert_eq!(sum(&[a, b]), sum(&[b, a]));
        let swapped: &[&[ValueRef]] = &[&[Integer(1), Text("y")], &[Integer(2), Text("x")]];
        assert_ne!(sum(&[a, b]), sum(swapped));
        assert_ne!(sum(&[a, b]), sum(&[a, b, b]), "a duplicate row counts");
        assert_eq!(sum(&[a, b]).rows, 2);
    }

    #[test]
    fn values_of_different_classes_or_boundaries_render_differently() {
        use ValueRef::*;
        let one = |v: ValueRef| sum(&[&[v]]);
        assert_ne!(one(Integer(1)), one(Real(1.0)));
        assert_ne!(one(Text("ab")), one(Blob(b"ab")));
        assert_ne!(one(Null), one(Text("")));
        assert_ne!(
            sum(&[&[Text("ab"), Text("")]]),
            sum(&[&[Text("a"), Text("b")]])
        );
    }

    #[test]
    fn the_256_bit_sum_carries_between_limbs_and_wraps() {
        let mut s = TableSum::default();
        s.add_digest(&[0xff; 32]);
        s.add_digest(&{
            let mut one = [0u8; 32];
            one[0] = 1;
            one
        });
        assert_eq!(s.sum, [0; 4], "2^256 - 1 + 1 wraps to zero");
    }
}
