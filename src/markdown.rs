//! Agent-written Markdown (a plan) as HTML that is safe to put in a page or an email: raw HTML
//! is shown as text, never passed through; links carry `rel="noopener noreferrer nofollow"`;
//! a link whose scheme is not http(s) or mailto (`javascript:`, `data:`, `vbscript:` ...) goes
//! nowhere; images are not loaded (a remote image in an email is a tracking pixel) but shown as
//! links to them.

use crate::domain::text::{escape_html as escape, mark_bidi};
use pulldown_cmark::{html, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

const REL: &str = "noopener noreferrer nofollow";

/// The HTML of `markdown`; every piece of agent text in it is escaped.
pub fn to_html(markdown: &str) -> String {
    // Bidi controls become visible markers before parsing: the markers are plain ASCII.
    let markdown = &*mark_bidi(markdown);
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(markdown, options).map(defuse);
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The words of `markdown` without its markup (no `**`, backticks or `#`), blocks joined by a
/// space: a plan's one-line preview in the queue. Raw HTML stays as text, as on the page.
pub fn to_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    ) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak | Event::Rule => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::TableCell,
            ) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One event made safe. `Event::Html` is written verbatim by `push_html`, so after this it only
/// ever carries markup built here, with the agent's parts escaped.
fn defuse(event: Event<'_>) -> Event<'_> {
    match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::HtmlBlock) => Event::Html("<p class=\"raw-html\">".into()),
        Event::End(TagEnd::HtmlBlock) => Event::Html("</p>".into()),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            ..
        }) => Event::Html(anchor(link_type, &dest_url, &title, "").into()),
        Event::End(TagEnd::Link) => Event::Html("</a>".into()),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            ..
        }) => Event::Html(anchor(link_type, &dest_url, &title, "[image: ").into()),
        Event::End(TagEnd::Image) => Event::Html("]</a>".into()),
        other => other,
    }
}

fn anchor(link_type: LinkType, dest: &CowStr<'_>, title: &str, lead: &str) -> String {
    let dest = match link_type {
        LinkType::Email => format!("mailto:{dest}"),
        _ => dest.to_string(),
    };
    let title = if title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", escape(title))
    };
    format!(
        "<a href=\"{}\" rel=\"{REL}\"{title}>{lead}",
        escape(safe_url(&dest))
    )
}

/// `url` if it is relative or its scheme is http, https or mailto; otherwise `#`. Browsers
/// ignore tabs, newlines and leading spaces or controls in a URL and read the scheme in any
/// case, so the scheme is looked for as they would see it.
pub fn safe_url(url: &str) -> &str {
    let seen: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let scheme_end = seen.find(':');
    let path_start = seen.find(['/', '?', '#']);
    match (scheme_end, path_start) {
        (Some(colon), Some(slash)) if slash < colon => url,
        (Some(colon), _) => match &seen[..colon] {
            "http" | "https" | "mailto" => url,
            _ => "#",
        },
        (None, _) => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_as_text_has_its_words_and_none_of_its_markup() {
        let text = to_text("## Migrate\n\n1. Add **`paid_at`** (nullable).\n2. See [runbook](https://x.example).\n\n<b>hi</b>");
        assert_eq!(
            text,
            "Migrate Add paid_at (nullable). See runbook. <b>hi</b>"
        );
    }

    #[test]
    fn bidi_controls_in_a_plan_are_shown_as_markers() {
        let html = to_html("Delete \u{202E}txt.exe and [\u{2066}x](https://e.example/\u{202E})");
        assert!(
            !html.chars().any(crate::domain::text::is_bidi_control),
            "{html}"
        );
        assert!(html.contains("Delete [U+202E]txt.exe"), "{html}");
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = to_html("<script>alert(1)</script>\n\nhi <img src=x onerror=alert(2)> there");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(2)&gt;"),
            "{html}"
        );
    }

    #[test]
    fn dangerous_link_schemes_go_nowhere_however_they_are_spelled() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            " javascript:alert(1)",
            "&#106;avascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "vbscript:msgbox(1)",
        ] {
            let html = to_html(&format!("[x](<{url}>) and ![i](<{url}>)"));
            assert!(
                !html.to_ascii_lowercase().contains("script:"),
                "{url}: {html}"
            );
            assert!(!html.contains("data:"), "{url}: {html}");
            assert_eq!(html.matches("href=\"#\"").count(), 2, "{url}: {html}");
        }
    }

    #[test]
    fn safe_links_keep_their_target_and_get_rel() {
        let html =
            to_html("[docs](https://example.com/a?b=1&c=\"2\") [rel](/pauses) <me@example.com>");
        assert!(
            html.contains(r#"<a href="https://example.com/a?b=1&amp;c=&quot;2&quot;" rel="noopener noreferrer nofollow">docs</a>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"href="/pauses" rel="noopener noreferrer nofollow""#),
            "{html}"
        );
        assert!(html.contains(r#"href="mailto:me@example.com""#), "{html}");
    }

    #[test]
    fn images_are_links_not_loaded() {
        let html = to_html("![pixel](https://tracker.example/p.gif \"t\\\"x\")");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains(r#"<a href="https://tracker.example/p.gif" rel="noopener noreferrer nofollow" title="t&quot;x">[image: pixel]</a>"#), "{html}");
    }
}
