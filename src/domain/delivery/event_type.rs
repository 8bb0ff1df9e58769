//! The one place an event's name is written. The same string is the audit log's `event`, the
//! outbox's `event` and a webhook payload's `type`, so none of them may change once shipped.

use super::sql_enum::sql_enum;

sql_enum! {
    /// Everything Holdpoint records in the audit log or sends to a webhook, Slack or email.
    pub enum EventType {
        AuthSignedIn => "auth.signed_in",
        AuthSignedOut => "auth.signed_out",
        AuthSignInFailed => "auth.sign_in_failed",
        /// One session was signed out from the account page (by its own user).
        AuthSessionEnded => "auth.session_ended",
        /// Several of a user's sessions were ended at once: "everywhere else", or by an owner.
        AuthSessionsEnded => "auth.sessions_ended",
        /// A wrong TOTP or recovery code (at sign-in's second step, or asked on the account page).
        AuthSecondFactorFailed => "auth.second_factor_failed",
        KeyCreated => "key.created",
        KeyRevoked => "key.revoked",
        /// A key holding `decide` was given approver groups (or had them taken away).
        KeyGroupsChanged => "key.groups_changed",
        /// A key's name or autonomy cap changed (the keys API's PATCH).
        KeyChanged => "key.changed",
        /// The owners were emailed that the key expires within 7 days (once per key).
        KeyExpiryWarned => "key.expiry_warned",
        PauseCreated => "pause.created",
        PauseViewed => "pause.viewed",
        PauseApproved => "pause.approved",
        PauseRejected => "pause.rejected",
        PauseAnswered => "pause.answered",
        PauseChangesRequested => "pause.changes_requested",
        PauseCancelled => "pause.cancelled",
        PauseExpired => "pause.expired",
        PauseContextPurged => "pause.context_purged",
        PauseOutcomeReported => "pause.outcome_reported",
        /// An approval that did not yet reach the pause's quorum.
        PauseVoted => "pause.voted",
        /// Approvers who had not voted were reminded (at `remindAt`, and while overdue).
        PauseReminded => "pause.reminded",
        /// The escalation group (or the owners and admins) was told (at `escalateAt`).
        PauseEscalated => "pause.escalated",
        UserAdded => "user.added",
        UserInvited => "user.invited",
        UserInviteAccepted => "user.invite_accepted",
        UserRoleChanged => "user.role_changed",
        UserDisabled => "user.disabled",
        UserEnabled => "user.enabled",
        UserNameChanged => "user.name_changed",
        UserPasswordChanged => "user.password_changed",
        UserNotificationsChanged => "user.notifications_changed",
        /// An operator's `holdpoint user reset-password`: a link printed, the user's sessions ended.
        UserPasswordReset => "user.password_reset",
        /// "Forgot password?" on the sign-in page: a link emailed to a user who exists.
        UserPasswordResetRequested => "user.password_reset_requested",
        /// TOTP enrolment confirmed with a code (ten recovery codes were made).
        UserTwoFactorEnabled => "user.two_factor_enabled",
        /// The user turned TOTP off (with a current code).
        UserTwoFactorDisabled => "user.two_factor_disabled",
        /// A new set of ten recovery codes replaced the old one.
        UserRecoveryCodesRegenerated => "user.recovery_codes_regenerated",
        /// An owner (or `holdpoint user reset-2fa`) removed every second factor of the user.
        UserTwoFactorReset => "user.two_factor_reset",
        /// A person enrolled a passkey (second factor, or the whole sign-in with `--passkey-login`).
        UserPasskeyAdded => "user.passkey_added",
        UserPasskeyRemoved => "user.passkey_removed",
        /// A signed-in person used a second factor again (step-up for a critical decision).
        AuthSteppedUp => "auth.stepped_up",
        WebhookCreated => "webhook.created",
        WebhookEnabled => "webhook.enabled",
        WebhookDisabled => "webhook.disabled",
        WebhookRotated => "webhook.rotated",
        WebhookResent => "webhook.resent",
        WebhookTestEventsChanged => "webhook.test_events_changed",
        /// The endpoint's URL or events changed (the webhooks API's PATCH).
        WebhookChanged => "webhook.changed",
        WebhookDeleted => "webhook.deleted",
        /// A signed `ping` queued to one endpoint (`POST /api/webhooks/:id/test`).
        WebhookTested => "webhook.tested",
        /// The payload of that test delivery: nothing happened, the endpoint is being tried.
        Ping => "ping",
        WorkspaceCreated => "workspace.created",
        WorkspaceBillingPlanChanged => "workspace.plan_changed",
        WorkspaceSettingsChanged => "workspace.settings_changed",
        /// `holdpoint signing-key rotate`: a new receipt signing key (details: the new and the
        /// retired key ids; never a private key).
        SigningKeyRotated => "signing_key.rotated",
        AgentPaused => "agent.paused",
        AgentResumed => "agent.resumed",
        AgentCancelled => "agent.cancelled",
        AgentGuided => "agent.guided",
        /// An owner or admin let only one API key report as the agent (or lifted it).
        AgentPinned => "agent.pinned",
        AgentUnpinned => "agent.unpinned",
        /// An owner or admin capped (or uncapped) the agent's autonomy level.
        AgentAutonomyChanged => "agent.autonomy_changed",
        /// The agent, its history and its guidance were deleted (its pending pauses cancelled).
        AgentDeleted => "agent.deleted",
        /// Agents unseen for the retention period were purged (details: how many).
        AgentsPurged => "agents.purged",
        /// The workspace's emergency stop (audit only; each agent reads it as paused).
        AgentsStopped => "agents.stopped",
        AgentsResumed => "agents.resumed",
        /// Decision policies: a rule added, changed (enabled, disabled, edited) or deleted.
        RuleCreated => "rule.created",
        RuleChanged => "rule.changed",
        RuleDeleted => "rule.deleted",
        /// `holdpoint rules import` (details: how many added, replaced, deleted).
        RulesImported => "rules.imported",
        /// Decision policies: an approver group added, changed (renamed, members) or deleted.
        GroupCreated => "group.created",
        GroupChanged => "group.changed",
        GroupDeleted => "group.deleted",
        /// The autonomy level or its shadow mode changed.
        PolicySettingsChanged => "policy.settings_changed",
        /// The hourly email to owners and admins listing what policy approved (Full auto).
        PolicyDigest => "policy.digest",
        // The events the reference docs name, sent to webhooks only (the audit log holds the
        // change that caused them: `pause.created`, or the agent's history for a heartbeat).
        /// An approval pause began waiting for a person (never one a policy decided).
        ApprovalRequired => "approval.required",
        /// A waiting pause of any kind that names a run.
        RunAwaitingInput => "run.awaiting_input",
        /// A heartbeat changed the agent's state to `complete`.
        TaskComplete => "task.complete",
        /// A heartbeat changed the agent's state to `error`.
        AgentError => "agent.error",
        /// A workspace's or an approver group's channels (Slack, ntfy, Teams, Discord) changed.
        ChannelsChanged => "channels.changed",
        /// Single sign-on: a provider identity (`iss` + `sub`) was linked to a user (an
        /// invitation, or an existing account with the same verified email).
        AuthSsoLinked => "auth.sso_linked",
        /// Single sign-on made an approver for an email in an allowed domain.
        AuthSsoProvisioned => "auth.sso_provisioned",
        /// A sign-on refused, by the provider or by Holdpoint (details: why; never a token).
        AuthSsoFailed => "auth.sso_failed",
        /// A role mapping not applied because it would demote the last owner.
        AuthSsoMappingSkipped => "auth.sso_mapping_skipped",
        /// A fresh provider sign-in with a second factor, for step-up.
        AuthSsoSteppedUp => "auth.sso_stepped_up",
    }
}

