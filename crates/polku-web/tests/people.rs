//! People and access through the real router on every backend: invitations and password resets received
//! by a real SMTP server (aiosmtpd on loopback), role changes and removal taking effect at once, the owner
//! rules, one's own password and sessions, and switching organisations.

mod support;

use axum::http::{Method, StatusCode};
use polku_app::Actor;
use polku_app::auth::Caller;
use polku_domain::role::Role;
use polku_domain::{Locale, UserId};
use serde_json::json;
use support::*;

/// Points the test organisation's SMTP settings at the sink.
async fn use_sink(t: &TestApp, sink: &SmtpSink) {
    let settings = json!({"smtp": {"host": "127.0.0.1", "port": sink.port, "tls": "none", "from": "polku@example.fi"}});
    let r = t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(settings)).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", t.backend, r.body);
}

/// The path of the link in the one mail `to` got (waiting briefly: resets are sent in the background).
async fn mailed_link(sink: &SmtpSink, to: &str, count: usize) -> (String, String) {
    for _ in 0..100 {
        let mails = sink.messages_to(to);
        if mails.len() >= count {
            let body = mails.last().unwrap()["body"].as_str().unwrap().to_string();
            let start = body.find("http://127.0.0.1:8080/").unwrap_or_else(|| panic!("no link in {body}"));
            let url = body[start..].split_whitespace().next().unwrap();
            return (url.trim_start_matches("http://127.0.0.1:8080").to_string(), body);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail #{count} to {to}");
}

/// A public form's CSRF cookie and token, from the page that shows it.
async fn public_form(t: &TestApp, path: &str) -> (Reply, Vec<String>, String) {
    let page = t.get(path, &[]).await;
    let cookies = page.cookies();
    let csrf = if page.status == StatusCode::OK { hidden(&page.body, "_csrf") } else { String::new() };
    (page, cookies, csrf)
}

fn session_of(r: &Reply) -> Vec<String> {
    r.cookies().into_iter().filter(|c| c.starts_with("polku_session=") && c.len() > 15).collect()
}

async fn user(t: &TestApp, email: &str) -> UserId {
    UserId(t.app.store.user_by_email(email).await.unwrap().unwrap().id)
}

async fn add(t: &TestApp, email: &str, role: Role) -> UserId {
    let m = polku_app::orgs::NewMember { email, name: email, password: PASSWORD, role, locale: Locale::Fi };
    polku_app::orgs::add_member(&t.app, &Actor::System("test"), t.org, m).await.unwrap()
}

fn as_user(t: &TestApp, id: UserId, email: &str, role: Role) -> Caller {
    Caller { org: t.org, role, actor: Actor::User { id, email: email.into() } }
}

#[tokio::test]
async fn invitations_let_people_set_their_own_password_and_existing_accounts_must_accept() {
    let Some(sink) = SmtpSink::start() else { return };
    for t in spawn_apps().await {
        use_sink(&t, &sink).await;
        let (cookies, csrf) = t.login(&t.email).await;
        let invite = |email: &'static str, role: &'static str| {
            let (cookies, csrf) = (cookies.clone(), csrf.clone());
            let t = &t;
            async move {
                let form = [("_csrf", csrf.as_str()), ("email", email), ("role", role), ("locale", "sv")];
                t.post_form("/settings/members", &cookies, &form).await
            }
        };
        // A new person: the mail is in the chosen language, the link sets a password and signs in.
        let new = format!("uusi-{}@example.fi", t.backend);
        let new: &'static str = Box::leak(new.into_boxed_str());
        let sent = invite(new, "agent").await;
        assert_eq!(sent.status, StatusCode::OK, "{}: {}", t.backend, sent.body);
        assert!(sent.body.contains("Kutsu lähetetty"), "{}", sent.body);
        let (link, body) = mailed_link(&sink, new, 1).await;
        assert!(body.contains("Välj ett lösenord") && link.starts_with("/invitation/pi_"), "{body}");
        let (page, form_cookies, form_csrf) = public_form(&t, &link).await;
        assert!(page.body.contains("name=\"name\""), "{}", page.body);
        let short = [("_csrf", form_csrf.as_str()), ("name", "Uusi"), ("password", "short")];
        let r = t.post_form(&link, &form_cookies, &short).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("password"), "the field is named: {}", r.body);
        let no_csrf = t.post_form(&link, &form_cookies, &[("name", "Uusi"), ("password", "long enough pw")]).await;
        assert_eq!(no_csrf.status, StatusCode::FORBIDDEN, "{}", no_csrf.body);
        assert!(t.app.store.user_by_email(new).await.unwrap().is_none(), "nothing made without the CSRF token");
        let ok = [("_csrf", form_csrf.as_str()), ("name", "Uusi Jäsen"), ("password", "long enough pw")];
        let r = t.post_form(&link, &form_cookies, &ok).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/"), "{}", r.body);
        let agent_session = session_of(&r);
        assert_eq!(t.get("/inbox", &agent_session).await.status, StatusCode::OK, "{}", t.backend);
        assert_eq!(t.get("/settings/members", &agent_session).await.status, StatusCode::FORBIDDEN);
        // Used once.
        assert_eq!(t.get(&link, &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(t.post_form(&link, &form_cookies, &ok).await.status, StatusCode::NOT_FOUND);

        // Someone with an account elsewhere: the admin's answer is the same, and nothing is attached until
        // that person accepts with their own password.
        let (_, other_email, _) = new_org(&t.app, "Toinen Oy").await;
        let other: &'static str = Box::leak(other_email.into_boxed_str());
        let sent_existing = invite(other, "viewer").await;
        assert_eq!(sent_existing.status, StatusCode::OK);
        let flash =
            |b: &str| b.split("role=\"status\">").nth(1).unwrap().split("</p>").next().unwrap().replace(other, "X");
        assert_eq!(flash(&sent_existing.body), flash(&sent.body.replace(new, other)), "the answer reveals nothing");
        let other_id = user(&t, other).await;
        assert!(t.app.store.member_role(t.org, other_id).await.is_err(), "{}: not attached by the admin", t.backend);
        let (link, body) = mailed_link(&sink, other, 1).await;
        assert!(body.contains("Accept by signing in") || body.contains("Hyväksy kutsu"), "{body}");
        let (page, form_cookies, form_csrf) = public_form(&t, &link).await;
        assert!(!page.body.contains("name=\"name\"") && page.body.contains("current-password"), "{}", page.body);
        let wrong = [("_csrf", form_csrf.as_str()), ("password", "not the password")];
        assert_eq!(t.post_form(&link, &form_cookies, &wrong).await.status, StatusCode::UNAUTHORIZED);
        assert!(t.app.store.member_role(t.org, other_id).await.is_err());
        let right = [("_csrf", form_csrf.as_str()), ("password", PASSWORD)];
        let r = t.post_form(&link, &form_cookies, &right).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.app.store.member_role(t.org, other_id).await.unwrap(), Role::Viewer);

        // Admins cannot invite admins; a current member is refused by name; an unknown link is a 404 page.
        let (admin_id, admin) = (add(&t, &format!("admin-{}@example.fi", t.backend), Role::Admin).await, "admin");
        let caller = as_user(&t, admin_id, admin, Role::Admin);
        let e = polku_app::members::invite(&t.app, &caller, "x@example.fi", Role::Admin, Locale::Fi).await.unwrap_err();
        assert_eq!(e.field_errors()[0].field, "role");
        let e = polku_app::members::invite(&t.app, &caller, other, Role::Agent, Locale::Fi).await.unwrap_err();
        assert_eq!(e.field_errors()[0].field, "email");
        assert_eq!(t.get("/invitation/pi_nonsense", &[]).await.status, StatusCode::NOT_FOUND);
        // Through the API as well.
        let r = t
            .api(
                Method::POST,
                "/api/v1/members/invitations",
                &t.token,
                Some(json!({"email": "api@example.fi", "role": "analyst"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        let r = t
            .api(
                Method::POST,
                "/api/v1/members/invitations",
                &t.token,
                Some(json!({"email": "api@example.fi", "role": "owner"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
}

#[tokio::test]
async fn role_changes_and_removal_take_effect_at_once_and_an_owner_always_remains() {
    for t in spawn_apps().await {
        let owner = user(&t, &t.email).await;
        let admin_email = format!("admin-{}@example.fi", t.backend);
        let agent_email = format!("agent-{}@example.fi", t.backend);
        let admin = add(&t, &admin_email, Role::Admin).await;
        let agent = add(&t, &agent_email, Role::Agent).await;
        // Each has a session and a personal token.
        let (admin_session, _) = t.login(&admin_email).await;
        let (agent_session, _) = t.login(&agent_email).await;
        let token_of = |id: UserId, email: &str, role: Role| {
            let actor = Actor::User { id, email: email.to_string() };
            let app = t.app.clone();
            let org = t.org;
            async move { polku_app::orgs::create_token(&app, &actor, org, "mine", role).await.unwrap().1 }
        };
        let admin_token = token_of(admin, &admin_email, Role::Admin).await;
        let agent_token = token_of(agent, &agent_email, Role::Agent).await;
        assert_eq!(t.api(Method::GET, "/api/v1/members", &admin_token, None).await.status, StatusCode::OK);

        // An admin administers the roles below; owners and admins are for owners.
        let as_admin = as_user(&t, admin, &admin_email, Role::Admin);
        for (who, role) in [(owner, Role::Viewer), (agent, Role::Admin)] {
            let e = polku_app::members::set_role(&t.app, &as_admin, who, role).await.unwrap_err();
            assert!(matches!(e, polku_app::AppError::Forbidden), "{e}");
        }
        let r =
            t.api(Method::PATCH, &format!("/api/v1/members/{agent}"), &t.token, Some(json!({"role": "analyst"}))).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let r =
            t.api(Method::PATCH, &format!("/api/v1/members/{owner}"), &t.token, Some(json!({"role": "viewer"}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "an admin token cannot demote an owner: {}", r.body);
        let r =
            t.api(Method::PATCH, &format!("/api/v1/members/{agent}"), &t.token, Some(json!({"role": "root"}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

        // The owner demotes the admin in the UI: the admin's pages and admin token stop at once.
        let (owner_session, csrf) = t.login(&t.email).await;
        let r = t
            .post_form(
                &format!("/settings/members/{admin}/role"),
                &owner_session,
                &[("_csrf", &csrf), ("role", "viewer")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.get("/settings/members", &admin_session).await.status, StatusCode::FORBIDDEN);
        assert_eq!(t.api(Method::GET, "/api/v1/members", &admin_token, None).await.status, StatusCode::UNAUTHORIZED);

        // Removed: the session and the token of the member end at once.
        let r = t.post_form(&format!("/settings/members/{agent}/remove"), &owner_session, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.get("/inbox", &agent_session).await.status, StatusCode::SEE_OTHER, "signed out");
        assert_eq!(t.api(Method::GET, "/api/v1/surveys", &agent_token, None).await.status, StatusCode::UNAUTHORIZED);
        let r = t.api(Method::DELETE, &format!("/api/v1/members/{agent}"), &t.token, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // The last owner can neither leave nor step down; after a transfer the old owner is an admin.
        let as_owner = as_user(&t, owner, &t.email, Role::Owner);
        let e = polku_app::members::remove(&t.app, &as_owner, owner).await.unwrap_err();
        assert_eq!(e.field_errors()[0].field, "role", "{e}");
        let e = polku_app::members::set_role(&t.app, &as_owner, owner, Role::Admin).await.unwrap_err();
        assert_eq!(e.field_errors()[0].field, "role", "{e}");
        polku_app::members::transfer_ownership(&t.app, &as_owner, admin).await.unwrap();
        assert_eq!(t.app.store.member_role(t.org, admin).await.unwrap(), Role::Owner);
        assert_eq!(t.app.store.member_role(t.org, owner).await.unwrap(), Role::Admin);

        // Two owners demoting each other at once: one wins, an owner remains.
        polku_app::members::set_role(&t.app, &as_user(&t, admin, &admin_email, Role::Owner), owner, Role::Owner)
            .await
            .unwrap();
        let a = as_user(&t, owner, &t.email, Role::Owner);
        let b = as_user(&t, admin, &admin_email, Role::Owner);
        let (x, y) = tokio::join!(
            polku_app::members::set_role(&t.app, &a, admin, Role::Viewer),
            polku_app::members::set_role(&t.app, &b, owner, Role::Viewer),
        );
        assert!(x.is_ok() != y.is_ok(), "{}: exactly one wins: {x:?} {y:?}", t.backend);
        let members = t.app.store.members(t.org).await.unwrap();
        assert_eq!(members.iter().filter(|m| m.role == "owner").count(), 1, "{}", t.backend);
    }
}

#[tokio::test]
async fn own_password_and_sessions_and_a_forgotten_password_by_mail() {
    let Some(sink) = SmtpSink::start() else { return };
    for t in spawn_apps().await {
        use_sink(&t, &sink).await;
        let (first, _) = t.login(&t.email).await;
        let (second, csrf) = t.login(&t.email).await;
        let page = t.get("/account", &second).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.body.matches("/account/sessions/").count(),
            2,
            "the other session and end-others: {}",
            page.body
        );

        // Changing the password needs the current one and ends every other session.
        let wrong = [("_csrf", csrf.as_str()), ("current", "not it at all"), ("password", "a brand new one")];
        let r = t.post_form("/account/password", &second, &wrong).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("current"), "{}", r.body);
        let ok = [("_csrf", csrf.as_str()), ("current", PASSWORD), ("password", "a brand new one")];
        assert_eq!(t.post_form("/account/password", &second, &ok).await.status, StatusCode::OK);
        assert_eq!(t.get("/surveys", &first).await.status, StatusCode::SEE_OTHER, "the other session ended");
        assert_eq!(t.get("/surveys", &second).await.status, StatusCode::OK, "this one goes on");
        let (third, _) = t.login_with(&t.email, "a brand new one").await;
        let r = t.post_form("/account/sessions/end-others", &second, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(t.get("/surveys", &third).await.status, StatusCode::SEE_OTHER);
        let r = t.post_form("/account/sessions/nothex/end", &second, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        // A reset is asked for with the same answer whether or not the address has an account.
        let ask = |email: String| {
            let t = &t;
            async move {
                let (_, cookies, csrf) = public_form(t, "/password/forgot").await;
                t.post_form("/password/forgot", &cookies, &[("_csrf", &csrf), ("email", &email)]).await
            }
        };
        let known = ask(t.email.clone()).await;
        let unknown = ask(format!("nobody-{}@example.fi", t.backend)).await;
        assert_eq!((known.status, &known.body), (unknown.status, &unknown.body), "{}", t.backend);
        let (link, _) = mailed_link(&sink, &t.email, 1).await;
        assert!(link.starts_with("/password/reset/pr_"), "{link}");
        let (_, cookies, form_csrf) = public_form(&t, &link).await;
        let r = t.post_form(&link, &cookies, &[("_csrf", &form_csrf), ("password", "short")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = t.post_form(&link, &cookies, &[("_csrf", &form_csrf), ("password", "reset and fine")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(t.get("/surveys", &second).await.status, StatusCode::SEE_OTHER, "every session ended");
        t.login_with(&t.email, "reset and fine").await;
        assert_eq!(
            t.post_form(&link, &cookies, &[("_csrf", &form_csrf), ("password", "again and again")]).await.status,
            StatusCode::NOT_FOUND,
            "used once"
        );
        // A reset link asked for before a password change dies with the old password.
        ask(t.email.clone()).await;
        let (stale, _) = mailed_link(&sink, &t.email, 2).await;
        let (session, csrf) = t.login_with(&t.email, "reset and fine").await;
        let change = [("_csrf", csrf.as_str()), ("current", "reset and fine"), ("password", "changed after asking")];
        assert_eq!(t.post_form("/account/password", &session, &change).await.status, StatusCode::OK);
        assert_eq!(t.get(&stale, &[]).await.status, StatusCode::NOT_FOUND, "{}", t.backend);
        // Asking again and again from one address is throttled.
        let mut statuses = Vec::new();
        for _ in 0..8 {
            statuses.push(ask("someone@example.fi".into()).await.status);
        }
        assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    }
}

#[tokio::test]
async fn a_member_of_two_organisations_picks_one_and_switches() {
    for t in spawn_apps().await {
        let (other_org, _, _) = new_org(&t.app, "Toinen Oy").await;
        let me = user(&t, &t.email).await;
        t.app
            .store
            .add_member(
                other_org,
                me,
                Role::Viewer,
                &polku_app::store::Audit {
                    actor: &Actor::System("test"),
                    action: "member.add",
                    target: String::new(),
                    detail: serde_json::Value::Null,
                },
            )
            .await
            .unwrap();
        let page = t.get("/login", &[]).await;
        let csrf = hidden(&page.body, "_csrf");
        let form = [("_csrf", csrf.as_str()), ("email", t.email.as_str()), ("password", PASSWORD), ("next", "/")];
        let r = t.post_form("/login", &page.cookies(), &form).await;
        assert_eq!(r.location(), "/account#organisations", "{}", t.backend);
        let cookies = session_of(&r);
        let account = t.get("/account", &cookies).await;
        assert!(account.body.contains("Toinen Oy") && account.body.contains("Testi Oy"), "{}", account.body);
        let csrf = hidden(&account.body, "_csrf");
        let r = t.post_form("/account/switch", &cookies, &[("_csrf", &csrf), ("org", &other_org.to_string())]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let now = t.get("/account", &cookies).await;
        assert!(now.body.contains("<p class=\"muted\">Toinen Oy</p>"), "switched without signing out");
        assert_eq!(t.get("/settings/members", &cookies).await.status, StatusCode::FORBIDDEN, "a viewer there");
        // Not a member: no switch.
        let (stranger, _, _) = new_org(&t.app, "Vieras Oy").await;
        let r = t.post_form("/account/switch", &cookies, &[("_csrf", &csrf), ("org", &stranger.to_string())]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

/// The code an authenticator app shows for `secret` (base32) at `offset` seconds from now.
fn app_code(secret: &str, offset: i64) -> String {
    let bytes = totp_rs::Secret::try_from_base32(secret).unwrap().as_ref().to_vec();
    let totp = totp_rs::Builder::new().with_secret(bytes).build().unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp() + offset;
    totp.generate(u64::try_from(now).unwrap()).to_string()
}

/// Signs in with the password and returns where it led and the cookies (session, or the second-factor wait).
async fn password_step(t: &TestApp, email: &str) -> (Reply, Vec<String>) {
    let page = t.get("/login", &[]).await;
    let csrf = hidden(&page.body, "_csrf");
    let form = [("_csrf", csrf.as_str()), ("email", email), ("password", PASSWORD), ("next", "/surveys")];
    let r = t.post_form("/login", &page.cookies(), &form).await;
    let cookies = r.cookies();
    (r, cookies)
}

async fn code_step(t: &TestApp, wait: &[String], code: &str) -> Reply {
    let page = t.get("/login/code?next=/surveys", &[]).await;
    let csrf = hidden(&page.body, "_csrf");
    let mut cookies = wait.to_vec();
    cookies.extend(page.cookies());
    t.post_form("/login/code", &cookies, &[("_csrf", &csrf), ("code", code), ("next", "/surveys")]).await
}

#[tokio::test]
async fn two_step_sign_in_with_an_app_code_or_a_recovery_code_and_an_owner_can_require_it() {
    for t in spawn_apps().await {
        let (cookies, csrf) = t.login(&t.email).await;
        let setup = t.post_form("/account/two-factor/setup", &cookies, &[("_csrf", &csrf)]).await;
        assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
        assert!(setup.body.contains("<svg"), "a QR code");
        let secret = hidden(&setup.body, "secret");
        // A code that is not the app's (the current one shifted by a digit) is refused, naming the field.
        let current = app_code(&secret, 0);
        let not_it: String = current.chars().map(|c| char::from(b'0' + (c as u8 - b'0' + 5) % 10)).collect();
        let wrong =
            [("_csrf", csrf.as_str()), ("password", PASSWORD), ("secret", secret.as_str()), ("code", not_it.as_str())];
        let r = t.post_form("/account/two-factor/enable", &cookies, &wrong).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("code") && r.body.contains("<svg"), "the same secret is offered again");
        let code = app_code(&secret, 0);
        // The session alone cannot set (or replace) the secret: the password is asked.
        let no_password = [
            ("_csrf", csrf.as_str()),
            ("password", "not it at all"),
            ("secret", secret.as_str()),
            ("code", code.as_str()),
        ];
        let r = t.post_form("/account/two-factor/enable", &cookies, &no_password).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("password"), "the field is named: {}", r.body);
        let (other_session, _) = t.login(&t.email).await;
        let ok =
            [("_csrf", csrf.as_str()), ("password", PASSWORD), ("secret", secret.as_str()), ("code", code.as_str())];
        let r = t.post_form("/account/two-factor/enable", &cookies, &ok).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(t.get("/surveys", &other_session).await.location().starts_with("/login"), "other sessions end");
        let recovery: Vec<String> =
            r.body.split("<li><code>").skip(1).map(|s| s.split('<').next().unwrap().to_string()).collect();
        assert_eq!(recovery.len(), 10, "{}", r.body);

        // The password alone opens no session; the code that set it up cannot be replayed.
        let (r, wait) = password_step(&t, &t.email).await;
        assert_eq!(r.location(), "/login/code?next=/surveys", "{}", t.backend);
        assert!(!wait.iter().any(|c| c.starts_with("polku_session=ps_")), "{wait:?}");
        let r = code_step(&t, &wait, &code).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}: a used code is refused", t.backend);
        // The next step's code works (one step of skew), once.
        let next = app_code(&secret, 30);
        let r = code_step(&t, &wait, &next).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/surveys"), "{}", r.body);
        let session: Vec<String> = r.cookies().into_iter().filter(|c| c.starts_with("polku_session=ps_")).collect();
        assert_eq!(t.get("/surveys", &session).await.status, StatusCode::OK);
        assert_eq!(code_step(&t, &wait, &next).await.location(), "/login?expired=1", "the wait is used up");
        // A recovery code works once, typed loosely.
        let (_, wait) = password_step(&t, &t.email).await;
        let typed = recovery[0].to_uppercase().replace('-', " ");
        assert_eq!(code_step(&t, &wait, &typed).await.status, StatusCode::SEE_OTHER);
        let (_, wait) = password_step(&t, &t.email).await;
        assert_eq!(code_step(&t, &wait, &recovery[0]).await.status, StatusCode::UNAUTHORIZED);

        // Guessing codes: from the fifth wrong one in the window each ends the wait, and a right password
        // does not clear the count (the two wrong codes above are forgotten first).
        t.app.login_throttle.succeed(&format!("totp:{}", t.email));
        let (_, wait) = password_step(&t, &t.email).await;
        for _ in 0..4 {
            assert_eq!(code_step(&t, &wait, "000000x").await.status, StatusCode::UNAUTHORIZED);
        }
        let (_, wait) = password_step(&t, &t.email).await;
        assert_eq!(code_step(&t, &wait, "000000x").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(code_step(&t, &wait, &app_code(&secret, -30)).await.location(), "/login?expired=1", "{}", t.backend);
        let (_, wait) = password_step(&t, &t.email).await;
        let r = code_step(&t, &wait, "000000x").await;
        let survived = r.status == StatusCode::TOO_MANY_REQUESTS || r.location() == "/login?expired=1";
        assert!(survived, "{}: the count outlives a right password: {}", t.backend, r.status);
        t.app.login_throttle.succeed(&format!("totp:{}", t.email));

        // An invitation accepted by an account with two-factor on joins, then asks for the code.
        let (other_org, _, _) = new_org(&t.app, "Kolmas Oy").await;
        let invitation = "pi_test_invitation_with_two_factor";
        let audit = polku_app::store::Audit {
            actor: &Actor::System("test"),
            action: "member.invite",
            target: String::new(),
            detail: serde_json::Value::Null,
        };
        let expires = polku_app::store::now() + time::Duration::hours(1);
        t.app
            .store
            .create_access_link(
                &polku_app::auth::sha256(invitation),
                polku_domain::access::LinkKind::Invitation,
                &t.email,
                Some(other_org),
                Some(Role::Analyst),
                Locale::Fi,
                expires,
                &audit,
            )
            .await
            .unwrap();
        let link = format!("/invitation/{invitation}");
        let (_, form_cookies, form_csrf) = public_form(&t, &link).await;
        let r = t.post_form(&link, &form_cookies, &[("_csrf", form_csrf.as_str()), ("password", PASSWORD)]).await;
        assert!(r.location().starts_with("/login/code"), "{}: {} {}", t.backend, r.status, r.body);
        assert!(session_of(&r).is_empty(), "no session before the code");
        assert_eq!(t.app.store.member_role(other_org, user(&t, &t.email).await).await.unwrap(), Role::Analyst);

        // The owner requires it: a member without it reaches only their account page.
        let agent = format!("agent2fa-{}@example.fi", t.backend);
        add(&t, &agent, Role::Agent).await;
        let r = t
            .post_form(
                "/settings/two-factor",
                &session,
                &[("_csrf", &hidden(&t.get("/settings/members", &session).await.body, "_csrf")), ("required", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, agent_cookies) = password_step(&t, &agent).await;
        let r = t.get("/inbox", &agent_cookies).await;
        assert_eq!(r.location(), "/account#two-factor", "{}", t.backend);
        let account = t.get("/account", &agent_cookies).await;
        assert!(account.status == StatusCode::OK && account.body.contains("two-factor/setup"), "{}", account.body);

        // Turning it off needs the password.
        let r = t
            .post_form(
                "/account/two-factor/disable",
                &session,
                &[("_csrf", &hidden(&t.get("/account", &session).await.body, "_csrf")), ("password", "wrong one here")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// Only an owner deletes an organisation, confirming its name and their password; everything of it goes
/// (every table with rows of it is empty after), another organisation keeps all of its rows, and members
/// who belong nowhere else lose their accounts while those with another organisation keep theirs.
#[tokio::test]
async fn parallel_code_guesses_against_one_wait_are_counted_before_any_is_checked() {
    for t in spawn_apps().await {
        let (cookies, csrf) = t.login(&t.email).await;
        let setup = t.post_form("/account/two-factor/setup", &cookies, &[("_csrf", &csrf)]).await;
        let secret = hidden(&setup.body, "secret");
        let code = app_code(&secret, 0);
        let ok = [("_csrf", csrf.as_str()), ("password", PASSWORD), ("secret", secret.as_str()), ("code", &code)];
        assert_eq!(t.post_form("/account/two-factor/enable", &cookies, &ok).await.status, StatusCode::OK);

        let (_, wait) = password_step(&t, &t.email).await;
        let wait = wait.iter().find_map(|c| c.strip_prefix("polku_2fa=")).expect("a wait cookie").to_string();
        let guesses = (0..12).map(|i| {
            let (app, wait) = (t.app.clone(), wait.clone());
            tokio::spawn(async move { polku_app::two_factor::complete(&app, &wait, &format!("{i:06}x"), "").await })
        });
        let answers = futures_util::future::join_all(guesses).await;
        let checked = answers.iter().filter(|a| !matches!(a, Ok(Err(polku_app::AppError::NotFound)))).count();
        assert_eq!(checked, 5, "{}: one wait checks five codes, however they arrive", t.backend);
        assert!(
            matches!(
                polku_app::two_factor::complete(&t.app, &wait, &app_code(&secret, 30), "").await,
                Err(polku_app::AppError::NotFound)
            ),
            "{}: the sixth ended the wait, even for the right code",
            t.backend
        );
        t.app.login_throttle.succeed(&format!("totp:{}", t.email));
    }
}

#[tokio::test]
async fn an_owner_deletes_the_organisation_whole_and_nothing_else() {
    for t in spawn_apps().await {
        let now = time::OffsetDateTime::now_utc();
        let demo = polku_app::demo::ensure_demo(&t.app, 7, 300, now).await.unwrap();
        t.create_survey(&t.token, nps_survey()).await;
        let before_other = polku_store_testing::testing::org_rows(&t.app.store, t.org).await;
        let filled = polku_store_testing::testing::org_rows(&t.app.store, demo.org).await;
        assert!(filled.len() > 20, "{}: the demo fills most tables: {filled:?}", t.backend);
        let actor = Actor::System("test");
        let member = |email: &'static str, role: Role| polku_app::orgs::NewMember {
            email,
            name: email,
            password: PASSWORD,
            role,
            locale: Locale::Fi,
        };
        polku_app::orgs::add_member(&t.app, &actor, demo.org, member("admin@sivellin.example", Role::Admin))
            .await
            .unwrap();
        // The test organisation's owner is an analyst in the demo one too.
        polku_app::orgs::add_member(
            &t.app,
            &actor,
            demo.org,
            member(Box::leak(t.email.clone().into_boxed_str()), Role::Analyst),
        )
        .await
        .unwrap();

        // A reset link for the owner's address (personal data kept after use) must go with the account.
        let audit = polku_app::store::Audit {
            actor: &actor,
            action: "user.reset",
            target: String::new(),
            detail: serde_json::Value::Null,
        };
        let expires = polku_app::store::now() + time::Duration::hours(1);
        let reset = polku_domain::access::LinkKind::Reset;
        t.app
            .store
            .create_access_link(&[7; 32], reset, demo.email, None, None, Locale::Fi, expires, &audit)
            .await
            .unwrap();
        // An admin sees no form and is refused.
        let (admin, admin_csrf) = t.login("admin@sivellin.example").await;
        assert!(!t.get("/settings/organisation", &admin).await.body.contains("/settings/organisation/delete"));
        let form = [("_csrf", admin_csrf.as_str()), ("name", "Sivellin"), ("password", PASSWORD)];
        let r = t.post_form("/settings/organisation/delete", &admin, &form).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", t.backend);

        // The owner must type the name exactly and give the password.
        let (owner, csrf) = t.login_with(demo.email, demo.password).await;
        let page = t.get("/settings/organisation", &owner).await;
        assert!(page.body.contains("/settings/organisation/delete"), "{}", page.body);
        let name = t.app.store.org(demo.org).await.unwrap().name;
        let data = |rows: Vec<(String, i64)>| rows.into_iter().filter(|r| r.0 != "audit_log").collect::<Vec<_>>();
        let filled = data(polku_store_testing::testing::org_rows(&t.app.store, demo.org).await);
        for (typed, password, field) in
            [("sivellin", demo.password, "name"), (name.as_str(), "not the password", "password")]
        {
            let form = [("_csrf", csrf.as_str()), ("name", typed), ("password", password)];
            let r = t.post_form("/settings/organisation/delete", &owner, &form).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", t.backend, r.body);
            assert!(r.body.contains(field), "{field}: {}", r.body);
        }
        assert_eq!(data(polku_store_testing::testing::org_rows(&t.app.store, demo.org).await), filled, "nothing went");
        let form = [("_csrf", csrf.as_str()), ("name", name.as_str()), ("password", demo.password)];
        let r = t.post_form("/settings/organisation/delete", &owner, &form).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login?deleted=1"), "{}", r.body);

        assert_eq!(polku_store_testing::testing::org_rows(&t.app.store, demo.org).await, [], "{}", t.backend);
        // A job in flight may write for it after it went: swept by the hourly job for a day, then forgotten.
        polku_store_testing::testing::write_late(&t.app.store, demo.org, "late").await;
        assert_eq!(t.app.store.sweep_deleted_orgs(polku_app::store::now()).await.unwrap(), 1, "{}", t.backend);
        assert_eq!(polku_store_testing::testing::org_rows(&t.app.store, demo.org).await, [], "{}", t.backend);
        let later = polku_app::store::now() + time::Duration::days(2);
        assert_eq!(t.app.store.sweep_deleted_orgs(later).await.unwrap(), 0);
        assert!(t.app.store.org(demo.org).await.is_err());
        assert_eq!(polku_store_testing::testing::org_rows(&t.app.store, t.org).await, before_other, "{}", t.backend);
        assert!(t.get("/surveys", &owner).await.location().starts_with("/login"), "the session went");
        let r = t.api(Method::GET, "/api/v1/surveys", &demo.token, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the organisation's tokens went");
        let since = polku_app::store::now() - time::Duration::days(1);
        let links = t.app.store.recent_links(demo.email, polku_domain::access::LinkKind::Reset, since).await.unwrap();
        assert_eq!(links, 0, "{}: no link for a deleted account's address remains", t.backend);
        for (email, kept) in [(demo.email, false), ("admin@sivellin.example", false), (t.email.as_str(), true)] {
            assert_eq!(t.app.store.user_by_email(email).await.unwrap().is_some(), kept, "{}: {email}", t.backend);
        }
        assert_eq!(t.get("/surveys", &t.login(&t.email).await.0).await.status, StatusCode::OK);
    }
}
