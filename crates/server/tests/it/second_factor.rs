//! The second factor: roles that can see identities or administer must give a code from an
//! authenticator app after the password; each code is good once, recovery codes once each,
//! wrong codes back off, and an administrator can reset a lost factor.

use crate::harness::{
    Backend, Data, Server, browser, field_value, page, run_cli, sign_in, stderr_of, totp_code,
};
use hotline_core::demo::DEMO_PASSWORD;
use hotline_domain::Role;

async fn password(client: &reqwest::Client, server: &Server, username: &str) -> String {
    let r = client
        .post(server.url("/console/sign-in"))
        .form(&[("username", username), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    r.headers()["location"].to_str().unwrap().to_owned()
}

async fn give(client: &reqwest::Client, server: &Server, code: &str) -> (u16, String) {
    let form = page(client, server.url("/console/second-factor")).await;
    let csrf = field_value(&form, "csrf").unwrap();
    let r = client
        .post(server.url("/console/second-factor"))
        .form(&[("csrf", csrf.as_str()), ("code", code)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

fn secret_on(page: &str) -> Vec<u8> {
    let start = page.find("class=\"secret\">").unwrap() + "class=\"secret\">".len();
    let typed = page[start..].split('<').next().unwrap().replace(' ', "");
    totp_rs::Secret::try_from_base32(typed)
        .unwrap()
        .as_bytes()
        .to_vec()
}

fn step_now() -> u64 {
    crate::harness::unix_now() / 30
}

#[tokio::test]
async fn a_director_enrols_then_gives_a_code_each_time_and_each_code_once() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.director", Role::Director, "22").await;
    data.add_staff("qn.handler", Role::Handler, "22").await;
    let server = Server::start(data.config()).await;

    // A handler sees no identities: the password is enough.
    let handler = browser();
    assert_eq!(password(&handler, &server, "qn.handler").await, "/console");

    // The password alone opens nothing else.
    let director = browser();
    assert_eq!(
        password(&director, &server, "qn.director").await,
        "/console/second-factor"
    );
    for path in ["/console", "/console/reveal-log"] {
        let r = director.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/console/second-factor");
    }
    let enrolment = page(&director, server.url("/console/second-factor")).await;
    assert!(enrolment.contains("<svg") && enrolment.contains("Google Authenticator"));
    let secret = secret_on(&enrolment);
    let again = page(&director, server.url("/console/second-factor")).await;
    assert_eq!(secret_on(&again), secret, "a reload offers the same secret");

    let (status, refused) = give(&director, &server, "000000").await;
    assert_eq!(status, 401);
    assert!(refused.contains("Mã không đúng"));
    let step = step_now();
    let (status, shown) = give(&director, &server, &totp_code(&secret, step)).await;
    assert_eq!(status, 200);
    let recovery: Vec<String> = shown
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);
    let r = director.get(server.url("/console")).send().await.unwrap();
    assert_eq!(r.status(), 200, "signed in");

    // Next time: the code just used is refused, a recovery code works once.
    let later = browser();
    assert_eq!(
        password(&later, &server, "qn.director").await,
        "/console/second-factor"
    );
    let code_page = page(&later, server.url("/console/second-factor")).await;
    assert!(!code_page.contains("<svg"), "no second enrolment");
    let (status, _) = give(&later, &server, &totp_code(&secret, step)).await;
    assert_eq!(status, 401, "a code is good once");
    let (status, _) = give(&later, &server, &recovery[0].to_lowercase()).await;
    assert_eq!(status, 303, "a recovery code, typed loosely");
    let third = browser();
    password(&third, &server, "qn.director").await;
    let (status, _) = give(&third, &server, &recovery[0]).await;
    assert_eq!(status, 401, "a recovery code is good once");

    // Wrong codes back off.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(give(&third, &server, "123456").await.0);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_lost_factor_is_reset_and_sessions_end_everywhere() {
    let data = Data::new(Backend::Sqlite).await.unwrap();
    data.add_staff("qn.director", Role::Director, "22").await;
    let server = Server::start(data.config()).await;
    let desk = browser();
    sign_in(&desk, &server, "qn.director").await;
    let phone = browser();
    sign_in(&phone, &server, "qn.director").await;

    // Sign out everywhere, from one of them.
    let inbox = page(&desk, server.url("/console")).await;
    let csrf = field_value(&inbox, "csrf").unwrap();
    let r = desk
        .post(server.url("/console/sign-out-everywhere"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    for client in [&desk, &phone] {
        let r = client.get(server.url("/console")).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/console/sign-in");
    }

    // A reset: the member enrols again at the next sign-in.
    sign_in(&phone, &server, "qn.director").await;
    server.stop().await;
    let reset = run_cli(
        data.dir.path(),
        &["user", "reset-second-factor", "--username", "qn.director"],
        &[],
        None,
    );
    assert!(reset.status.success(), "{}", stderr_of(&reset));
    let server = Server::start(data.config()).await;
    let r = phone.get(server.url("/console")).send().await.unwrap();
    assert_eq!(r.status(), 303, "the reset ended the session");
    let fresh = browser();
    password(&fresh, &server, "qn.director").await;
    let enrolment = page(&fresh, server.url("/console/second-factor")).await;
    assert!(enrolment.contains("<svg"), "enrols again");
    server.stop().await;
}
