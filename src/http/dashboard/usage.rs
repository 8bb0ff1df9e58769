//! `/usage`: this month's pauses against the plan's quota, a daily chart and decision times.
//!
//! The chart is inline SVG computed here and drawn by the template: no chart library, no
//! script, and it prints. Colour is never the only signal: rejected, answered, expired and
//! policy bars carry patterns, every bar has a `<title>`, the legend names each series, and a table of the same
//! numbers follows the chart.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::format::{decision_time, human_duration};
use super::layout::{clear_flash, html, Layout};
use super::session::ManagerSession;
use crate::domain::usage::{self, DayCounts, Usage};
use crate::domain::workspaces;
use crate::domain::{quotas, Millis};
use crate::error::{AppError, PageError};
use crate::http::State;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/usage")
            .route(web::get().to(page))
            .default_service(crate::http::only("GET")),
    );
}

// Chart geometry in SVG user units; the SVG scales to its container.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 44.0;

/// One rectangle (or stacked segment) of the chart.
pub struct Bar {
    pub x: String,
    pub y: String,
    pub w: String,
    pub h: String,
    /// `created`, `approved`, `rejected`, `answered`, `changes_requested`, `expired` or
    /// `policy`: the CSS class and fill pattern.
    pub series: &'static str,
    pub title: String,
}

pub struct Tick {
    pub pos: String,
    pub label: String,
}

pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub plot_left: f64,
    pub plot_right: f64,
    pub plot_bottom: String,
    /// Where the y-axis numbers end (right-aligned) and the x-axis numbers sit.
    pub y_tick_x: f64,
    pub x_tick_y: String,
    pub bars: Vec<Bar>,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    pub axis_y_label: String,
    pub axis_x_label: String,
}

pub struct DayRow {
    pub day: usize,
    pub counts: DayCounts,
}

#[derive(Template)]
#[template(path = "usage.html")]
pub struct UsagePage {
    pub layout: Layout,
    pub month: String,
    pub billing_plan: String,
    pub used: i64,
    pub limit: Option<i64>,
    pub remaining: Option<i64>,
    pub resets_in: String,
    pub totals: DayCounts,
    pub decided: usize,
    pub median: String,
    pub p90: String,
    pub chart: Chart,
    /// The days so far this month, for the table.
    pub rows: Vec<DayRow>,
}

pub async fn page(
    state: State,
    ManagerSession(signed): ManagerSession,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let (ws_id, now) = (signed.user().workspace_id, state.now());
    let test = signed.session.test_mode;
    let (ws, quota, usage) = state
        .read_blocking(move |conn| {
            let ws = workspaces::get(conn, ws_id)?;
            let quota = quotas::state(conn, ws_id, now)?;
            Ok::<_, AppError>((ws, quota, usage::summary(conn, ws_id, test, now)?))
        })
        .await?;
    let today = ((now - usage.month.start) / usage::DAY_MS + 1).clamp(1, usage.month.days) as usize;
    let page = UsagePage {
        layout: Layout::new(&req, &signed, "usage"),
        month: usage.month.label.clone(),
        billing_plan: ws.billing_plan_id,
        used: quota.used,
        limit: quota.limit,
        remaining: quota.remaining(),
        resets_in: human_duration(quota.reset_secs as Millis * 1000),
        totals: usage.totals,
        decided: usage.decided,
        median: decision_time(usage.median_ms),
        p90: decision_time(usage.p90_ms),
        chart: chart(&usage),
        rows: (1..=today)
            .map(|day| DayRow {
                day,
                counts: usage.days[day - 1],
            })
            .collect(),
    };
    Ok(clear_flash(&state, &page.layout, html(&page)?))
}

/// A round axis maximum and tick step for values up to `max`: at most five steps of 1, 2 or 5
/// times a power of ten.
pub fn nice_scale(max: i64) -> (i64, i64) {
    let max = max.max(1);
    let mut magnitude = 1;
    loop {
        for step in [magnitude, 2 * magnitude, 5 * magnitude] {
            let steps = (max + step - 1) / step;
            if steps <= 5 {
                return (steps * step, step);
            }
        }
        magnitude *= 10;
    }
}

fn num(v: f64) -> String {
    format!("{v:.1}")
}

/// Maps counts and days to chart coordinates.
struct Scale {
    top: i64,
    step: i64,
    /// Width given to each day.
    slot: f64,
    bottom: f64,
    days: usize,
}

