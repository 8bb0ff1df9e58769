//! OpenAPI links: how the value one response gives (a pause's `watchId`, a webhook's `id`)
//! feeds the operations on that resource. Contract testers follow them to build sequences
//! (create → read → decide or answer → cancel), and readers learn which call comes next.
//! utoipa's annotations cannot declare links, so they are added to the built document here,
//! for every operation the document has under each resource's path.

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi, RefOr};

/// A resource: the operation that creates it, where its id is in that response, and the path
/// prefix of the operations that take the id as path parameter `param`.
struct Family {
    create: (&'static str, &'static str),
    param: &'static str,
    /// A runtime expression for the id in the create operation's response or request.
    from_create: &'static str,
    prefix: &'static str,
}

const FAMILIES: &[Family] = &[
    Family {
        create: ("post", "/api/pause"),
        param: "watch_id",
        from_create: "$response.body#/watchId",
        prefix: "/api/pause/",
    },
    Family {
        create: ("post", "/api/agents/{agent}/heartbeat"),
        param: "agent",
        from_create: "$request.path.agent",
        prefix: "/api/agents/",
    },
    Family {
        create: ("post", "/api/webhooks"),
        param: "id",
        from_create: "$response.body#/id",
        prefix: "/api/webhooks/",
    },
    Family {
        create: ("post", "/api/keys"),
        param: "id",
        from_create: "$response.body#/id",
        prefix: "/api/keys/",
    },
    Family {
        create: ("post", "/api/rules"),
        param: "id",
        from_create: "$response.body#/id",
        prefix: "/api/rules/",
    },
    Family {
        create: ("post", "/api/groups"),
        param: "name",
        from_create: "$response.body#/name",
        prefix: "/api/groups/",
    },
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Adds the links of every family to `doc`.
pub fn add(doc: &mut OpenApi) {
    for family in FAMILIES {
        let members = members(doc, family);
        let (method, path) = family.create;
        link_from(
            doc,
            method,
            path,
            &members,
            family.param,
            family.from_create,
        );
        let by_path = format!("$request.path.{}", family.param);
        for (method, path) in &members {
            link_from(doc, method, path, &members, family.param, &by_path);
        }
    }
}

/// The operations under the family's prefix whose only path parameter is the family's.
fn members(doc: &OpenApi, family: &Family) -> Vec<(&'static str, String)> {
    let own = format!("{{{}}}", family.param);
    let mut out = Vec::new();
    for (path, item) in doc.paths.paths.iter() {
        let Some(rest) = path.strip_prefix(family.prefix) else {
            continue;
        };
        let params = path.matches('{').count();
        let prefix_params = family.prefix.matches('{').count();
        if !rest.starts_with(&own) || params != prefix_params + 1 {
            continue;
        }
        for method in METHODS {
            if operation(item, method).is_some() {
                out.push((method, path.clone()));
            }
        }
    }
    out
}

/// Links from each success response of `method path` to every other member.
fn link_from(
    doc: &mut OpenApi,
    method: &str,
    path: &str,
    members: &[(&'static str, String)],
    param: &str,
    expression: &str,
) {
    let Some(op) = doc
        .paths
        .paths
        .get_mut(path)
        .and_then(|item| operation_mut(item, method))
    else {
        return;
    };
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if !status.starts_with('2') {
            continue;
        }
        for (target_method, target_path) in members {
            if *target_method == method && target_path == path {
                continue;
            }
            let link = LinkBuilder::new()
                .operation_ref(operation_ref(target_method, target_path))
                .parameter(param, expression)
                .build();
            response
                .links
                .insert(link_name(target_method, target_path), link.into());
        }
    }
}

/// `#/paths/~1api~1pause~1%7Bwatch_id%7D/get`: a JSON pointer in a URI fragment.
fn operation_ref(method: &str, path: &str) -> String {
    let pointer = path
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D");
    format!("#/paths/{pointer}/{method}")
}

/// `get-api-pause-watch_id`: a link's key may use letters, digits, `.`, `-` and `_` only.
fn link_name(method: &str, path: &str) -> String {
    let mut name = method.to_string();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        name.push('-');
        name.extend(
            part.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_'),
        );
    }
    name
}

fn operation<'a>(item: &'a utoipa::openapi::PathItem, method: &str) -> Option<&'a Operation> {
    match method {
        "get" => item.get.as_ref(),
        "post" => item.post.as_ref(),
        "put" => item.put.as_ref(),
        "patch" => item.patch.as_ref(),
        "delete" => item.delete.as_ref(),
        _ => None,
    }
}

fn operation_mut<'a>(
    item: &'a mut utoipa::openapi::PathItem,
    method: &str,
) -> Option<&'a mut Operation> {
    match method {
        "get" => item.get.as_mut(),
        "post" => item.post.as_mut(),
        "put" => item.put.as_mut(),
        "patch" => item.patch.as_mut(),
        "delete" => item.delete.as_mut(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_ref_is_a_json_pointer_with_its_braces_encoded() {
        assert_eq!(
            operation_ref("get", "/api/pause/{watch_id}"),
            "#/paths/~1api~1pause~1%7Bwatch_id%7D/get"
        );
        assert_eq!(
            link_name("post", "/api/pause/{watch_id}/cancel"),
            "post-api-pause-watch_id-cancel"
        );
    }

    fn op_with(status: &str) -> Operation {
        use utoipa::openapi::path::OperationBuilder;
        use utoipa::openapi::ResponseBuilder;
        OperationBuilder::new()
            .response(status, ResponseBuilder::new().description("x").build())
            .build()
    }

    #[test]
    fn a_created_pause_links_to_each_operation_on_it_and_those_to_each_other() {
        use utoipa::openapi::path::{HttpMethod, PathItem};
        let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
        let paths = &mut doc.paths.paths;
        paths.insert(
            "/api/pause".into(),
            PathItem::new(HttpMethod::Post, op_with("201")),
        );
        for (path, method) in [
            ("/api/pause/{watch_id}", HttpMethod::Get),
            ("/api/pause/{watch_id}/cancel", HttpMethod::Post),
            ("/api/agents/{agent}/approve/{watch_id}", HttpMethod::Post),
        ] {
            paths.insert(path.into(), PathItem::new(method, op_with("200")));
        }
        add(&mut doc);
        let links = |path: &str, method: &str| {
            let item = &doc.paths.paths[path];
            let Some(RefOr::T(r)) = operation(item, method)
                .unwrap()
                .responses
                .responses
                .values()
                .next()
            else {
                panic!("{path}");
            };
            r.links.keys().cloned().collect::<Vec<_>>()
        };
        assert_eq!(
            links("/api/pause", "post"),
            ["get-api-pause-watch_id", "post-api-pause-watch_id-cancel"]
        );
        assert_eq!(
            links("/api/pause/{watch_id}", "get"),
            ["post-api-pause-watch_id-cancel"]
        );
        assert!(links("/api/agents/{agent}/approve/{watch_id}", "post").is_empty());
        let json = serde_json::to_value(&doc).unwrap();
        let link = &json["paths"]["/api/pause"]["post"]["responses"]["201"]["links"]
            ["get-api-pause-watch_id"];
        assert_eq!(link["parameters"]["watch_id"], "$response.body#/watchId");
    }
}
