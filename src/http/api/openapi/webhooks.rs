//! The webhook payloads as OpenAPI `webhooks`: one entry per event an endpoint may subscribe to
//! (and the `ping` of a test delivery), each a signed POST to the endpoint's URL.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Type};
use utoipa::openapi::{
    Components, ContentBuilder, PathItem, Paths, PathsBuilder, Ref, RefOr, Required,
    ResponseBuilder, Schema,
};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::event_type::EventType;

/// The body of a test delivery (`POST /api/webhooks/{id}/test`): nothing happened, the endpoint
/// is being tried. Written by `domain::delivery::webhook_edit`; described here for receivers.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PingEvent {
    /// Always `ping`.
    r#type: String,
    #[schema(format = DateTime)]
    timestamp: String,
    data: PingData,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
pub struct PingData {
    /// The endpoint being tested.
    endpoint_id: i64,
}

/// The schema of each event's payload, by the kind of subject it carries. Agent events are
/// described by the fleet part (`AgentEvent`); until it registers that schema, their payload is
/// documented as a generic event.
fn payload(event: EventType, components: &Components) -> RefOr<Schema> {
    let name = match event {
        EventType::Ping => "PingEvent",
        EventType::ApprovalRequired | EventType::RunAwaitingInput => "ReferencePauseEvent",
        e if e.as_str().starts_with("pause.") => "PauseEvent",
        _ => "AgentEvent",
    };
    if !components.schemas.contains_key(name) {
        return generic_event();
    }
    let this_type = ObjectBuilder::new().property(
        "type",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some([event.as_str()])),
    );
    AllOfBuilder::new()
        .item(Ref::from_schema_name(name))
        .item(this_type)
        .into()
}

fn generic_event() -> RefOr<Schema> {
    ObjectBuilder::new()
        .property("type", String::schema())
        .property(
            "timestamp",
            ObjectBuilder::new().schema_type(Type::String).format(Some(
                utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::DateTime),
            )),
        )
        .property("data", ObjectBuilder::new().schema_type(Type::Object))
        .required("type")
        .required("timestamp")
        .required("data")
        .into()
}

const SIGNATURE_HEADERS: [(&str, &str); 3] = [
    (
        "webhook-id",
        "The message's id (`msg_…`): the same on every retry, so a receiver can drop duplicates.",
    ),
    (
        "webhook-timestamp",
        "When the message was signed, in Unix seconds; refuse it beyond ±5 minutes.",
    ),
    (
        "webhook-signature",
        "`v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the \
         base64-decoded part of the endpoint's secret after `whsec_` (Standard Webhooks v1). \
         During a rotation, several signatures separated by spaces.",
    ),
];

fn operation(event: EventType, components: &Components) -> PathItem {
    let headers = SIGNATURE_HEADERS.iter().map(|(name, text)| {
        ParameterBuilder::new()
            .name(*name)
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .description(Some(*text))
            .schema(Some(String::schema()))
            .build()
    });
    let body = RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(payload(event, components)))
                .build(),
        )
        .build();
    let op = OperationBuilder::new()
        .summary(Some(format!("`{}`", event.as_str())))
        .description(Some(describe(event)))
        .operation_id(Some(event.as_str().replace('.', "_")))
        .tag("admin")
        .parameters(Some(headers))
        .request_body(Some(body))
        .response(
            "200",
            ResponseBuilder::new().description(
                "Any 2xx acknowledges the message. `410 Gone` disables the endpoint; anything \
                 else (or no answer within the timeout) is retried after 5 s, 5 min, 30 min, \
                 2 h, 5 h, 10 h and 10 h.",
            ),
        );
    PathItem::new(HttpMethod::Post, op)
}

fn describe(event: EventType) -> String {
    match event {
        EventType::Ping => "A test delivery (`POST /api/webhooks/{id}/test`).".into(),
        e if e.is_reference() => format!(
            "`{}`, named after the reference docs: its `data` also carries `agent_id` (and, for \
             a pause, `approval_id` and `payload`).",
            e.as_str()
        ),
        e => format!("Sent on `{}` to endpoints subscribed to it.", e.as_str()),
    }
}

/// The `webhooks` member: every event an endpoint may subscribe to, then `ping`. The payload
/// schemas it names are added to `components`.
pub fn webhooks(components: &mut Components) -> Paths {
    for (name, schema) in [
        ("PingEvent", PingEvent::schema()),
        ("PingData", PingData::schema()),
    ] {
        components.schemas.insert(name.into(), schema);
    }
    let _ = PingEvent::name();
    let events = EventType::WEBHOOK.into_iter().chain([EventType::Ping]);
    events
        .fold(PathsBuilder::new(), |paths, event| {
            paths.path(event.as_str(), operation(event, components))
        })
        .build()
}
