//! What the pause pane reads from the database, in one read on a blocking thread (the pane
//! itself, [`super::pause_pane::PausePane`], only arranges it).

use std::collections::HashMap;

use super::format::key_labels;
use super::pause_step_up::StepUpView;
use super::pause_told::{self, ToldRow};
use super::plan_view::PlanView;
use crate::domain::ids::ApiKeyId;
use crate::domain::pauses::Pause;
use crate::domain::sessions::Session;
use crate::domain::timeline::{self, Event};
use crate::domain::workspaces::{self, Workspace};
use crate::domain::Millis;
use crate::error::PageError;
use crate::http::State;

pub struct PaneData {
    pub events: Vec<Event>,
    pub keys: HashMap<ApiKeyId, String>,
    pub ws: Workspace,
    pub plan: Option<PlanView>,
    pub told: Vec<ToldRow>,
    pub step_up: Option<StepUpView>,
}

impl PaneData {
    /// What the pane of `p` shows the reader of `session`, read at `now`; a step-up offer names
    /// the identity provider as configured.
    pub async fn read(
        state: &State,
        session: &Session,
        p: &Pause,
        now: Millis,
    ) -> Result<PaneData, PageError> {
        let (session, p) = (session.clone(), p.clone());
        let mut data = state
            .read_blocking(move |conn| {
                let ws_id = session.user.workspace_id;
                let id = p.watch_id.to_string();
                Ok::<_, PageError>(PaneData {
                    events: timeline::for_pause(conn, ws_id, p.id, &id)?,
                    keys: key_labels(conn, ws_id)?,
                    ws: workspaces::get(conn, ws_id)?,
                    plan: PlanView::load(conn, &p, now)?,
                    told: pause_told::load(conn, p.id)?,
                    step_up: StepUpView::load(conn, &session, &p, now)?,
                })
            })
            .await?;
        if let (Some(su), Some(oidc)) = (data.step_up.as_mut(), state.settings.oidc.as_ref()) {
            su.provider = oidc.name.clone();
        }
        Ok(data)
    }
}
