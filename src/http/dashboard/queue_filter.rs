//! The inbox's address: `?pause=` (the pause in the right pane), `?kind=`, `?agent=` and
//! `?mine=1` (the list's filters) and `?after=` (where a decision made in the pane lands). The query is read
//! leniently: a value that means nothing is ignored and the page says so, never an error page.

use super::format::shown;
use crate::domain::ids::UserId;
use crate::domain::kind::Kind;
use crate::domain::queue::QueueFilter;

/// Longer agent names than this are not names an agent sent.
const MAX_AGENT_CHARS: usize = 200;

#[derive(Debug, Default, Clone)]
pub struct QueueQuery {
    pub filter: QueueFilter,
    /// As written in the address; checked when the pane is built.
    pub pause: Option<String>,
    pub after: Option<String>,
    /// `?mine=1`: only pauses routed to the reader's groups or to none, that they have not
    /// voted on (the filter needs the reader: [`QueueQuery::filter_for`]).
    pub mine: bool,
    /// What was ignored, as sentences for the list's header.
    pub notes: Vec<String>,
}

impl QueueQuery {
    pub fn parse(query: &str) -> QueueQuery {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let mut q = QueueQuery::default();
        for (name, value) in pairs {
            let value = value.trim().to_string();
            match name.as_str() {
                "pause" if !value.is_empty() => q.pause = Some(value),
                "after" if !value.is_empty() => q.after = Some(value),
                "mine" => match value.as_str() {
                    "1" => q.mine = true,
                    "" | "0" => q.mine = false,
                    _ => q.notes.push(
                        "“mine” is 1 (only what you may still vote on) or 0: showing every pause."
                            .into(),
                    ),
                },
                "kind" if !value.is_empty() => match Kind::from_name(&value) {
                    Some(kind) => q.filter.kind = Some(kind),
                    None => q.notes.push(format!(
                        "There is no kind “{}”: showing every kind (approval, question or plan).",
                        shown(&clip(&value))
                    )),
                },
                "agent" if !value.is_empty() => {
                    if value.chars().count() > MAX_AGENT_CHARS
                        || value.chars().any(char::is_control)
                    {
                        q.notes.push(
                            "That agent name is not one an agent sends: showing every agent."
                                .into(),
                        );
                    } else {
                        q.filter.agent = Some(value);
                    }
                }
                _ => {}
            }
        }
        q
    }

    /// `kind=plan&agent=deploy-bot`, empty when the list is not filtered.
    pub fn filter_query(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if let Some(kind) = self.filter.kind {
            pairs.push(("kind", kind.as_str()));
        }
        if let Some(agent) = &self.filter.agent {
            pairs.push(("agent", agent));
        }
        if self.mine {
            pairs.push(("mine", "1"));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// The list's filter for `reader`.
    pub fn filter_for(&self, reader: UserId) -> QueueFilter {
        QueueFilter {
            mine: self.mine.then_some(reader),
            ..self.filter.clone()
        }
    }

    /// The same list with the "Mine" filter switched (the filter bar's toggle).
    pub fn mine_toggled(&self) -> String {
        let flipped = QueueQuery {
            mine: !self.mine,
            ..self.clone()
        };
        flipped.link(None)
    }

    /// The inbox with `pause` in the pane (or none), keeping the filters.
    pub fn link(&self, pause: Option<&str>) -> String {
        let filters = self.filter_query();
        match (pause, filters.is_empty()) {
            (Some(id), true) => format!("/?pause={id}"),
            (Some(id), false) => format!("/?pause={id}&{filters}"),
            (None, true) => "/".into(),
            (None, false) => format!("/?{filters}"),
        }
    }

    /// Where a decision made in the pane on `watch_id` sends the browser: the inbox works out
    /// the next pending pause when it gets there (see `inbox::after`).
    pub fn after_link(&self, watch_id: &str) -> String {
        let filters = self.filter_query();
        match filters.is_empty() {
            true => format!("/?after={watch_id}"),
            false => format!("/?after={watch_id}&{filters}"),
        }
    }
}

/// A value quoted back to the reader, cut to a readable length.
fn clip(value: &str) -> String {
    match value.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &value[..i]),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_survive_a_round_trip_through_the_address() {
        let q = QueueQuery::parse("kind=plan&agent=deploy+bot%26co&pause=abc");
        assert_eq!(q.filter.kind, Some(Kind::Plan));
        assert_eq!(q.filter.agent.as_deref(), Some("deploy bot&co"));
        assert_eq!(q.pause.as_deref(), Some("abc"));
        assert_eq!(
            q.link(Some("x")),
            "/?pause=x&kind=plan&agent=deploy+bot%26co"
        );
        assert_eq!(q.mine_toggled(), "/?kind=plan&agent=deploy+bot%26co&mine=1");
        let mine = QueueQuery::parse("mine=1");
        assert_eq!(mine.filter_for(UserId(7)).mine, Some(UserId(7)));
        assert_eq!(
            (mine.link(None), mine.mine_toggled()),
            ("/?mine=1".into(), "/".into())
        );
        assert_eq!(QueueQuery::parse("mine=0").filter_for(UserId(7)).mine, None);
        let odd = QueueQuery::parse("mine=yes");
        assert_eq!((odd.mine, odd.notes.len()), (false, 1));
        assert!(q.notes.is_empty());
    }

    #[test]
    fn a_kind_that_does_not_exist_is_ignored_and_said() {
        let q = QueueQuery::parse("kind=<b>nope</b>&agent=");
        assert_eq!(q.filter, QueueFilter::default());
        assert_eq!(q.notes.len(), 1);
        assert!(q.notes[0].contains("<b>nope</b>"), "{:?}", q.notes);
        assert_eq!(q.link(None), "/");
    }

    #[test]
    fn a_malformed_query_is_an_unfiltered_inbox() {
        let q = QueueQuery::parse("%zz=%%&kind");
        assert_eq!(q.filter, QueueFilter::default());
    }
}
