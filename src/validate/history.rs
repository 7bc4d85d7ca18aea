//! Last month's values (`History`), as the cross-period rules (累计数小于上月, 大起大落) read
//! them: by township, form and record key, with column ids shared. The pipeline reads them
//! from the store before validating; validation itself does no I/O.

use std::sync::Arc;

use crate::period::Period;
use crate::{FastMap, FastSet};

/// Last month's values of one record: (column id, number).
pub type RecordValues = Vec<(Arc<str>, f64)>;

/// Last month's values of one township: form → record key → (column, number). Keyed this way
/// (rather than by a `(form, key, column)` triple of strings) because at province scale last
/// month has about a million values: each record's key is kept once, column ids are shared
/// across the whole history, and a record's values are looked up once per record.
#[derive(Debug, Clone, Default)]
pub struct TownshipHistory {
    forms: FastMap<Box<str>, FastMap<Box<str>, RecordValues>>,
}

impl TownshipHistory {
    /// Last month's values of one record (village or project) of a form, by column id.
    pub fn record(&self, form: &str, key: &str) -> Option<&[(Arc<str>, f64)]> {
        self.forms.get(form)?.get(key).map(Vec::as_slice)
    }

    /// The keys of last month's records of a form (`None`: the form was not reported).
    pub fn keys(&self, form: &str) -> Option<impl Iterator<Item = &str>> {
        self.forms.get(form).map(|records| records.keys().map(|k| &**k))
    }
}

/// Last month's values, by township. `period` is `None` when the store has no previous month.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub period: Option<Period>,
    townships: FastMap<Box<str>, TownshipHistory>,
    /// Column ids, shared by every record that has them.
    columns: FastSet<Arc<str>>,
}

impl History {
    /// An empty history of last month's values (`period`: the month they are of).
    pub fn of(period: Period) -> History {
        History { period: Some(period), ..History::default() }
    }

    /// Remember one value of last month; a later value of the same cell replaces it.
    pub fn insert(&mut self, township: &str, form: &str, key: &str, column: &str, value: f64) {
        self.insert_record(township, form, key, [(column, value)]);
    }

    /// Remember values of one record of last month (looked up once for all its columns).
    pub fn insert_record<'c>(&mut self, township: &str, form: &str, key: &str, values: impl IntoIterator<Item = (&'c str, f64)>) {
        // A record without numbers is kept too (by its key): a project or registry item last
        // month that is gone this month is a warning (W14) whether or not it had figures.
        let values = values.into_iter();
        let columns = &mut self.columns;
        let mut shared = |column: &str| match columns.get(column) {
            Some(shared) => shared.clone(),
            None => {
                let shared: Arc<str> = Arc::from(column);
                columns.insert(shared.clone());
                shared
            }
        };
        let per_township = match self.townships.get_mut(township) {
            Some(t) => t,
            None => self.townships.entry(township.into()).or_default(),
        };
        let per_form = match per_township.forms.get_mut(form) {
            Some(f) => f,
            None => per_township.forms.entry(form.into()).or_default(),
        };
        let record = match per_form.get_mut(key) {
            Some(v) => v,
            None => per_form.entry(key.into()).or_default(),
        };
        if record.is_empty() {
            record.reserve_exact(values.size_hint().0);
        }
        for (column, value) in values {
            match record.iter_mut().find(|(c, _)| **c == *column) {
                Some(slot) => slot.1 = value,
                None => record.push((shared(column), value)),
            }
        }
    }

    /// Last month's values of one township.
    pub fn township(&self, name: &str) -> Option<&TownshipHistory> {
        self.townships.get(name)
    }

    /// The shared id of a column that has values in last month's records: every record's
    /// `(column, number)` pairs hold this very `Arc`, so a column is found in them by pointer.
    pub fn column(&self, id: &str) -> Option<&Arc<str>> {
        self.columns.get(id)
    }
}