impl Scale {
    fn new(u: &Usage) -> Scale {
        let peak = u
            .days
            .iter()
            .map(|d| {
                d.created.max(
                    d.approved
                        + d.rejected
                        + d.answered
                        + d.changes_requested
                        + d.expired
                        + d.policy,
                )
            })
            .max();
        let (top, step) = nice_scale(peak.unwrap_or(0));
        let days = u.days.len().max(1);
        let slot = (WIDTH - LEFT - RIGHT) / days as f64;
        Scale {
            top,
            step,
            slot,
            bottom: HEIGHT - BOTTOM,
            days,
        }
    }

    fn height(&self, n: i64) -> f64 {
        n as f64 * (HEIGHT - TOP - BOTTOM) / self.top as f64
    }

    /// Two bars for the day at `index`: created on the left; the outcomes (people's and keys'
    /// decisions, expiries, and policy decisions) stacked on the right. Empty segments are left out.
    fn day_bars(&self, index: usize, day: &str, d: &DayCounts) -> Vec<Bar> {
        let left = LEFT + self.slot * index as f64;
        let mut bars = Vec::new();
        let mut stack = |x: f64, base: f64, n: i64, series: &'static str| {
            let h = self.height(n);
            if n > 0 {
                bars.push(Bar {
                    x: num(x),
                    y: num(base - h),
                    w: num(self.slot * 0.38),
                    h: num(h),
                    series,
                    title: format!("{day}: {n} {}", series_words(series)),
                });
            }
            base - h
        };
        stack(left + self.slot * 0.1, self.bottom, d.created, "created");
        let outcomes = [
            (d.approved, "approved"),
            (d.rejected, "rejected"),
            (d.answered, "answered"),
            (d.changes_requested, "changes_requested"),
            (d.expired, "expired"),
            (d.policy, "policy"),
        ];
        outcomes.into_iter().fold(self.bottom, |base, (n, series)| {
            stack(left + self.slot * 0.52, base, n, series)
        });
        bars
    }

    fn y_ticks(&self) -> Vec<Tick> {
        let tick = |v: i64| Tick {
            pos: num(self.bottom - self.height(v)),
            label: v.to_string(),
        };
        (0..=self.top / self.step)
            .map(|k| tick(k * self.step))
            .collect()
    }

    /// The 1st, every 5th day and the last (the 30th is dropped in 31-day months: too close).
    fn x_ticks(&self) -> Vec<Tick> {
        let last = self.days;
        (1..=last)
            .filter(|d| *d == 1 || d % 5 == 0 || *d == last)
            .filter(|d| *d != 30 || last != 31)
            .map(|d| Tick {
                pos: num(LEFT + self.slot * (d as f64 - 0.5)),
                label: d.to_string(),
            })
            .collect()
    }
}

/// A bar's `<title>` words for its series.
fn series_words(series: &str) -> &str {
    match series {
        "changes_requested" => "changes requested",
        "policy" => "decided by policy",
        other => other,
    }
}

/// Per day, two bars side by side: pauses created, and the stacked outcomes of that day.
pub fn chart(u: &Usage) -> Chart {
    let scale = Scale::new(u);
    let month_name = u.month.label.split(' ').next().unwrap_or("");
    let bars = u
        .days
        .iter()
        .enumerate()
        .flat_map(|(i, d)| scale.day_bars(i, &format!("{month_name} {}", i + 1), d))
        .collect();
    Chart {
        width: WIDTH,
        height: HEIGHT,
        plot_left: LEFT,
        plot_right: WIDTH - RIGHT,
        plot_bottom: num(scale.bottom),
        y_tick_x: LEFT - 6.0,
        x_tick_y: num(scale.bottom + 16.0),
        bars,
        y_ticks: scale.y_ticks(),
        x_ticks: scale.x_ticks(),
        axis_y_label: num(TOP + (HEIGHT - TOP - BOTTOM) / 2.0),
        axis_x_label: num(HEIGHT - 6.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_rounds_up_to_a_nice_number_in_at_most_five_steps() {
        assert_eq!(nice_scale(0), (1, 1));
        assert_eq!(nice_scale(3), (3, 1));
        assert_eq!(nice_scale(7), (8, 2));
        assert_eq!(nice_scale(23), (25, 5));
        assert_eq!(nice_scale(480), (500, 100));
    }
}
