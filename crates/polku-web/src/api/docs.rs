//! The frame of the OpenAPI document: its title, description and the bearer-token security scheme. The
//! paths and schemas are not listed here; each API module registers its own with its routes
//! ([`super::routes::ApiRoutes`]) and [`super::router`] merges them into this frame.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Polku API", description = "Surveys in, customer-experience metrics out. Authenticate with `Authorization: Bearer <token>`; tokens are created in the web UI or with `polku token create`."),
    modifiers(&Security)
)]
pub(super) struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
