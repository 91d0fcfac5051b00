//! [`ApiRoutes`]: the only way an API module can add a route. Each call takes the output of utoipa-axum's
//! `routes!(handler, …)`, which registers the axum route and the handler's `#[utoipa::path]` entry (with
//! every schema its bodies name) together, so a route cannot be served undocumented and the document
//! cannot list a path the router does not serve.
//!
//! It wraps utoipa-axum's `OpenApiRouter` rather than handing it out, because that router also forwards
//! axum's `route`, `route_service` and `From<Router>`, each a way to serve a path the document never hears
//! of. What the API modules need besides routes — a body limit — is offered here by name.

use crate::Web;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::collections::BTreeMap;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{OpenApi, RefOr};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

/// Documented routes of one or more API modules; [`super::router`] merges them and splits the result once.
pub(super) struct ApiRoutes {
    tag: &'static str,
    inner: OpenApiRouter<Web>,
}

impl ApiRoutes {
    /// Routes whose operations are grouped in the document under `tag`, the name of the API module.
    pub(super) fn new(tag: &'static str) -> Self {
        // `default()`, not `new()`: `new()` would fill the info with utoipa-axum's own package name.
        Self { tag, inner: OpenApiRouter::default() }
    }

    /// Adds the handlers of one path, as `routes!(get_handler, put_handler)`.
    ///
    /// # Panics
    ///
    /// When the handlers name different paths: utoipa-axum would then serve every one of them on every
    /// path, while the document lists each handler on its own path only. Also when a schema differs from
    /// another of the same name (see [`check_schemas`]).
    pub(super) fn routes(self, mut routes: UtoipaMethodRouter<Web>) -> Self {
        let paths: Vec<&String> = routes.1.paths.keys().collect();
        assert!(paths.len() == 1, "one routes!(…) per path, not {paths:?}");
        for item in routes.1.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                operation.tags = Some(vec![self.tag.to_string()]);
            }
        }
        check_schemas(self.inner.get_openapi(), routes.0.iter().map(|(name, schema)| (name, schema)));
        Self { tag: self.tag, inner: self.inner.routes(routes) }
    }

    pub(super) fn merge(self, other: ApiRoutes) -> Self {
        check_schemas(
            self.inner.get_openapi(),
            other.inner.get_openapi().components.iter().flat_map(|c| c.schemas.iter()),
        );
        Self { tag: self.tag, inner: self.inner.merge(other.inner) }
    }

    /// Raises (or lowers) the request body limit of every route added so far.
    pub(super) fn body_limit(self, bytes: usize) -> Self {
        Self { tag: self.tag, inner: self.inner.layer(DefaultBodyLimit::max(bytes)) }
    }

    /// The axum router and the OpenAPI paths and schemas of every route added.
    pub(super) fn split(self) -> (Router<Web>, OpenApi) {
        self.inner.split_for_parts()
    }
}

/// Schemas are collected by name, and of two with the same name the document keeps one: two different
/// types that share a name would silently describe one of them wrongly. Panics on such a pair.
fn check_schemas<'a>(have: &OpenApi, new: impl Iterator<Item = (&'a String, &'a RefOr<Schema>)>) {
    let mut seen: BTreeMap<&String, &RefOr<Schema>> = BTreeMap::new();
    for (name, schema) in new {
        let earlier = have.components.as_ref().and_then(|c| c.schemas.get(name)).or(seen.get(name).copied());
        assert!(
            earlier.is_none_or(|earlier| earlier == schema),
            "two different schemas are named {name}: rename one of the types (or give it #[schema(as = …)])"
        );
        seen.insert(name, schema);
    }
}

#[cfg(test)]
mod tests {
    use super::ApiRoutes;
    use utoipa_axum::routes;

    mod one {
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub(super) struct Thing {
            pub a: i64,
        }
        #[utoipa::path(get, path = "/one", responses((status = 200, body = Thing)))]
        pub(super) async fn get() -> axum::Json<Thing> {
            axum::Json(Thing { a: 1 })
        }
    }

    mod two {
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub(super) struct Thing {
            pub b: String,
        }
        #[utoipa::path(post, path = "/two", responses((status = 200, body = Thing)))]
        pub(super) async fn post() -> axum::Json<Thing> {
            axum::Json(Thing { b: "b".into() })
        }
    }

    #[test]
    #[should_panic(expected = "one routes!(…) per path")]
    fn handlers_of_different_paths_in_one_call_are_refused() {
        ApiRoutes::new("t").routes(routes!(one::get, two::post));
    }

    #[test]
    #[should_panic(expected = "two different schemas are named Thing")]
    fn two_types_of_one_name_are_refused() {
        ApiRoutes::new("t").routes(routes!(one::get)).merge(ApiRoutes::new("u").routes(routes!(two::post)));
    }

    #[test]
    fn operations_carry_the_module_tag() {
        let (_, doc) = ApiRoutes::new("t").routes(routes!(one::get)).split();
        let op = doc.paths.paths["/one"].get.as_ref().unwrap();
        assert_eq!(op.tags, Some(vec!["t".to_string()]));
        assert!(doc.components.unwrap().schemas.contains_key("Thing"));
    }
}