impl EventType {
    /// The events a webhook endpoint may subscribe to, in the order the dashboard offers them.
    pub const WEBHOOK: [EventType; 19] = [
        EventType::PauseCreated,
        EventType::PauseVoted,
        EventType::PauseApproved,
        EventType::PauseRejected,
        EventType::PauseAnswered,
        EventType::PauseChangesRequested,
        EventType::PauseExpired,
        EventType::PauseCancelled,
        EventType::PauseReminded,
        EventType::PauseEscalated,
        // A backend that approved by webhook learns whether the action then ran.
        EventType::PauseOutcomeReported,
        EventType::AgentPaused,
        EventType::AgentResumed,
        EventType::AgentCancelled,
        EventType::AgentGuided,
        EventType::ApprovalRequired,
        EventType::RunAwaitingInput,
        EventType::TaskComplete,
        EventType::AgentError,
    ];

    /// The events named after the reference docs, whose `data` also carries `agent_id`,
    /// `approval_id`, `action` and `payload` (see `wire::events`).
    pub fn is_reference(self) -> bool {
        matches!(
            self,
            EventType::ApprovalRequired
                | EventType::RunAwaitingInput
                | EventType::TaskComplete
                | EventType::AgentError
        )
    }

    /// Whether a webhook endpoint may subscribe to this event.
    pub fn webhooks_may_subscribe(self) -> bool {
        EventType::WEBHOOK.contains(&self)
    }

    /// How a pause's timeline tells this event, before the actor: `Approved by`. An expiry has
    /// no actor and is told in full. Other events are shown by name.
    pub fn label(self) -> &'static str {
        match self {
            EventType::PauseCreated => "Requested by",
            EventType::PauseViewed => "Viewed by",
            EventType::PauseApproved => "Approved by",
            EventType::PauseRejected => "Rejected by",
            EventType::PauseAnswered => "Answered by",
            EventType::PauseChangesRequested => "Changes requested by",
            EventType::PauseCancelled => "Cancelled by",
            EventType::PauseExpired => "Expired without a decision",
            EventType::PauseOutcomeReported => "Outcome reported by",
            EventType::PauseVoted => "Approval vote by",
            EventType::PauseReminded => "Reminder sent to approvers who had not voted",
            EventType::PauseEscalated => "Escalated",
            other => other.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sql_enum::tests::read_stored;

    #[test]
    fn an_unknown_stored_event_is_an_error() {
        assert!(read_stored::<EventType>("pause.exploded").is_err());
        assert_eq!(
            read_stored::<EventType>("user.disabled").unwrap(),
            EventType::UserDisabled
        );
    }

    #[test]
    fn webhooks_subscribe_to_pause_events_outcomes_agent_controls_and_the_reference_events() {
        let names: Vec<&str> = EventType::ALL
            .iter()
            .filter(|e| e.webhooks_may_subscribe())
            .map(|e| e.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "pause.created",
                "pause.approved",
                "pause.rejected",
                "pause.answered",
                "pause.changes_requested",
                "pause.cancelled",
                "pause.expired",
                "pause.outcome_reported",
                "pause.voted",
                "pause.reminded",
                "pause.escalated",
                "agent.paused",
                "agent.resumed",
                "agent.cancelled",
                "agent.guided",
                "approval.required",
                "run.awaiting_input",
                "task.complete",
                "agent.error"
            ]
        );
    }

    #[test]
    fn the_webhook_payload_type_is_the_event_name() {
        let json = serde_json::to_string(&EventType::PauseApproved).unwrap();
        assert_eq!(json, "\"pause.approved\"");
    }
}
