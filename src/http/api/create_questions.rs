//! The `questions` of a question pause's create body: counts, lengths, uniqueness and the
//! contradictions the reference run API also refuses. Pure, like the rest of the body parser.

use crate::domain::kind::Kind;
use crate::domain::questions::{Question, QuestionOption};
use crate::error::{AppError, AppResult};
use crate::wire::{OptionBody, QuestionBody};

pub const MAX_QUESTIONS: usize = 10;
pub const MAX_OPTIONS: usize = 10;
pub const MAX_HEADER_CHARS: usize = 40;
/// A question's text is also its key in `answers`, so it stays a sentence, not a document.
pub const MAX_QUESTION_CHARS: usize = 500;
pub const MAX_LABEL_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// `questions` come exactly with kind `question`: validated, or refused for every other kind
/// (a plan's own members are checked in `create_plan`).
pub fn for_kind(
    kind: Kind,
    questions: Option<Vec<QuestionBody>>,
) -> AppResult<Option<Vec<Question>>> {
    match (kind, questions) {
        (Kind::Question, Some(q)) => validate(q).map(Some),
        (Kind::Question, None) => Err(AppError::invalid(
            "questions",
            "a pause of kind `question` needs `questions`: 1 to 10 questions to answer",
        )),
        (other, Some(_)) => Err(AppError::invalid(
            "questions",
            format!(
                "`questions` are only for pauses of kind `question` (this one is `{other}`); \
                 send `\"kind\": \"question\"`"
            ),
        )),
        (_, None) => Ok(None),
    }
}

/// Validates the questions and fills in the defaults (a question without options allows free
/// text). Errors name the field: `questions[1].options[0].label`.
pub fn validate(raw: Vec<QuestionBody>) -> AppResult<Vec<Question>> {
    if raw.is_empty() || raw.len() > MAX_QUESTIONS {
        return Err(AppError::invalid(
            "questions",
            format!(
                "`questions` must hold 1 to {MAX_QUESTIONS} questions (got {})",
                raw.len()
            ),
        ));
    }
    let mut out: Vec<Question> = Vec::with_capacity(raw.len());
    for (i, q) in raw.into_iter().enumerate() {
        let q = question(&format!("questions[{i}]"), q)?;
        if out.iter().any(|seen| seen.question == q.question) {
            return Err(AppError::invalid(
                format!("questions[{i}].question"),
                format!(
                    "the question “{}” is asked twice; question texts must be unique within a pause \
                     (they are the keys of `answers`)",
                    q.question
                ),
            ));
        }
        out.push(q);
    }
    Ok(out)
}

fn question(at: &str, q: QuestionBody) -> AppResult<Question> {
    let text = text(&format!("{at}.question"), &q.question, MAX_QUESTION_CHARS)?;
    let header = match q.header.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(h) => Some(text_of(&format!("{at}.header"), h, MAX_HEADER_CHARS)?),
    };
    if q.options.len() > MAX_OPTIONS {
        return Err(AppError::invalid(
            format!("{at}.options"),
            format!(
                "a question has 0 to {MAX_OPTIONS} options (got {})",
                q.options.len()
            ),
        ));
    }
    let mut options: Vec<QuestionOption> = Vec::with_capacity(q.options.len());
    for (j, o) in q.options.into_iter().enumerate() {
        let o = option(&format!("{at}.options[{j}]"), o)?;
        if options.iter().any(|seen| seen.label == o.label) {
            return Err(AppError::invalid(
                format!("{at}.options[{j}].label"),
                format!(
                    "the label “{}” appears twice in “{text}”; labels must be unique within a question",
                    o.label
                ),
            ));
        }
        options.push(o);
    }
    combine(at, text, header, options, q.multi_select, q.allow_free_text)
}

/// The defaults, and the combinations that make no sense.
fn combine(
    at: &str,
    question: String,
    header: Option<String>,
    options: Vec<QuestionOption>,
    multi_select: Option<bool>,
    allow_free_text: Option<bool>,
) -> AppResult<Question> {
    if options.is_empty() && allow_free_text == Some(false) {
        return Err(AppError::invalid(
            format!("{at}.allowFreeText"),
            format!(
                "“{question}” has no options, so it can only be answered with free text; \
                 give it options or drop `allowFreeText: false`"
            ),
        ));
    }
    if options.is_empty() && multi_select == Some(true) {
        return Err(AppError::invalid(
            format!("{at}.multiSelect"),
            format!("“{question}” has no options to select several of; give it options"),
        ));
    }
    Ok(Question {
        allow_free_text: allow_free_text.unwrap_or(options.is_empty()),
        multi_select: multi_select.unwrap_or(false),
        question,
        header,
        options,
    })
}

fn option(at: &str, o: OptionBody) -> AppResult<QuestionOption> {
    let label = text(&format!("{at}.label"), &o.label, MAX_LABEL_CHARS)?;
    let description = match o.description.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(text_of(
            &format!("{at}.description"),
            d,
            MAX_DESCRIPTION_CHARS,
        )?),
    };
    Ok(QuestionOption { label, description })
}

/// Trimmed, non-empty text of at most `max` characters.
fn text(field: &str, raw: &str, max: usize) -> AppResult<String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(AppError::invalid(
            field,
            format!("`{field}` must not be empty"),
        ));
    }
    text_of(field, t, max)
}

fn text_of(field: &str, t: &str, max: usize) -> AppResult<String> {
    let chars = t.chars().count();
    if chars > max {
        return Err(AppError::invalid(
            field,
            format!("`{field}` has at most {max} characters (got {chars})"),
        ));
    }
    if t.contains('\0') {
        return Err(AppError::invalid(
            field,
            format!("`{field}` must not contain NUL characters"),
        ));
    }
    Ok(t.to_string())
}
